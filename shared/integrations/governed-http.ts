import type { ApiEntry } from './api-catalogue';
import type { ApiGovernor } from './api-governor';
import { currentTraceId, traceparent } from './trace-context';
import { capRawResponse, RetryableVendorError, type VendorFailureKind } from './vendor-errors';

/** One request to a vendor API. Headers may hold credentials: they are sent, never logged. */
export interface VendorRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A vendor's answer, whatever its status; 429, 408 and 5xx never get here (they throw). */
export interface VendorResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** One call's outcome, for the per-API metrics and the call log. */
export interface CallRecord {
  readonly apiId: string;
  readonly connector: string;
  readonly operation: string;
  readonly method: string;
  /** The path alone: query strings may carry record ids or filters, never needed to find a call. */
  readonly path: string;
  readonly status?: number;
  readonly outcome: 'ok' | VendorFailureKind;
  readonly latencyMs: number;
  readonly traceparent: string;
}

/** Where call records go: Powertools metrics and the logger in a function, a list in tests. */
export interface CallObserver {
  record(call: CallRecord): void;
}

/** Longest inline wait for a retry; a vendor asking for more gets the workflow's own retry instead. */
export const MAX_INLINE_RETRY_WAIT_MS = 5000;

/** Dependencies of a {@link GovernedHttpClient}. */
export interface GovernedHttpDependencies {
  readonly governor: ApiGovernor;
  readonly observer?: CallObserver;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Every outbound call to a vendor goes through here: admitted by the shared rate limiter and
 * circuit breaker, given the catalogue's timeout and a fresh `traceparent`, measured, and
 * retried per the catalogue's retry policy (honouring Retry-After up to a few seconds).
 * Throttling, 5xx, timeouts and network failures become {@link RetryableVendorError}s naming
 * the system, with the raw response capped; anything else is handed back for the connector
 * to read in its vendor's terms.
 */
export class GovernedHttpClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    readonly api: ApiEntry,
    /** The port name errors carry (crm, erp, psa), which decides the exception's owner. */
    readonly connector: string,
    private readonly dependencies: GovernedHttpDependencies,
  ) {
    this.fetchImpl = dependencies.fetch ?? fetch;
    this.sleep = dependencies.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = dependencies.random ?? Math.random;
  }

  /** Sends a request, retrying retryable failures per the catalogue. */
  async send(operation: string, request: VendorRequest): Promise<VendorResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(operation, request);
      } catch (error) {
        if (!(error instanceof RetryableVendorError) || error.details.kind === 'circuit-open') throw error;
        if (attempt >= this.api.retry.attempts) throw error;
        const backoff = Math.round(this.random() * this.api.retry.baseDelayMs * 2 ** attempt);
        const wait = Math.max(error.details.retryAfterMs ?? 0, backoff);
        if (wait > MAX_INLINE_RETRY_WAIT_MS) throw error;
        await this.sleep(wait);
      }
    }
  }

  private async once(operation: string, request: VendorRequest): Promise<VendorResponse> {
    const admission = await this.dependencies.governor.admit(this.api, this.connector, operation);
    const parent = traceparent(currentTraceId());
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(request.url, {
        method: request.method,
        headers: { ...request.headers, traceparent: parent },
        body: request.body,
        signal: AbortSignal.timeout(this.api.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // A DOMException from AbortSignal.timeout is not always an Error instance (realms differ), so read its name.
      const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const kind = timedOut ? 'timeout' : 'network';
      const message = timedOut
        ? `no complete answer within the catalogue's ${this.api.timeoutMs} ms`
        : `the request failed: ${error instanceof Error ? error.message : String(error)}`;
      await this.fail(operation, request, parent, started, kind, message, undefined);
      throw new RetryableVendorError(this.connector, operation, { system: this.api.system, kind }, message, {
        cause: error,
      });
    }
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      const kind = response.status === 429 ? 'throttled' : 'unavailable';
      const message = `${request.method} ${pathOf(request.url)} answered ${response.status}`;
      await this.fail(operation, request, parent, started, kind, message, response.status);
      throw new RetryableVendorError(
        this.connector,
        operation,
        {
          system: this.api.system,
          kind,
          status: response.status,
          rawResponse: capRawResponse(text),
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
        },
        message,
      );
    }
    const latencyMs = Math.round(performance.now() - started);
    this.observe(operation, request, parent, response.status, 'ok', latencyMs);
    await this.dependencies.governor.succeeded(this.api, admission, latencyMs);
    return { status: response.status, headers: response.headers, text };
  }

  private async fail(
    operation: string,
    request: VendorRequest,
    parent: string,
    started: number,
    kind: VendorFailureKind,
    message: string,
    status: number | undefined,
  ): Promise<void> {
    const latencyMs = Math.round(performance.now() - started);
    this.observe(operation, request, parent, status, kind, latencyMs);
    await this.dependencies.governor.failed(this.api, kind, message, latencyMs);
  }

  private observe(
    operation: string,
    request: VendorRequest,
    parent: string,
    status: number | undefined,
    outcome: CallRecord['outcome'],
    latencyMs: number,
  ): void {
    this.dependencies.observer?.record({
      apiId: this.api.apiId,
      connector: this.connector,
      operation,
      method: request.method,
      path: pathOf(request.url),
      status,
      outcome,
      latencyMs,
      traceparent: parent,
    });
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0];
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
