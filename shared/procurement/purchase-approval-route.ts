import * as z from 'zod';
import { Money, Region } from '../model/primitives';
import type { ApprovalLevel } from '../policies/approval-policy';
import { requirementsFor, type ProcurementPolicy } from './procurement-policy';

/** What the approval pattern passes to a route function. */
export const RouteInput = z.object({
  workflow: z.string().min(1),
  subject: z.looseObject({ amount: Money, region: Region }),
});

/** The route in the shape the human-approval pattern reads (the same as the approval-routing one). */
export interface PatternRoute {
  readonly levels: readonly ApprovalLevel[];
  readonly levelIndexes: number[];
  readonly levelCount: number;
  readonly amountEur: number;
  readonly policy: { readonly version: number; readonly ruleId: string; readonly reason: string };
}

/** Routes a purchase's approval by the procurement policy's levels for its region and amount. */
export function routePurchaseApproval(
  policy: ProcurementPolicy,
  { subject }: z.infer<typeof RouteInput>,
): PatternRoute {
  const requirements = requirementsFor(policy, subject.region, subject.amount);
  return {
    levels: requirements.levels,
    levelIndexes: requirements.levels.map((_, index) => index),
    levelCount: requirements.levels.length,
    amountEur: requirements.amountEur,
    policy: {
      version: requirements.policyVersion,
      ruleId: `procurement-${subject.region.toLowerCase()}`,
      reason: requirements.approvalReason,
    },
  };
}
