import type { Histogram } from './latency-histogram';
import type { KpiFact } from './kpi-facts';
import type { KpiPeriod } from './kpi-periods';

/** The dimensions of a day item; `*` (ANY) where the item rolls every value up. */
export interface KpiDimensions {
  readonly workflow: string;
  readonly region: string;
  readonly practice: string;
}

/**
 * A duration metric of one item: how many durations were observed, their exact sum, and
 * their histogram (empty for metrics kept as a mean only, see `isMeanOnly`).
 */
export interface DurationAggregate {
  readonly histogram: Histogram;
  sumSeconds: number;
  count: number;
}

/** One pre-aggregated item (a day, a week or a month), as read. */
export interface DayAggregate {
  /** The first UTC day the item covers. */
  readonly day: string;
  /** The period the item covers; absent for a single day. */
  readonly period?: KpiPeriod;
  /** −1 when the item is subtracted from a longer item read whole (see `coveringTerms`); added otherwise. */
  readonly sign?: 1 | -1;
  readonly counters: Map<string, number>;
  readonly durations: Map<string, DurationAggregate>;
}

/** An event the aggregator could not count, kept with the reason (never dropped). */
export interface RejectedKpiEvent {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly reason: string;
  readonly receivedAt: string;
  readonly event: unknown;
}

/** Storage of the KPI items (days, weeks and months). */
export interface KpiAggregateStore {
  /**
   * Adds the facts of one event to their day items exactly once per dedupe key: `duplicate`
   * when that key was applied before (a redelivery, or the same fact announced twice).
   */
  apply(dedupeKey: string, facts: readonly KpiFact[]): Promise<'applied' | 'duplicate'>;
  /**
   * The fewest items of one key (dimensions, `*` for all) whose signed sum covers `from` to
   * `to`, inclusive UTC days (`coveringTerms`), oldest first; an item to subtract has sign −1.
   */
  readRange(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]>;
  /** The daily trend items of one key from `from` to `to`, inclusive UTC days (only days with data). */
  readTrend(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]>;
  /** Keeps an event that could not be counted. */
  reject(event: RejectedKpiEvent): Promise<void>;
  /** Events kept as rejected, newest first. */
  listRejected(limit: number): Promise<RejectedKpiEvent[]>;
}
