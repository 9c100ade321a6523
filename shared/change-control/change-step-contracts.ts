import type { StepContract } from '../workflows/step-contract';
import {
  AppliedChange,
  ApprovalRecorded,
  ApprovedChange,
  BillingUpdated,
  BookingsAdjusted,
  BudgetRevised,
  ChangeAppliedResult,
  ChangeAssessment,
  ChangeControlState,
  PlanUpdated,
  ResourcesRequested,
} from './change-state';

/** What a change's approval decided on: the proposal, its impact, and the approval itself. */
const CHANGE_APPROVED_FIELDS = [
  '/change/proposed',
  '/change/projectId',
  '/change/region',
  '/change/requestedBy',
  '/change/clientSignOff',
  '/assessment/impact',
  '/assessment/subject',
  '/approval',
] as const;

/** The guarded steps of change control, by state name. */
export const CHANGE_CONTROL_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  // Before the approval: a corrected change is assessed and routed afresh.
  AssessChange: { input: ChangeControlState, output: ChangeAssessment, approvedFields: [] },
  RecordChangeApproval: { input: ApprovedChange, output: ApprovalRecorded, approvedFields: CHANGE_APPROVED_FIELDS },
  ReviseBudget: { input: ApprovedChange, output: BudgetRevised, approvedFields: CHANGE_APPROVED_FIELDS },
  UpdateProjectPlan: { input: ApprovedChange, output: PlanUpdated, approvedFields: CHANGE_APPROVED_FIELDS },
  UpdateBillingSchedule: { input: ApprovedChange, output: BillingUpdated, approvedFields: CHANGE_APPROVED_FIELDS },
  AdjustBookings: { input: ApprovedChange, output: BookingsAdjusted, approvedFields: CHANGE_APPROVED_FIELDS },
  RequestChangeResources: { input: ApprovedChange, output: ResourcesRequested, approvedFields: CHANGE_APPROVED_FIELDS },
  AnnounceChangeApplied: { input: AppliedChange, output: ChangeAppliedResult, approvedFields: CHANGE_APPROVED_FIELDS },
};
