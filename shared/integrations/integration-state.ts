/**
 * Shared run-time state of each external API: its token bucket, its circuit breaker and its
 * recent call statistics. Every function calling the API reads and writes the same record
 * (DynamoDB in a stage), so the limit and the breaker hold across all of them, not per
 * Lambda instance.
 */

/** Circuit breaker states. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One API's record. `version` guards every conditional write. */
export interface ApiState {
  readonly apiId: string;
  readonly tokens: number;
  /** When the bucket was last refilled, epoch ms. */
  readonly refilledAt: number;
  readonly breaker: BreakerState;
  readonly consecutiveFailures: number;
  /** Epoch ms until which an open breaker refuses calls. */
  readonly openUntil: number;
  readonly version: number;
}

/** Counters of one API over one five-minute window. */
export interface ApiWindowStats {
  readonly apiId: string;
  /** Start of the window, epoch ms. */
  readonly windowStart: number;
  readonly calls: number;
  readonly errors: number;
  readonly throttles: number;
  readonly latencyTotalMs: number;
}

/** Length of a statistics window. */
export const STATS_WINDOW_MS = 5 * 60 * 1000;

/** Where API state lives. */
export interface IntegrationStateStore {
  get(apiId: string): Promise<ApiState | undefined>;
  /** Writes `next` if the stored record still has `expectedVersion` (0: absent); false if someone else wrote first. */
  put(next: ApiState, expectedVersion: number): Promise<boolean>;
  /** Adds one call's outcome to its window. */
  addStats(
    apiId: string,
    windowStart: number,
    outcome: { error: boolean; throttled: boolean; latencyMs: number },
  ): Promise<void>;
  /** The windows starting at or after `since`, oldest first. */
  recentStats(apiId: string, since: number): Promise<ApiWindowStats[]>;
}

/** An in-process store: for tests and for a single process such as the contract-test harness. */
export class InMemoryIntegrationState implements IntegrationStateStore {
  private readonly states = new Map<string, ApiState>();
  private readonly stats = new Map<string, ApiWindowStats>();

  async get(apiId: string): Promise<ApiState | undefined> {
    return this.states.get(apiId);
  }

  async put(next: ApiState, expectedVersion: number): Promise<boolean> {
    if ((this.states.get(next.apiId)?.version ?? 0) !== expectedVersion) return false;
    this.states.set(next.apiId, next);
    return true;
  }

  async addStats(
    apiId: string,
    windowStart: number,
    outcome: { error: boolean; throttled: boolean; latencyMs: number },
  ): Promise<void> {
    const key = `${apiId}#${windowStart}`;
    const current = this.stats.get(key) ?? { apiId, windowStart, calls: 0, errors: 0, throttles: 0, latencyTotalMs: 0 };
    this.stats.set(key, {
      ...current,
      calls: current.calls + 1,
      errors: current.errors + (outcome.error ? 1 : 0),
      throttles: current.throttles + (outcome.throttled ? 1 : 0),
      latencyTotalMs: current.latencyTotalMs + outcome.latencyMs,
    });
  }

  async recentStats(apiId: string, since: number): Promise<ApiWindowStats[]> {
    return [...this.stats.values()]
      .filter((window) => window.apiId === apiId && window.windowStart >= since)
      .sort((left, right) => left.windowStart - right.windowStart);
  }
}
