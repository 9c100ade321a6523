import { ANY } from './kpi-facts';
import { reportFromDays } from './kpi-engine';
import { KPI_DEFAULT_RANGE_DAYS, KPI_MAX_RANGE_DAYS, KpiQuery, type KpiReport } from './kpi-report';
import type { KpiAggregateStore } from './kpi-store';

/** A KPI query that cannot be answered as asked; the API answers 400 with the message. */
export class InvalidKpiQuery extends Error {
  override readonly name = 'InvalidKpiQuery';
}

const DAY_MS = 86_400_000;

/** The query with defaults applied and the range checked. */
export function resolveQuery(query: KpiQuery, now: Date): KpiReport['query'] {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from =
    query.from ?? new Date(Date.parse(to) - (KPI_DEFAULT_RANGE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  if (from > to) throw new InvalidKpiQuery(`from (${from}) is after to (${to})`);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days > KPI_MAX_RANGE_DAYS)
    throw new InvalidKpiQuery(`the range covers ${days} days; a query covers at most ${KPI_MAX_RANGE_DAYS}`);
  return {
    workflow: query.workflow ?? null,
    region: query.region ?? null,
    practice: query.practice ?? null,
    from,
    to,
  };
}

/**
 * Answers a KPI query from the partitions that match the filters (`*` for each filter left
 * out): the fewest months, weeks and days whose signed sum is the range, fetched by key, and the
 * daily trend items, read with a key condition; merged in memory. Never a scan.
 */
export async function queryKpis(
  query: KpiQuery,
  deps: { store: KpiAggregateStore; now: () => Date },
): Promise<KpiReport> {
  const now = deps.now();
  const resolved = resolveQuery(KpiQuery.parse(query), now);
  const dimensions = {
    workflow: resolved.workflow ?? ANY,
    region: resolved.region ?? ANY,
    practice: resolved.practice ?? ANY,
  };
  const [periods, trend] = await Promise.all([
    deps.store.readRange(dimensions, resolved.from, resolved.to),
    deps.store.readTrend(dimensions, resolved.from, resolved.to),
  ]);
  return {
    query: resolved,
    generatedAt: now.toISOString(),
    itemsRead: periods.length + trend.length,
    ...reportFromDays(periods, trend),
    // Anomalies need engagement snapshots, which no workflow emits yet (see docs/kpis.md).
    marginAnomalies: [],
  };
}
