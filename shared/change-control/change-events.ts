import * as z from 'zod';
import { ExternalId, IsoDateTime, Money, Region } from '../model/primitives';

/**
 * The events change control announces. Approval cycle time and margin impact are KPI fields: the
 * KPI aggregator reads `approvalCycleTimeSeconds` from `Change Approved` and `margin` from
 * `Change Applied`.
 */

const ChangeIdentity = {
  changeId: z.string().min(1).max(120),
  projectId: ExternalId,
  source: z.enum(['psa', 'crm']),
  region: Region,
  practice: z.string().min(1),
  requestedBy: z.string().min(1),
  requestedAt: IsoDateTime,
};

/** Detail of `Change Approved` v1: who approved, at which policy rule, and the approval cycle time (a KPI). */
export const ChangeApprovedDetail = z.object({
  ...ChangeIdentity,
  approvers: z.array(z.string()),
  policyVersion: z.number().int().positive(),
  ruleId: z.string().min(1),
  budgetDelta: Money,
  approvedAt: IsoDateTime,
  /** From the request to the last approval, in seconds: the change approval cycle time KPI. */
  approvalCycleTimeSeconds: z.number().nonnegative(),
});
/** Typed {@link ChangeApprovedDetail}. */
export type ChangeApprovedDetail = z.infer<typeof ChangeApprovedDetail>;

/** Detail of `Change Applied` v1: the new baseline version, where the change was applied, and its margin impact (a KPI). */
export const ChangeAppliedDetail = z.object({
  ...ChangeIdentity,
  baselineVersion: z.number().int().positive(),
  previousBaselineVersion: z.number().int().positive(),
  budgetBefore: Money,
  budgetAfter: Money,
  /** Margin before and after in percent, and the change in points (negative is a drop): the margin impact KPI. */
  margin: z.object({ beforePercent: z.number(), afterPercent: z.number(), deltaPoints: z.number() }),
  /** `erp budget BUD-… (v2)`, `psa project …`, …: what was changed where. */
  appliedTo: z.array(z.string()),
  appliedAt: IsoDateTime,
});
/** Typed {@link ChangeAppliedDetail}. */
export type ChangeAppliedDetail = z.infer<typeof ChangeAppliedDetail>;

/** Detail of `Change Rejected` v1: an approver said no; nothing was applied. */
export const ChangeRejectedDetail = z.object({
  ...ChangeIdentity,
  reason: z.string(),
  rejectedAt: IsoDateTime,
});
/** Typed {@link ChangeRejectedDetail}. */
export type ChangeRejectedDetail = z.infer<typeof ChangeRejectedDetail>;
