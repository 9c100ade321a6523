import * as z from 'zod';
import { CrmOpportunityFacts, type CrmConnector } from '../../connectors/crm/crm-connector';
import { PermanentConnectorError } from '../../connectors/connector-errors';
import { OpportunityWonDetail } from '../../events/contracts';
import { changeRequestFromCrmAmount } from '../../change-control/crm-amount-change';
import type { ChangeRequestedDetail } from '../../change-control/change-request';
import type { ExternalId } from '../../model/primitives';
import {
  IgnoreReason,
  RejectionReason,
  issuesFromZod,
  type ActivationDecision,
  type ChangeDecision,
  type IgnoredDecision,
  type RejectedDecision,
  type RejectionIssue,
} from '../ingestion-outcomes';
import { buildWonOpportunity, normalisePractice, normaliseRegion, toMinorUnits } from '../won-opportunity';
import { isPlainObject } from '../../model/plain-object';

/**
 * The Salesforce change data capture adapter for Opportunity. It honours the CDC rules a
 * consumer must follow: a missing field means "unchanged", gap events carry no values,
 * one event may name several records, and delivery is at least once, so
 * `transactionKey` + `sequenceNumber` + record id identifies a change.
 */

/** Every `changeType` Salesforce documents for change events. */
export const ChangeType = z.enum([
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
]);
/** Typed {@link ChangeType}. */
export type ChangeType = z.infer<typeof ChangeType>;

/** A 15- or 18-character Salesforce record id. */
const SalesforceId = z
  .string()
  .regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, 'must be a 15- or 18-character Salesforce id');
/** Overflow events name a key prefix plus `*` (for example `006*`) instead of records. */
const OverflowRecordId = z.string().regex(/^[A-Za-z0-9]{3}\*$/, 'must be a Salesforce key prefix followed by *');

/** The `ChangeEventHeader` of a change event. */
export const ChangeEventHeader = z.object({
  entityName: z.literal('Opportunity', { error: 'this adapter only handles Opportunity change events' }),
  recordIds: z.array(z.union([SalesforceId, OverflowRecordId])).max(10_000),
  changeType: ChangeType,
  transactionKey: z.string().min(1).max(128),
  sequenceNumber: z.number().int().nonnegative(),
  /** Milliseconds since the epoch; capped at the end of year 9999, the last ISO-8601 four-digit year. */
  commitTimestamp: z.number().int().positive().max(253_402_300_799_999),
  changedFields: z.array(z.string().max(255)).max(1_000).optional(),
});

const text = z.string().max(32_000).nullable().optional();

/**
 * The Opportunity fields psflow reads, with their Salesforce types. `null` means the field
 * was cleared; an absent field was not changed. Other fields pass through unread.
 */
export const OpportunityChangeFields = z.looseObject({
  Name: text,
  AccountId: SalesforceId.nullable().optional(),
  StageName: text,
  IsWon: z.boolean().nullable().optional(),
  IsClosed: z.boolean().nullable().optional(),
  Amount: z.number().nullable().optional(),
  CurrencyIsoCode: text,
  CloseDate: text,
  Region__c: text,
  Practice__c: text,
  Billing_Model__c: text,
  Contract_Start__c: text,
  Contract_End__c: text,
  Discount__c: z.number().nullable().optional(),
  Type: text,
});
type OpportunityChangeFields = z.infer<typeof OpportunityChangeFields>;

/** Which Salesforce field carries which fact; error paths name the Salesforce field. */
export const SALESFORCE_OPPORTUNITY_FIELDS = {
  Name: 'name',
  AccountId: 'accountId',
  StageName: 'stage',
  IsWon: 'isWon',
  IsClosed: 'isClosed',
  Amount: 'amount',
  CurrencyIsoCode: 'currency',
  CloseDate: 'closeDate',
  Region__c: 'region',
  Practice__c: 'practice',
  Billing_Model__c: 'billingModel',
  Contract_Start__c: 'startDate',
  Contract_End__c: 'endDate',
  Discount__c: 'discountPercent',
  Type: 'dealType',
} as const satisfies Record<string, keyof CrmOpportunityFacts>;

/** A parsed change event, ready to be decided record by record. */
export interface OpportunityChange {
  readonly header: z.infer<typeof ChangeEventHeader>;
  readonly fields: OpportunityChangeFields;
  /** JSONPath of the CDC payload inside the EventBridge event. */
  readonly payloadPath: string;
}

