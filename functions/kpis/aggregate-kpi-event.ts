import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { aggregateEvent } from '../../shared/kpis/aggregate-event';
import { factSourceFor } from '../../shared/kpis/fact-registry';
import { KpiAggregatesTable } from '../../shared/kpis/kpi-aggregates-table';
import { metricParts } from '../../shared/kpis/kpi-facts';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';

const store = new KpiAggregatesTable(documentClient, requireEnv(EnvVar.KpiTable));

const OUTCOME_METRICS = {
  applied: 'KpiEventsApplied',
  duplicate: 'KpiEventsDuplicate',
  rejected: 'KpiEventsRejected',
} as const;

/** Duration kinds published as CloudWatch metrics (per workflow), for the dashboard. */
const DURATION_METRICS: Readonly<Record<string, string>> = {
  cycle: 'CycleTime',
  'appr.wait': 'ApprovalDecisionTime',
  'exc.mttr': 'ExceptionTimeToResolve',
};

/** Publishes the durations of a newly counted event as KPI metrics, one per workflow dimension. */
function publishKpiMetrics(event: unknown): void {
  const parsed = z.object({ source: z.string(), 'detail-type': z.string(), detail: z.unknown() }).safeParse(event);
  if (!parsed.success) return;
  const mapped = factSourceFor(parsed.data.source, parsed.data['detail-type'])?.map(parsed.data.detail);
  if (!mapped?.ok) return;
  for (const fact of mapped.facts) {
    for (const [metric, seconds] of Object.entries(fact.durations ?? {})) {
      const name = DURATION_METRICS[metricParts(metric)[0]];
      if (!name) continue;
      const single = metrics.singleMetric();
      single.addDimension('workflow', fact.workflow);
      single.addMetric(name, MetricUnit.Seconds, seconds);
    }
  }
}

// Any event is accepted here: the aggregator validates it against the registry and keeps what
// it cannot count as a rejected KPI event with the reason, instead of failing the delivery.
const AnyEvent = z.unknown();

/** Lambda entry point: the target of the KPI rule. */
export const handler = lambdaHandler('AggregateKpiEvent', AnyEvent, async (event) => {
  const outcome = await aggregateEvent(event, { store, now: () => new Date() });
  metrics.addMetric(OUTCOME_METRICS[outcome.outcome], MetricUnit.Count, 1);
  if (outcome.outcome === 'applied') publishKpiMetrics(event);
  (outcome.outcome === 'rejected' ? logger.warn : logger.info).call(logger, 'KPI event', { outcome });
  return outcome;
});
