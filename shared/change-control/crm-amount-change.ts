import type { ExternalId, Money, Region } from '../model/primitives';
import { ChangeRequestedDetail } from './change-request';

/** What the Salesforce adapter knows about an amount change on a won opportunity whose project exists. */
export interface CrmAmountChange {
  /** The change's dedupe key, `salesforce:<transactionKey>:<sequenceNumber>:<recordId>`. */
  readonly dedupeKey: string;
  readonly opportunityId: ExternalId;
  readonly projectId: ExternalId;
  readonly region: Region;
  readonly practice: string;
  readonly newAmount: Money;
  /** The opportunity owner, who made the change in the CRM. */
  readonly changedBy: string;
  readonly changedAt: string;
}

/**
 * The canonical `Change Requested` for an amount change on an already-won opportunity: the new
 * amount becomes the proposed budget, and the change id is derived from the CRM change's dedupe
 * key, so the same change arriving twice (Event Relay and AppFlow, a replay) is one change.
 * Returns the parse result, so a bad amount is held with its paths rather than thrown.
 */
export function changeRequestFromCrmAmount(change: CrmAmountChange) {
  return ChangeRequestedDetail.safeParse({
    changeId: `crm-${change.dedupeKey.replace(/[^A-Za-z0-9_.:-]/g, '_')}`.slice(0, 120),
    projectId: change.projectId,
    source: 'crm',
    opportunityId: change.opportunityId,
    region: change.region,
    practice: change.practice,
    requestedBy: change.changedBy,
    reason: `the amount of won opportunity ${change.opportunityId.id} changed in the CRM`,
    requestedAt: change.changedAt,
    proposed: { budget: change.newAmount },
  });
}