/** A record's decision. */
export type OpportunityChangeDecision =
  ActivationDecision<OpportunityWonDetail> | ChangeDecision<ChangeRequestedDetail> | IgnoredDecision | RejectedDecision;

/** The project psflow activated for an opportunity, found through an index; undefined when there is none. */
export interface OpportunityProjects {
  projectOf(opportunityId: ExternalId): Promise<ExternalId | undefined>;
}

/** Parses a CDC payload found at `payloadPath`, or says exactly what is wrong with it. */
export function parseOpportunityChange(payload: unknown, payloadPath: string): OpportunityChange | RejectedDecision {
  const record = isPlainObject(payload) ? payload : undefined;
  if (!record) {
    return rejected(RejectionReason.InvalidChangeEvent, 'the change data capture payload is not an object', [
      { path: payloadPath, message: 'expected an object with ChangeEventHeader' },
    ]);
  }
  const header = ChangeEventHeader.safeParse(record.ChangeEventHeader);
  const fields = OpportunityChangeFields.safeParse(record);
  const issues = [
    ...(header.success ? [] : issuesFromZod(`${payloadPath}.ChangeEventHeader`, header.error)),
    ...(fields.success ? [] : issuesFromZod(payloadPath, fields.error)),
  ];
  if (header.success && fields.success) {
    const overflow = header.data.changeType === 'GAP_OVERFLOW';
    header.data.recordIds.forEach((recordId, index) => {
      if (recordId.endsWith('*') !== overflow) {
        issues.push({
          path: `${payloadPath}.ChangeEventHeader.recordIds[${index}]`,
          message: overflow
            ? 'an overflow event names a key prefix such as 006*'
            : 'must be a 15- or 18-character Salesforce id',
        });
      }
    });
    if (!overflow && header.data.recordIds.length === 0) {
      issues.push({ path: `${payloadPath}.ChangeEventHeader.recordIds`, message: 'must name at least one record' });
    }
  }
  if (issues.length > 0 || !header.success || !fields.success) {
    return rejected(
      RejectionReason.InvalidChangeEvent,
      'the Opportunity change event does not have the documented shape',
      issues,
    );
  }
  return { header: header.data, fields: fields.data, payloadPath };
}

/** The dedupe key of one record of a change: Salesforce's identity of the change. */
export function changeDedupeKey(change: OpportunityChange, recordId: string): string {
  return `salesforce:${change.header.transactionKey}:${change.header.sequenceNumber}:${recordId}`;
}

/** True when the overflow event needs an operator; it names no individual records. */
export function isOverflow(change: OpportunityChange): boolean {
  return change.header.changeType === 'GAP_OVERFLOW';
}

/**
 * Decides one record: start activation only on a transition into a won stage, reading
 * from the CRM whatever the event lacks.
 */
export async function decideOpportunityRecord(
  change: OpportunityChange,
  recordId: string,
  crm: CrmConnector,
  projects?: OpportunityProjects,
): Promise<OpportunityChangeDecision> {
  try {
    return await decideRecord(change, recordId, crm, projects);
  } catch (error) {
    // Bad data in the CRM will fail on every retry: hold it for an operator instead.
    if (!(error instanceof PermanentConnectorError)) throw error;
    return {
      ...rejected(
        RejectionReason.CrmRecordInvalid,
        `the CRM answered for opportunity ${recordId} with data psflow cannot use: ${error.message}`,
        [{ path: `${change.payloadPath}.ChangeEventHeader.recordIds`, message: error.message }],
      ),
      dedupeKey: changeDedupeKey(change, recordId),
      recordId,
    };
  }
}

