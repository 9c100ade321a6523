import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  CrmDetailType,
  PSFLOW_EMITTED_SOURCES,
  PsaDetailType,
  PsflowSource,
  SalesforceDetailType,
  SalesforceSourcePrefix,
} from '../events/catalogue';
import { OpportunityWonDetail, findContract } from '../events/contracts';
import { WorkflowName, businessKey, executionNameFor, projectIdFor } from '../workflows/workflow-names';
import {
  IgnoreReason,
  RejectionReason,
  issuesFromZod,
  type ChangeDecision,
  type IgnoredDecision,
  type RejectedDecision,
} from './ingestion-outcomes';
import type { IngestionDependencies, IngestionReport, RecordOutcome } from './ingestion-ports';
import {
  changeDedupeKey,
  decideOpportunityRecord,
  isOverflow,
  parseOpportunityChange,
  type OpportunityChangeDecision,
} from './salesforce/opportunity-change';
import { messageOf } from '../errors/error-message';
import { ChangeRequestedDetail } from '../change-control/change-request';
import { isPlainObject } from '../model/plain-object';

/**
 * The ingestion path: every event the bus routes here is validated, normalised into the
 * canonical model, deduplicated, and either starts its workflow under a deterministic
 * execution name or ends as a recorded outcome (ignored, rejected and held, or counted as
 * unknown). Nothing is dropped without a trace.
 */

/** What ingestion decides for one record: an opportunity change's decision, or a project change to control. */
type RecordDecision = OpportunityChangeDecision;

/** Step Functions refuses execution input over 256 KB; larger events cannot start a workflow as they are. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The EventBridge envelope fields ingestion relies on. */
const EventEnvelope = z.looseObject({
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(256),
  time: z.string().max(64).optional(),
  detail: z.record(z.string(), z.unknown()),
});
type EventEnvelope = z.infer<typeof EventEnvelope>;

