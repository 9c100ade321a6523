import * as z from 'zod';
import { factSourceFor } from './fact-registry';
import type { KpiAggregateStore } from './kpi-store';

/** The envelope fields of an EventBridge event the aggregator reads. */
export const BusEvent = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  time: z.string().optional(),
  detail: z.unknown(),
});

/** What became of one event. */
export type AggregationOutcome =
  | { readonly outcome: 'applied' | 'duplicate'; readonly dedupeKey: string; readonly facts: number }
  | { readonly outcome: 'rejected'; readonly reason: string };

/**
 * Counts one workflow event into the KPI day items, once. An event that is not an
 * EventBridge event, of a kind the KPIs do not know, or whose detail does not fit its
 * contract is kept as a rejected KPI event with the reason, never dropped and never thrown:
 * retrying would not make it fit.
 */
export async function aggregateEvent(
  event: unknown,
  deps: { store: KpiAggregateStore; now: () => Date },
): Promise<AggregationOutcome> {
  const receivedAt = deps.now().toISOString();
  const envelope = BusEvent.safeParse(event);
  const reject = async (reason: string): Promise<AggregationOutcome> => {
    const known = envelope.success ? envelope.data : undefined;
    await deps.store.reject({
      eventId: known?.id ?? `unidentified-${receivedAt}`,
      source: known?.source ?? 'unknown',
      detailType: known?.['detail-type'] ?? 'unknown',
      reason,
      receivedAt,
      event,
    });
    return { outcome: 'rejected', reason };
  };
  if (!envelope.success)
    return reject(
      `not an EventBridge event: ${envelope.error.issues.map((issue) => `${issue.path.join('/') || 'event'}: ${issue.message}`).join('; ')}`,
    );
  const { source, 'detail-type': detailType, detail } = envelope.data;
  const entry = factSourceFor(source, detailType);
  if (!entry)
    return reject(
      `no KPI registry entry for source ${source}, detail-type ${detailType}; add one in shared/kpis/fact-registry.ts`,
    );
  const mapped = entry.map(detail);
  if (!mapped.ok) return reject(`${detailType} does not fit its contract: ${mapped.issues.join('; ')}`);
  const bad = mapped.facts.find((fact) => Number.isNaN(Date.parse(fact.at)));
  if (bad) return reject(`${detailType} has a fact without a valid time (${bad.at})`);
  const dedupeKey = `${detailType}#${mapped.dedupeKey}`;
  const outcome = await deps.store.apply(dedupeKey, mapped.facts);
  return { outcome, dedupeKey, facts: mapped.facts.length };
}