async function decideRecord(
  change: OpportunityChange,
  recordId: string,
  crm: CrmConnector,
  projects: OpportunityProjects | undefined,
): Promise<OpportunityChangeDecision> {
  const dedupeKey = changeDedupeKey(change, recordId);
  const { changeType } = change.header;
  const context = { dedupeKey, recordId };
  if (changeType === 'GAP_OVERFLOW') {
    return {
      ...rejected(
        RejectionReason.ReconciliationRequired,
        `Salesforce dropped the individual changes of transaction ${change.header.transactionKey} (overflow); resynchronise Opportunity records from the CRM`,
        [
          {
            path: `${change.payloadPath}.ChangeEventHeader.changeType`,
            message: 'GAP_OVERFLOW carries no record ids or values',
          },
        ],
      ),
      ...context,
    };
  }
  if (changeType === 'DELETE' || changeType === 'GAP_DELETE') {
    return ignored(IgnoreReason.Deleted, `opportunity ${recordId} was deleted`, context);
  }

  // Gap events carry no values, so the CRM is the only witness of the current stage.
  const isGap = changeType.startsWith('GAP_');
  const eventFacts = isGap ? {} : factsFromFields(change.fields);
  if (!isGap && !stageChanged(change)) {
    if (projects && amountChanged(change))
      return decideAmountChange(change, recordId, eventFacts, { crm, projects, dedupeKey });
    return ignored(
      IgnoreReason.StageUnchanged,
      `the change to opportunity ${recordId} does not touch its stage`,
      context,
    );
  }

  const needsCrm = isGap || eventFacts.isWon === undefined || missingRequiredFacts(eventFacts).length > 0;
  const crmFacts = needsCrm ? await crm.getOpportunity(recordId) : undefined;
  if (needsCrm && crmFacts === undefined && (isGap || eventFacts.isWon === undefined)) {
    return {
      ...rejected(
        RejectionReason.CrmRecordNotFound,
        `the CRM has no opportunity ${recordId}, and the event does not say whether it was won`,
        [
          {
            path: `${change.payloadPath}.ChangeEventHeader.recordIds`,
            message: `opportunity ${recordId} is unknown to the CRM`,
          },
        ],
      ),
      ...context,
    };
  }
  const facts: CrmOpportunityFacts = {
    ...withoutUndefined(crmFacts ?? {}),
    ...withoutUndefined(eventFacts),
    opportunityId: recordId,
  };
  if (facts.isWon !== true) {
    return facts.isClosed === true
      ? ignored(
          IgnoreReason.Lost,
          `opportunity ${recordId} was closed as lost (stage ${JSON.stringify(facts.stage ?? null)})`,
          context,
        )
      : ignored(
          IgnoreReason.NotWon,
          `opportunity ${recordId} moved to stage ${JSON.stringify(facts.stage ?? null)}, which is not won`,
          context,
        );
  }

  const built = await buildWonOpportunity({
    facts,
    factOrigin: (fact) => (fact in eventFacts ? 'event' : 'crm'),
    fieldPath: (fact) => `${change.payloadPath}.${salesforceFieldOf(fact)}`,
    crm,
  });
  if (built.kind === 'invalid') {
    return {
      ...rejected(built.reason, `opportunity ${recordId} cannot be activated: ${built.summary}`, built.issues),
      ...context,
    };
  }
  // Activation reads the opportunity's statement of work from the CRM, so a win the CRM does not
  // know can never activate: even a complete event is held here, not left to fail as an exception.
  if (!needsCrm && (await crm.getOpportunity(recordId)) === undefined) {
    return {
      ...rejected(
        RejectionReason.CrmRecordNotFound,
        `the CRM has no opportunity ${recordId}; activation reads its statement of work there`,
        [
          {
            path: `${change.payloadPath}.ChangeEventHeader.recordIds`,
            message: `opportunity ${recordId} is unknown to the CRM`,
          },
        ],
      ),
      ...context,
    };
  }
  const detail = OpportunityWonDetail.safeParse({
    opportunity: built.opportunity,
    wonAt: new Date(change.header.commitTimestamp).toISOString(),
    dedupeKey,
  });
  if (!detail.success) {
    return {
      ...rejected(
        RejectionReason.IncompleteOpportunity,
        `opportunity ${recordId} does not make a valid Opportunity Won event`,
        issuesFromZod('$.canonical', detail.error),
      ),
      ...context,
    };
  }
  return { kind: 'activate', dedupeKey, recordId, detail: detail.data };
}

/**
 * An amount change on an opportunity that is already won, whose project exists, is a change to
 * that project: a `Change Requested` with the new amount as the proposed budget. Otherwise the
 * change touches no stage and starts nothing, as before.
 */
