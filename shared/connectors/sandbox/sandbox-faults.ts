import * as z from 'zod';

/**
 * Fault injection for the sandbox systems, set per system and operation (design decision 8):
 * latency, throttling (429), unavailability (5xx), timeouts and validation rejections. Tests
 * and benchmarks use it to prove retries, exceptions and idempotency.
 */
export const OperationFaults = z.object({
  latencyMs: z.number().int().min(0).max(30_000).default(0),
  /** Share of calls answered 429 before doing anything. */
  throttleRate: z.number().min(0).max(1).default(0),
  /** Share of calls answered 503 before doing anything. */
  unavailableRate: z.number().min(0).max(1).default(0),
  /** Share of calls whose answer is lost after the write happened: the caller must retry with the same key. */
  timeoutRate: z.number().min(0).max(1).default(0),
  /** Share of calls refused as invalid data: permanent, retrying cannot help. */
  rejectRate: z.number().min(0).max(1).default(0),
});
/** Typed {@link OperationFaults}. */
export type OperationFaults = z.infer<typeof OperationFaults>;

/** Faults of one system: `*` applies to every operation without its own entry. */
export const SystemFaults = z.record(z.string(), OperationFaults);
/** Typed {@link SystemFaults}. */
export type SystemFaults = z.infer<typeof SystemFaults>;

/** The faults that apply to one call. */
export function faultsFor(config: SystemFaults | undefined, operation: string): OperationFaults | undefined {
  return config?.[operation] ?? config?.['*'];
}

/** What a call should suffer, decided once before it runs. */
export type FaultOutcome = 'throttle' | 'unavailable' | 'reject' | 'timeout-after-write' | 'none';

/** Rolls the dice for one call; `random` is injectable so tests can pin outcomes. */
export function rollFault(faults: OperationFaults | undefined, random: () => number = Math.random): FaultOutcome {
  if (!faults) return 'none';
  const roll = random();
  let threshold = faults.throttleRate;
  if (roll < threshold) return 'throttle';
  threshold += faults.unavailableRate;
  if (roll < threshold) return 'unavailable';
  threshold += faults.rejectRate;
  if (roll < threshold) return 'reject';
  threshold += faults.timeoutRate;
  if (roll < threshold) return 'timeout-after-write';
  return 'none';
}
