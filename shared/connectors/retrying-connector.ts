import { RetryableConnectorError } from './connector-errors';

/** How a call is retried inside a step. */
export interface CallRetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
}

/** Three tries within a step, waiting a random 0–100 ms, then 0–200 ms (full jitter): cheap, and invisible to the bill. */
export const DEFAULT_CALL_RETRY: CallRetryPolicy = { attempts: 3, baseDelayMs: 50 };

/**
 * Wraps a connector so each call that fails with a retryable error is tried again with
 * exponential backoff and full jitter. Writes are safe to repeat because each carries its
 * idempotency key. Failures that outlast these tries reach the workflow's own retries, which
 * show in the execution history, and then the exception queue.
 */
export function withCallRetries<T extends object>(
  connector: T,
  policy: CallRetryPolicy = DEFAULT_CALL_RETRY,
  random: () => number = Math.random,
): T {
  return new Proxy(connector, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt += 1) {
          try {
            const result: unknown = await Reflect.apply(value, target, args);
            return result;
          } catch (error) {
            if (!(error instanceof RetryableConnectorError) || attempt >= policy.attempts) throw error;
            const cap = policy.baseDelayMs * 2 ** attempt;
            await new Promise((resolve) => setTimeout(resolve, Math.round(random() * cap)));
          }
        }
      };
    },
  });
}