async function decideAmountChange(
  change: OpportunityChange,
  recordId: string,
  eventFacts: Partial<CrmOpportunityFacts>,
  deps: { crm: CrmConnector; projects: OpportunityProjects; dedupeKey: string },
): Promise<OpportunityChangeDecision> {
  const context = { dedupeKey: deps.dedupeKey, recordId };
  const facts = {
    ...withoutUndefined((await deps.crm.getOpportunity(recordId)) ?? {}),
    ...withoutUndefined(eventFacts),
  };
  if (facts.isWon !== true)
    return ignored(
      IgnoreReason.StageUnchanged,
      `only the amount of opportunity ${recordId} changed, and it is not won`,
      context,
    );
  const opportunityId: ExternalId = { system: 'salesforce', id: recordId };
  const projectId = await deps.projects.projectOf(opportunityId);
  if (!projectId)
    return ignored(
      IgnoreReason.StageUnchanged,
      `the amount of won opportunity ${recordId} changed, but no project exists for it yet`,
      context,
    );
  const issues: RejectionIssue[] = [];
  const problem = (fact: string) => (message: string) => {
    issues.push({ path: `${change.payloadPath}.${salesforceFieldOf(fact)}`, message });
    return undefined;
  };
  const currency = facts.currency ?? undefined;
  const amountMinor = toMinorUnits(facts.amount ?? undefined, currency, problem('amount'));
  const region = normaliseRegion(facts.region ?? undefined, problem('region'));
  const practice = normalisePractice(facts.practice ?? undefined, problem('practice'));
  if (amountMinor === undefined || !currency || !region || !practice) {
    if (issues.length === 0)
      issues.push({ path: change.payloadPath, message: 'amount, currency, region and practice are required' });
    return {
      ...rejected(
        RejectionReason.IncompleteOpportunity,
        `the amount change of opportunity ${recordId} cannot be a change request`,
        issues,
      ),
      ...context,
    };
  }
  const detail = changeRequestFromCrmAmount({
    dedupeKey: deps.dedupeKey,
    opportunityId,
    projectId,
    region,
    practice,
    newAmount: { amountMinor, currency },
    changedBy: facts.ownerEmail ?? `salesforce opportunity owner of ${recordId}`,
    changedAt: new Date(change.header.commitTimestamp).toISOString(),
  });
  if (!detail.success)
    return {
      ...rejected(
        RejectionReason.IncompleteOpportunity,
        `the amount change of opportunity ${recordId} does not make a valid Change Requested event`,
        issuesFromZod('$.canonical', detail.error),
      ),
      ...context,
    };
  return { kind: 'change', dedupeKey: deps.dedupeKey, recordId, detail: detail.data };
}

function amountChanged(change: OpportunityChange): boolean {
  const changed = change.header.changedFields;
  if (change.header.changeType === 'UPDATE' && changed !== undefined && changed.length > 0)
    return changed.includes('Amount');
  return 'Amount' in change.fields;
}

function stageChanged(change: OpportunityChange): boolean {
  const changed = change.header.changedFields;
  // Salesforce fills changedFields only for updates; there it is authoritative, because
  // enriched fields are present but unchanged. A creation or undeletion sets every field it carries.
  if (change.header.changeType === 'UPDATE' && changed !== undefined && changed.length > 0)
    return changed.includes('StageName') || changed.includes('IsWon');
  return 'StageName' in change.fields || 'IsWon' in change.fields;
}

/** The facts, and only the facts, that a change's fields carry; the field schema already checked their types. */
const ChangedFacts = CrmOpportunityFacts.partial();

function factsFromFields(fields: OpportunityChangeFields): Partial<CrmOpportunityFacts> {
  const facts: Record<string, unknown> = {};
  for (const [field, fact] of Object.entries(SALESFORCE_OPPORTUNITY_FIELDS)) {
    if (field in fields) facts[fact] = fields[field];
  }
  return ChangedFacts.parse(facts);
}

const REQUIRED_FACTS = [
  'accountId',
  'name',
  'amount',
  'currency',
  'closeDate',
  'region',
  'practice',
  'billingModel',
] as const;

function missingRequiredFacts(facts: Partial<CrmOpportunityFacts>): string[] {
  return REQUIRED_FACTS.filter((fact) => facts[fact] === undefined);
}

function salesforceFieldOf(fact: string): string {
  return Object.entries(SALESFORCE_OPPORTUNITY_FIELDS).find(([, candidate]) => candidate === fact)?.[0] ?? fact;
}

function withoutUndefined(facts: Partial<CrmOpportunityFacts>): Partial<CrmOpportunityFacts> {
  return ChangedFacts.parse(Object.fromEntries(Object.entries(facts).filter(([, entry]) => entry !== undefined)));
}

function rejected(reason: RejectionReason, message: string, issues: readonly RejectionIssue[]): RejectedDecision {
  return { kind: 'rejected', reason, message, issues };
}

function ignored(
  reason: IgnoreReason,
  message: string,
  context: { dedupeKey: string; recordId: string },
): IgnoredDecision {
  return { kind: 'ignored', reason, message, ...context };
}
