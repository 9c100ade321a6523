import * as z from 'zod';
import { RoleLine } from '../model/entities';
import { ExternalId, IsoDate, IsoDateTime, Money, Region } from '../model/primitives';
import { ApprovalLevel } from '../policies/approval-policy';
import { ChangeRequestedDetail } from './change-request';

/**
 * The one state contract of the change-control workflow. Each stage writes its result under its
 * own key, and the definition's `resultPath`s are built from the same keys
 * ({@link ChangeControlResultPath}).
 */

const Booking = z.object({
  bookingId: z.string(),
  resourceId: z.string(),
  lineId: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  hours: z.number(),
});

/** {@link ChangeImpact} as data, so the state carries it between steps. */
export const ChangeImpactData = z.object({
  budget: z.object({ before: Money, after: Money, deltaMinor: z.number().int(), percent: z.number() }),
  margin: z.object({
    beforePercent: z.number(),
    afterPercent: z.number(),
    dropPoints: z.number(),
    beforeCost: Money,
    afterCost: Money,
  }),
  schedule: z.object({ beforeEnd: z.string(), afterEnd: z.string(), days: z.number().int() }),
  staffing: z.object({
    hours: z.array(z.object({ lineId: z.string(), role: z.string(), before: z.number(), after: z.number() })),
    bookingsPastEnd: z.array(Booking),
    bookingsToExtend: z.array(Booking),
  }),
  billing: z.object({
    milestonesPastEnd: z.array(
      z.object({ name: z.string(), dueDate: z.string(), amount: Money, status: z.enum(['planned', 'invoiced']) }),
    ),
    invoiceDrafts: z.array(z.object({ invoiceId: z.string(), amount: Money })),
  }),
  route: z.object({
    policyVersion: z.number().int(),
    ruleId: z.string(),
    levels: z.array(ApprovalLevel),
    reason: z.string(),
    reached: z.array(z.string()),
    clientSignOffRequired: z.boolean(),
    clientSignOffReason: z.string(),
  }),
  roleLinesAfter: z.array(RoleLine),
});
/** Typed {@link ChangeImpactData}. */
export type ChangeImpactData = z.infer<typeof ChangeImpactData>;

/** What approvers see; the approval pattern reads it. */
export const ChangeSubject = z.object({
  title: z.string().min(1).max(500),
  projectId: ExternalId,
  /** |budget delta|: what the approval is about. */
  amount: Money,
  region: Region,
  practice: z.string().min(1),
  /** The deterministic approver summary, line by line. */
  reasons: z.array(z.string()),
  /** |budget delta| in whole EUR, for the approval task. */
  amountEur: z.number().int().nonnegative(),
  /** The levels the change policy chose, and why; the route function hands them to the approval pattern. */
  route: z.object({
    levels: z.array(ApprovalLevel).min(1),
    policyVersion: z.number().int().positive(),
    ruleId: z.string().min(1),
    reason: z.string().min(1),
  }),
});
/** Typed {@link ChangeSubject}. */
export type ChangeSubject = z.infer<typeof ChangeSubject>;

/** The assessment: the baseline the change was compared with, its impact, and the approvers' subject. */
export const ChangeAssessment = z.object({
  baselineVersion: z.number().int().positive(),
  impact: ChangeImpactData,
  subject: ChangeSubject,
  assessedAt: IsoDateTime,
});
/** Typed {@link ChangeAssessment}. */
export type ChangeAssessment = z.infer<typeof ChangeAssessment>;

/** The approval pattern's result: the route, and each level's decision. */
export const ChangeApproval = z.looseObject({
  decisions: z
    .array(z.looseObject({ decidedBy: z.string().min(1), decidedAt: IsoDateTime, outcome: z.string().optional() }))
    .optional(),
});

/** The approval as recorded and announced (`Change Approved`). */
export const ApprovalRecorded = z.object({
  approvers: z.array(z.string()),
  approvedAt: IsoDateTime,
  cycleTimeSeconds: z.number().nonnegative(),
});
/** Typed {@link ApprovalRecorded}. */
export type ApprovalRecorded = z.infer<typeof ApprovalRecorded>;

/** The ERP budget as a new baseline version. */
export const BudgetRevised = z.object({
  baselineId: z.string().min(1),
  baselineVersion: z.number().int().positive(),
  previousVersion: z.number().int().positive(),
  budget: Money,
});
/** Typed {@link BudgetRevised}. */
export type BudgetRevised = z.infer<typeof BudgetRevised>;

/** The PSA project and roles updated. */
export const PlanUpdated = z.object({ psaProjectId: z.string().min(1), endDate: IsoDate, roles: z.number().int() });
/** Typed {@link PlanUpdated}. */
export type PlanUpdated = z.infer<typeof PlanUpdated>;

