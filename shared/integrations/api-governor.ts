import type { ApiEntry } from './api-catalogue';
import { STATS_WINDOW_MS, type ApiState, type IntegrationStateStore } from './integration-state';
import { RetryableVendorError, type VendorFailureKind } from './vendor-errors';

/** What `Integration Degraded` says: which API, since when, for how long, and why. */
export interface IntegrationDegradedDetail {
  readonly apiId: string;
  readonly system: string;
  readonly owner: string;
  readonly version: string;
  readonly consecutiveFailures: number;
  readonly lastFailure: string;
  readonly openedAt: string;
  readonly openUntil: string;
}

/** Announces a breaker opening (an `Integration Degraded` event in a stage). */
export interface DegradationNotifier {
  degraded(detail: IntegrationDegradedDetail): Promise<void>;
}

/** What admission saw, so a successful call writes nothing when all was already well. */
export interface Admission {
  readonly state: ApiState;
  readonly trial: boolean;
}

/** Failure kinds that say the API itself is in trouble; refused data does not open the breaker. */
const BREAKER_FAILURES: readonly VendorFailureKind[] = ['unavailable', 'timeout', 'network', 'throttled'];

/** Conditional writes lost to other callers before giving up; each loss means someone else made progress. */
const MAX_CONTENDED_WRITES = 25;

/**
 * Run-time governance of one API, shared by every function through the state store: a token
 * bucket (the catalogue's rate and burst) and a circuit breaker (the catalogue's failure
 * threshold and open time). A caller waits for a token up to `maxWaitMs`, and past that fails
 * retryably rather than hold a Lambda; an open breaker refuses calls at once, and after its
 * open time lets one trial call through (half-open) whose outcome closes or reopens it.
 */
export class ApiGovernor {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;

  constructor(
    private readonly store: IntegrationStateStore,
    private readonly options: {
      readonly notifier?: DegradationNotifier;
      readonly now?: () => number;
      readonly sleep?: (ms: number) => Promise<void>;
      /** Longest a caller waits for a token; default 2 s. */
      readonly maxWaitMs?: number;
    } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxWaitMs = options.maxWaitMs ?? 2000;
  }

  /** Lets a call through, or throws a retryable `circuit-open` or `throttled` error. */
  async admit(api: ApiEntry, connector: string, operation: string): Promise<Admission> {
    let waited = 0;
    for (let write = 0; write < MAX_CONTENDED_WRITES;) {
      const now = this.now();
      const stored = await this.store.get(api.apiId);
      const state = stored ?? initialState(api, now);
      let breaker = state.breaker;
      let openUntil = state.openUntil;
      let trial = false;
      if (breaker !== 'closed') {
        if (now < state.openUntil)
          throw new RetryableVendorError(
            connector,
            operation,
            { system: api.system, kind: 'circuit-open', retryAfterMs: state.openUntil - now },
            `the circuit breaker of ${api.apiId} is ${breaker} until ${new Date(state.openUntil).toISOString()} after ${state.consecutiveFailures} failures; no call was made`,
          );
        // This caller is the one trial; others are refused until it reports or its deadline passes.
        breaker = 'half-open';
        openUntil = now + api.timeoutMs * 2;
        trial = true;
      }
      const tokens = Math.min(
        api.rateLimit.burst,
        state.tokens + ((now - state.refilledAt) / 1000) * api.rateLimit.requestsPerSecond,
      );
      if (tokens < 1) {
        const wait = Math.ceil(((1 - tokens) / api.rateLimit.requestsPerSecond) * 1000);
        if (waited + wait > this.maxWaitMs)
          throw new RetryableVendorError(
            connector,
            operation,
            { system: api.system, kind: 'throttled', retryAfterMs: wait },
            `the shared rate limit of ${api.apiId} (${api.rateLimit.requestsPerSecond}/s, burst ${api.rateLimit.burst}) is spent; waited ${waited} ms`,
          );
        waited += wait;
        await this.sleep(wait);
        continue;
      }
      const next: ApiState = {
        ...state,
        tokens: tokens - 1,
        refilledAt: now,
        breaker,
        openUntil,
        version: state.version + 1,
      };
      if (await this.store.put(next, stored?.version ?? 0)) return { state: next, trial };
      write += 1;
    }
    throw new RetryableVendorError(
      connector,
      operation,
      { system: api.system, kind: 'throttled' },
      `too many callers contend for the rate limit of ${api.apiId}`,
    );
  }

  /** A call succeeded: a failing or half-open breaker closes. */
  async succeeded(api: ApiEntry, admission: Admission, latencyMs: number): Promise<void> {
    await this.store.addStats(api.apiId, this.window(), { error: false, throttled: false, latencyMs });
    if (admission.state.breaker === 'closed' && admission.state.consecutiveFailures === 0) return;
    await this.update(api, (state) => ({ ...state, breaker: 'closed', consecutiveFailures: 0, openUntil: 0 }));
  }

  /** A call failed: counted, and the breaker opens at the threshold (or at once after a failed trial). */
  async failed(api: ApiEntry, kind: VendorFailureKind, message: string, latencyMs: number): Promise<void> {
    await this.store.addStats(api.apiId, this.window(), {
      error: true,
      throttled: kind === 'throttled',
      latencyMs,
    });
    if (!BREAKER_FAILURES.includes(kind)) return;
    const now = this.now();
    const { before, after } = await this.update(api, (state) => {
      const failures = state.consecutiveFailures + 1;
      const opens = state.breaker === 'half-open' || failures >= api.circuitBreaker.failureThreshold;
      return opens
        ? {
            ...state,
            consecutiveFailures: failures,
            breaker: 'open',
            openUntil: now + api.circuitBreaker.openSeconds * 1000,
          }
        : { ...state, consecutiveFailures: failures };
    });
    if (after.breaker === 'open' && before.breaker !== 'open' && this.options.notifier)
      await this.options.notifier.degraded({
        apiId: api.apiId,
        system: api.system,
        owner: api.owner,
        version: api.version,
        consecutiveFailures: after.consecutiveFailures,
        lastFailure: `${kind}: ${message}`.slice(0, 1000),
        openedAt: new Date(now).toISOString(),
        openUntil: new Date(after.openUntil).toISOString(),
      });
  }

  private window(): number {
    const now = this.now();
    return now - (now % STATS_WINDOW_MS);
  }

  private async update(
    api: ApiEntry,
    change: (state: ApiState) => ApiState,
  ): Promise<{ before: ApiState; after: ApiState }> {
    for (let write = 0; write < MAX_CONTENDED_WRITES; write++) {
      const stored = await this.store.get(api.apiId);
      const before = stored ?? initialState(api, this.now());
      const after = { ...change(before), version: before.version + 1 };
      if (await this.store.put(after, stored?.version ?? 0)) return { before, after };
    }
    throw new Error(`could not record the outcome of a call to ${api.apiId}: too many concurrent writers`);
  }
}

function initialState(api: ApiEntry, now: number): ApiState {
  return {
    apiId: api.apiId,
    tokens: api.rateLimit.burst,
    refilledAt: now,
    breaker: 'closed',
    consecutiveFailures: 0,
    openUntil: 0,
    version: 0,
  };
}
