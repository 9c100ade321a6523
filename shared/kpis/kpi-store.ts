import type { Histogram } from './latency-histogram';
import type { KpiFact } from './kpi-facts';

/** The dimensions of a day item; `*` (ANY) where the item rolls every value up. */
export interface KpiDimensions {
  readonly workflow: string;
  readonly region: string;
  readonly practice: string;
}

/** A duration metric of one day item: its histogram and the exact sum of its durations. */
export interface DurationAggregate {
  readonly histogram: Histogram;
  sumSeconds: number;
}

/** One pre-aggregated day item, as read. */
export interface DayAggregate {
  readonly day: string;
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

/** Storage of the KPI day items. */
export interface KpiAggregateStore {
  /**
   * Adds the facts of one event to their day items exactly once per dedupe key: `duplicate`
   * when that key was applied before (a redelivery, or the same fact announced twice).
   */
  apply(dedupeKey: string, facts: readonly KpiFact[]): Promise<'applied' | 'duplicate'>;
  /** The day items of one key (dimensions, `*` for all) from `from` to `to`, inclusive UTC days, oldest first. */
  readDays(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]>;
  /** Keeps an event that could not be counted. */
  reject(event: RejectedKpiEvent): Promise<void>;
  /** Events kept as rejected, newest first. */
  listRejected(limit: number): Promise<RejectedKpiEvent[]>;
}