/** The billing schedule updated. */
export const BillingUpdated = z.object({
  billingId: z.string().optional(),
  movedMilestones: z.array(z.string()),
  ratesUpdated: z.array(z.string()),
  draftsToReview: z.array(z.string()),
});
/** Typed {@link BillingUpdated}. */
export type BillingUpdated = z.infer<typeof BillingUpdated>;

/** Bookings extended, shortened or released. */
export const BookingsAdjusted = z.object({
  adjustments: z.array(
    z.object({
      bookingId: z.string(),
      action: z.enum(['extended', 'shortened', 'released']),
      endDate: z.string().optional(),
    }),
  ),
});
/** Typed {@link BookingsAdjusted}. */
export type BookingsAdjusted = z.infer<typeof BookingsAdjusted>;

/** `Resource Requested` emitted for the new hours, one per growing line. */
export const ResourcesRequested = z.object({
  requests: z.array(z.object({ lineId: z.string(), role: z.string(), hours: z.number() })),
});
/** Typed {@link ResourcesRequested}. */
export type ResourcesRequested = z.infer<typeof ResourcesRequested>;

/** The change announced as applied. */
export const ChangeAppliedResult = z.object({ appliedAt: IsoDateTime, baselineVersion: z.number().int().positive() });
/** Typed {@link ChangeAppliedResult}. */
export type ChangeAppliedResult = z.infer<typeof ChangeAppliedResult>;

/** Keys of the state, one per stage result. */
export const ChangeControlKey = {
  assessment: 'assessment',
  approval: 'approval',
  approvalRecorded: 'approvalRecorded',
  budget: 'budget',
  plan: 'plan',
  billing: 'billing',
  bookings: 'bookings',
  resources: 'resources',
  applied: 'applied',
  compensation: 'compensation',
} as const;

/** The JSONPath each stage writes its result to. */
export const ChangeControlResultPath = {
  assessment: `$.${ChangeControlKey.assessment}`,
  approval: `$.${ChangeControlKey.approval}`,
  approvalRecorded: `$.${ChangeControlKey.approvalRecorded}`,
  budget: `$.${ChangeControlKey.budget}`,
  plan: `$.${ChangeControlKey.plan}`,
  billing: `$.${ChangeControlKey.billing}`,
  bookings: `$.${ChangeControlKey.bookings}`,
  resources: `$.${ChangeControlKey.resources}`,
  applied: `$.${ChangeControlKey.applied}`,
  compensation: `$.${ChangeControlKey.compensation}`,
} as const satisfies Record<keyof typeof ChangeControlKey, string>;

/** The state as it grows. Input: `{ change }`, the `Change Requested` detail. */
export const ChangeControlState = z.object({
  change: ChangeRequestedDetail,
  [ChangeControlKey.assessment]: ChangeAssessment.optional(),
  [ChangeControlKey.approval]: ChangeApproval.optional(),
  [ChangeControlKey.approvalRecorded]: ApprovalRecorded.optional(),
  [ChangeControlKey.budget]: BudgetRevised.optional(),
  [ChangeControlKey.plan]: PlanUpdated.optional(),
  [ChangeControlKey.billing]: BillingUpdated.optional(),
  [ChangeControlKey.bookings]: BookingsAdjusted.optional(),
  [ChangeControlKey.resources]: ResourcesRequested.optional(),
});
/** Typed {@link ChangeControlState}. */
export type ChangeControlState = z.infer<typeof ChangeControlState>;

/** The state once assessed and approved: what every applying step reads. */
export const ApprovedChange = ChangeControlState.extend({
  [ChangeControlKey.assessment]: ChangeAssessment,
  [ChangeControlKey.approval]: ChangeApproval,
});
/** Typed {@link ApprovedChange}. */
export type ApprovedChange = z.infer<typeof ApprovedChange>;

/** The state once assessed (approval pending or rejected). */
export const AssessedChange = ChangeControlState.extend({ [ChangeControlKey.assessment]: ChangeAssessment });
/** Typed {@link AssessedChange}. */
export type AssessedChange = z.infer<typeof AssessedChange>;

/** The state once the budget is revised: what the announcement reads. */
export const AppliedChange = ApprovedChange.extend({ [ChangeControlKey.budget]: BudgetRevised });
/** Typed {@link AppliedChange}. */
export type AppliedChange = z.infer<typeof AppliedChange>;

/** What compensation and the rejection need: the change, and the assessment if there is one. */
export const ChangeCompensationInput = z.object({
  change: z.object({ changeId: ChangeRequestedDetail.shape.changeId, projectId: ExternalId }),
  [ChangeControlKey.assessment]: ChangeAssessment.optional(),
});
/** Typed {@link ChangeCompensationInput}. */
export type ChangeCompensationInput = z.infer<typeof ChangeCompensationInput>;