/** Ingests one event as EventBridge delivered it. Throws only on infrastructure failures, so the delivery is retried. */
export async function ingestEvent(event: unknown, deps: IngestionDependencies): Promise<IngestionReport> {
  const receivedAt = deps.now().toISOString();
  const rawEvent = safeStringify(event);
  const identity = describe(event);
  const hold = async (decision: RejectedDecision, envelope = identity): Promise<RecordOutcome> => {
    const rejectionId = await deps.rejections.hold({
      reason: decision.reason,
      message: decision.message,
      issues: decision.issues,
      ...envelope,
      recordId: decision.recordId,
      dedupeKey: decision.dedupeKey,
      rawEvent,
      receivedAt,
      fingerprint: fingerprintOf(decision, envelope, event),
    });
    return {
      outcome: 'rejected',
      reason: decision.reason,
      message: decision.message,
      recordId: decision.recordId,
      dedupeKey: decision.dedupeKey,
      rejectionId,
    };
  };

  const bytes = Buffer.byteLength(rawEvent, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) {
    const outcome = await hold({
      kind: 'rejected',
      reason: RejectionReason.PayloadTooLarge,
      message: `the event is ${bytes} bytes; a workflow accepts at most ${MAX_PAYLOAD_BYTES} bytes of input`,
      issues: [{ path: '$', message: `${bytes} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit` }],
    });
    return { ...identity, outcomes: [outcome] };
  }

  const parsed = EventEnvelope.safeParse(event);
  if (!parsed.success) {
    const outcome = await hold({
      kind: 'rejected',
      reason: RejectionReason.InvalidEnvelope,
      message: 'not an EventBridge event with id, source, detail-type and an object detail',
      issues: issuesFromZod('$', parsed.error),
    });
    return { ...identity, outcomes: [outcome] };
  }
  const envelope = parsed.data;
  const route = routeOf(envelope);
  if (route.kind === 'unknown') {
    await deps.ledger.countUnknown(envelope.source, envelope['detail-type'], envelope.id, receivedAt);
    return { ...identity, outcomes: [{ outcome: 'unknown', reason: route.reason }] };
  }
  if (route.kind === 'own-output') {
    return {
      ...identity,
      outcomes: [{ outcome: 'ignored', reason: IgnoreReason.NoWorkflow, message: 'psflow emitted this event itself' }],
    };
  }

  const outcomes: RecordOutcome[] = [];
  if (route.kind === 'salesforce-opportunity') {
    const payloadPath = route.channel === 'event-relay' ? '$.detail.payload' : '$.detail';
    const change = parseOpportunityChange(
      route.channel === 'event-relay' ? envelope.detail.payload : envelope.detail,
      payloadPath,
    );
    if ('kind' in change) return { ...identity, outcomes: [await hold(change)] };
    // An overflow names no records: one item for the operator, not one per key prefix.
    const recordIds = isOverflow(change) ? [change.header.recordIds[0] ?? '*'] : [...new Set(change.header.recordIds)];
    for (const recordId of recordIds) {
      outcomes.push(
        await once(changeDedupeKey(change, recordId), () =>
          decideOpportunityRecord(change, recordId, deps.crm, deps.projects),
        ),
      );
    }
  } else {
    const detail = route.contract.detail.safeParse(envelope.detail);
    if (!detail.success) {
      // Not remembered in the ledger: an invalid detail's dedupe key is itself untrusted input.
      const outcome = await hold({
        kind: 'rejected',
        reason: RejectionReason.InvalidCanonicalEvent,
        message: `the detail does not match the ${route.contract.name} v${route.contract.version} contract`,
        issues: issuesFromZod('$.detail', detail.error),
      });
      return { ...identity, outcomes: [outcome] };
    }
    const parsedDedupeKey = isPlainObject(detail.data) ? detail.data.dedupeKey : undefined;
    const change = ChangeRequestedDetail.safeParse(
      route.contract.detailType === PsaDetailType.ChangeRequested ? detail.data : undefined,
    );
    // A change is one change however often it is delivered: its id is the dedupe key.
    const dedupeKey = change.success
      ? `${envelope.source}:change:${change.data.changeId}`
      : `${envelope.source}:${typeof parsedDedupeKey === 'string' ? parsedDedupeKey : `event:${envelope.id}`}`;
    outcomes.push(
      await once(dedupeKey, async (): Promise<RecordDecision> => {
        if (change.success) return { kind: 'change', dedupeKey, detail: change.data };
        if (route.contract.detailType !== CrmDetailType.OpportunityWon) {
          return {
            kind: 'ignored',
            reason: IgnoreReason.NoWorkflow,
            message: `no workflow consumes ${route.contract.name} yet`,
            dedupeKey,
          };
        }
        return { kind: 'activate', dedupeKey, detail: OpportunityWonDetail.parse(detail.data) };
      }),
    );
  }
  return { ...identity, outcomes };

  /** Runs a record's decision unless its change was already processed, then remembers the outcome. */
  async function once(dedupeKey: string, decide: () => Promise<RecordDecision>): Promise<RecordOutcome> {
    const seen = await deps.ledger.find(dedupeKey);
    if (seen) {
      return {
        outcome: 'ignored',
        reason: IgnoreReason.Duplicate,
        message: `change ${dedupeKey} was processed before (${seen.outcome})`,
        dedupeKey,
        executionArn: seen.executionArn,
      };
    }
    const decision = await decide();
    const outcome = await act(decision);
    // A rejection is not remembered: once the CRM or the event is fixed, a replay must be decided afresh.
    if (outcome.outcome === 'rejected') return outcome;
    await deps.ledger.remember({
      dedupeKey,
      outcome: outcome.outcome,
      reason: outcome.reason,
      eventId: envelope.id,
      executionArn: outcome.executionArn,
      rejectionId: outcome.rejectionId,
    });
    return outcome;
  }

  async function act(decision: RecordDecision): Promise<RecordOutcome> {
    if (decision.kind === 'rejected') return hold(decision);
    if (decision.kind === 'ignored') return ignoredOutcome(decision);
    if (decision.kind === 'change') return startChangeControl(decision);
    const input = JSON.stringify(decision.detail);
    if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) {
      return hold({
        kind: 'rejected',
        reason: RejectionReason.PayloadTooLarge,
        message: `the canonical opportunity is over ${MAX_PAYLOAD_BYTES} bytes, more than a workflow accepts`,
        issues: [{ path: '$.detail', message: 'canonical event too large' }],
        dedupeKey: decision.dedupeKey,
        recordId: decision.recordId,
      });
    }
    const { opportunity } = decision.detail;
    const executionName = executionNameFor('opportunity', opportunity.opportunityId);
    const projectId = projectIdFor(opportunity.opportunityId);
    const started = await deps.launcher.start(WorkflowName.ProjectActivation, executionName, {
      ...decision.detail,
      projectId,
    });
    await deps.executions.record({
      workflow: WorkflowName.ProjectActivation,
      executionName,
      executionArn: started.executionArn,
      businessKeys: [
        businessKey('opportunity', opportunity.opportunityId),
        businessKey('client', opportunity.client.clientId),
        businessKey('project', projectId),
      ],
      dedupeKey: decision.dedupeKey,
      startedAt: receivedAt,
    });
    return {
      outcome: started.alreadyStarted ? 'already-started' : 'started',
      recordId: decision.recordId,
      dedupeKey: decision.dedupeKey,
      executionArn: started.executionArn,
    };
  }

  async function startChangeControl(decision: ChangeDecision<ChangeRequestedDetail>): Promise<RecordOutcome> {
    const change = decision.detail;
    const executionName = changeExecutionName(change);
    const started = await deps.launcher.start(WorkflowName.ChangeControl, executionName, { change });
    await deps.executions.record({
      workflow: WorkflowName.ChangeControl,
      executionName,
      executionArn: started.executionArn,
      businessKeys: [
        businessKey('project', change.projectId),
        ...(change.opportunityId ? [businessKey('opportunity', change.opportunityId)] : []),
      ],
      dedupeKey: decision.dedupeKey,
      startedAt: receivedAt,
    });
    return {
      outcome: started.alreadyStarted ? 'already-started' : 'started',
      recordId: decision.recordId,
      dedupeKey: decision.dedupeKey,
      executionArn: started.executionArn,
    };
  }
}

