import * as z from 'zod';
import type { StepContract } from '../workflows/step-contract';
import {
  Assigned,
  HoldsPlaced,
  PreparedRequest,
  Recommended,
  StaffingApprovedState,
  StaffingInput,
  StaffingPreparedState,
  StaffingRecommendedState,
  UnfilledResolution,
} from './staffing-state';

/** What the staffing approval decided on: the request, the proposal the approvers saw, and the approval. */
const STAFFING_APPROVED_FIELDS = ['/prepared', '/recommended', '/approval'] as const;

/**
 * The guarded steps of the staffing workflow, by state name. Each reads the whole state. The
 * recommendation's skip output is how the owner of an unfilled request resolves it, so it is
 * the resolution, not a proposal.
 */
export const STAFFING_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  PrepareStaffingRequest: { input: StaffingInput.passthrough(), output: PreparedRequest, approvedFields: [] },
  RecommendCandidates: {
    input: StaffingPreparedState.passthrough(),
    output: z.union([Recommended, UnfilledResolution]),
    approvedFields: [],
  },
  PlaceSoftHolds: { input: StaffingRecommendedState.passthrough(), output: HoldsPlaced, approvedFields: [] },
  BookAssignment: {
    input: StaffingApprovedState.passthrough(),
    output: Assigned,
    approvedFields: STAFFING_APPROVED_FIELDS,
  },
};
