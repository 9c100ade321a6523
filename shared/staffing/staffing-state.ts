import * as z from 'zod';
import { BookingKind } from '../connectors/psa/psa-bookings';
import { Money, Region } from '../model/primitives';
import { StaffingRequest } from './staffing-request';

/**
 * The one state contract of the staffing workflow. Each stage writes its result under its own
 * key, and the definition's result paths are built from the same keys ({@link StaffingResultPath}).
 */

/**
 * The workflow's input: an EventBridge `Resource Requested` event as the rule delivers it, or an
 * ad-hoc request from the CLI or the API. Loose on purpose: bad input is held with a reason by
 * the first step, never refused by a parse before anyone sees it.
 */
export const StaffingInput = z.object({
  detail: z.unknown().optional(),
  request: z.unknown().optional(),
  requestedBy: z.string().max(200).optional(),
});
/** Typed {@link StaffingInput}. */
export type StaffingInput = z.infer<typeof StaffingInput>;

/** Where the request is, for whom, and what the approvers see. */
export const PreparedRequest = z.object({
  request: StaffingRequest,
  region: Region,
  clientId: z.string().optional(),
  projectName: z.string(),
  /** The role line's value, hours times rate: what the approval is about. */
  amount: Money,
  requestedBy: z.string().min(1),
});
/** Typed {@link PreparedRequest}. */
export type PreparedRequest = z.infer<typeof PreparedRequest>;

/** One person's share of a proposal. */
export const ProposedAllocation = z.object({
  personId: z.string(),
  name: z.string(),
  deliveryLead: z.string(),
  weeks: z.record(z.string(), z.number()),
  hours: z.number(),
});

/** What the recommendation proposed, kept small: the full ranking lives in the requests table. */
export const Recommended = z.object({
  kind: z.enum(['single', 'split', 'none']),
  allocations: z.array(ProposedAllocation),
  flags: z.array(z.string()),
  reason: z.string(),
  /** Ranked candidates, for a manager who picks another one. */
  shortlist: z.array(z.object({ personId: z.string(), name: z.string(), score: z.number() })),
  /** What the approvers are shown: the humanApproval pattern reads it. */
  subject: z.object({
    title: z.string(),
    projectId: z.object({ system: z.literal('psflow'), id: z.string() }),
    amount: Money,
    region: Region,
    practice: z.string(),
    reasons: z.array(z.string()),
  }),
  /** Set instead of a proposal when the owner of an unfilled request chose how to resolve it. */
  resolution: z.enum(['subcontractor', 'requisition']).optional(),
});
/** Typed {@link Recommended}. */
export type Recommended = z.infer<typeof Recommended>;

/** What an owner supplies when skipping the unfilled recommendation: how to resolve it. */
export const UnfilledResolution = z.object({ resolution: z.enum(['subcontractor', 'requisition']) });

/** The holds placed for a proposal. */
export const HoldsPlaced = z.object({
  bookings: z.array(z.object({ bookingId: z.string(), personId: z.string(), kind: BookingKind })),
  expiresAt: z.string(),
});
/** Typed {@link HoldsPlaced}. */
export type HoldsPlaced = z.infer<typeof HoldsPlaced>;

/** The approval as the humanApproval pattern writes it: the decisions of each level. */
export const StaffingApproval = z.object({
  decisions: z
    .array(
      z
        .object({ outcome: z.string().optional(), comment: z.string().optional(), decidedBy: z.string().optional() })
        .passthrough(),
    )
    .optional(),
});

/** Keys of the stage results in the state. */
export const StaffingKey = {
  prepared: 'prepared',
  recommended: 'recommended',
  holds: 'holds',
  approval: 'approval',
  assigned: 'assigned',
  closed: 'closed',
  rejection: 'rejection',
} as const;

/** Result paths, built from {@link StaffingKey}. */
export const StaffingResultPath = {
  prepared: `$.${StaffingKey.prepared}`,
  recommended: `$.${StaffingKey.recommended}`,
  holds: `$.${StaffingKey.holds}`,
  approval: `$.${StaffingKey.approval}`,
  assigned: `$.${StaffingKey.assigned}`,
  closed: `$.${StaffingKey.closed}`,
  rejection: `$.${StaffingKey.rejection}`,
} as const;

/** The view `RecommendCandidates` parses. */
export const StaffingPreparedState = z.object({ [StaffingKey.prepared]: PreparedRequest });
/** Typed {@link StaffingPreparedState}. */
export type StaffingPreparedState = z.infer<typeof StaffingPreparedState>;

/** The view `PlaceSoftHolds` parses. */
export const StaffingRecommendedState = StaffingPreparedState.extend({ [StaffingKey.recommended]: Recommended });
/** Typed {@link StaffingRecommendedState}. */
export type StaffingRecommendedState = z.infer<typeof StaffingRecommendedState>;

/** The view `BookAssignment` parses. */
export const StaffingApprovedState = StaffingRecommendedState.extend({
  [StaffingKey.holds]: HoldsPlaced,
  [StaffingKey.approval]: StaffingApproval.optional(),
});
/** Typed {@link StaffingApprovedState}. */
export type StaffingApprovedState = z.infer<typeof StaffingApprovedState>;

/** The view `CloseStaffingRequest` parses: why it closes without an assignment. */
export const StaffingClosingState = StaffingPreparedState.extend({
  /** The proposal, or only the resolution an owner supplied when nobody fitted. */
  [StaffingKey.recommended]: z.object({
    resolution: z.enum(['subcontractor', 'requisition']).optional(),
    reason: z.string().optional(),
  }),
  [StaffingKey.holds]: HoldsPlaced.optional(),
  [StaffingKey.rejection]: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});
/** Typed {@link StaffingClosingState}. */
export type StaffingClosingState = z.infer<typeof StaffingClosingState>;

/** What `BookAssignment` writes. */
export const Assigned = z.object({
  allocations: z.array(z.object({ personId: z.string(), bookingId: z.string(), hours: z.number() })),
  pickedByManager: z.boolean(),
  assignedAt: z.string(),
});
/** Typed {@link Assigned}. */
export type Assigned = z.infer<typeof Assigned>;