/** The execution name of a change's change control: derived from its source and id, so a duplicate starts nothing. */
export function changeExecutionName(change: Pick<ChangeRequestedDetail, 'source' | 'changeId'>): string {
  return executionNameFor('change', { system: change.source, id: change.changeId });
}

type Route =
  | { kind: 'salesforce-opportunity'; channel: 'event-relay' | 'appflow' }
  | { kind: 'canonical'; contract: NonNullable<ReturnType<typeof findContract>> }
  | { kind: 'own-output' }
  | { kind: 'unknown'; reason: string };

function routeOf(envelope: EventEnvelope): Route {
  const { source } = envelope;
  const detailType = envelope['detail-type'];
  const channel = source.startsWith(SalesforceSourcePrefix.AppFlow)
    ? 'appflow'
    : source.startsWith(SalesforceSourcePrefix.EventRelay)
      ? 'event-relay'
      : undefined;
  if (channel) {
    return detailType === SalesforceDetailType.OpportunityChangeEvent
      ? { kind: 'salesforce-opportunity', channel }
      : { kind: 'unknown', reason: `no adapter for Salesforce detail-type ${JSON.stringify(detailType)}` };
  }
  if (PSFLOW_EMITTED_SOURCES.includes(source)) return { kind: 'own-output' };
  const internal = Object.values(PsflowSource).some((psflowSource) => psflowSource === source);
  const contract = internal ? findContract(source, detailType) : undefined;
  if (contract) return { kind: 'canonical', contract };
  return {
    kind: 'unknown',
    reason: internal
      ? `no contract for ${JSON.stringify(detailType)} from ${source}`
      : `unknown source ${JSON.stringify(source)}`,
  };
}

function ignoredOutcome(decision: IgnoredDecision): RecordOutcome {
  return {
    outcome: 'ignored',
    reason: decision.reason,
    message: decision.message,
    recordId: decision.recordId,
    dedupeKey: decision.dedupeKey,
  };
}

/** Best-effort identity of even a malformed event, for the rejected item. */
function describe(event: unknown): { eventId: string; source: string; detailType: string } {
  const record = isPlainObject(event) ? event : {};
  const text = (value: unknown): string =>
    typeof value === 'string' && value.length > 0 ? value.slice(0, 256) : '(missing)';
  return { eventId: text(record.id), source: text(record.source), detailType: text(record['detail-type']) };
}

function fingerprintOf(
  decision: RejectedDecision,
  identity: { source: string; detailType: string },
  event: unknown,
): string {
  // Without what changes on each delivery: the id, the time, and the name of an archive replay.
  const content = isPlainObject(event) ? { ...event, id: undefined, time: undefined, 'replay-name': undefined } : event;
  return createHash('sha256')
    .update(
      safeStringify([
        decision.reason,
        identity.source,
        identity.detailType,
        decision.recordId ?? null,
        decision.dedupeKey ?? null,
        content,
      ]),
    )
    .digest('hex')
    .slice(0, 32);
}

function safeStringify(event: unknown): string {
  try {
    return JSON.stringify(event) ?? 'undefined';
  } catch (error) {
    return `unserialisable event: ${messageOf(error)}`;
  }
}
