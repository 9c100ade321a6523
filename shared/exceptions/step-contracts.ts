import { z } from 'zod';
import { Money } from '../model/primitives';
import { EngagementInput } from '../project-activation/engagement';
import { WorkflowName } from '../workflows/workflow-names';

/**
 * Input and output schemas of the guarded steps. A retry's corrected input and a skip's
 * supplied output are checked against them before the workflow sees them, so an owner
 * cannot push malformed data into a step by hand.
 */
export interface StepContract {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
  /**
   * JSON Pointers into the step's input to what an approval already decided on (the fields the
   * approval policy and the approvers read). A retry patch that touches one is refused: an
   * exception owner corrects data, but may not change what was approved. Empty for a step that
   * runs before its workflow's approval, whose corrections are routed through approval anyway.
   */
  readonly approvedFields: readonly string[];
}

/** The drill's guarded step: post a journal entry to the (sandbox) ERP. */
export const DrillEntryInput = z.object({
  drillId: z.string().min(1),
  amount: Money,
  /** How the step should fail, to rehearse each recovery; `none` succeeds. */
  failWith: z.enum(['none', 'permanent', 'transient']),
});
/** Typed {@link DrillEntryInput}. */
export type DrillEntryInput = z.infer<typeof DrillEntryInput>;

/** What posting the drill entry returns. */
export const DrillEntryOutput = z.object({ entryId: z.string().min(1), postedAt: z.string().min(1) });

/**
 * What the activation's approval decided on: the amount (and its EUR value), the role lines and
 * their rates, the client, the billing model, the region and practice that routed it, what the
 * approvers were shown, the approval itself, and the won opportunity the engagement came from.
 */
const ACTIVATION_APPROVED_FIELDS = [
  '/engagement/amount',
  '/engagement/amountEur',
  '/engagement/roleLines',
  '/engagement/clientId',
  '/engagement/clientName',
  '/engagement/billingModel',
  '/engagement/region',
  '/engagement/practice',
  '/engagement/classification',
  '/engagement/subject',
  '/engagement/requestedBy',
  '/opportunity',
  '/approval',
] as const;

/** Activation steps read the whole state; a correction must leave the engagement well-formed. */
const ActivationState = z.looseObject({ engagement: EngagementInput });
const stamped = <T extends z.ZodRawShape>(shape: T) => z.looseObject({ ...shape, completedAt: z.string().min(1) });

const STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  // The drill's approval routed on the amount.
  [`${WorkflowName.OperationsDrill}:PostDrillEntry`]: { input: DrillEntryInput, output: DrillEntryOutput, approvedFields: ['/amount'] },
  // Before the approval: a corrected opportunity is classified and routed afresh.
  [`${WorkflowName.ProjectActivation}:PrepareEngagement`]: { input: z.looseObject({ opportunity: z.unknown(), wonAt: z.string(), projectId: z.unknown() }), output: EngagementInput, approvedFields: [] },
  [`${WorkflowName.ProjectActivation}:ProvisionErpProject`]: { input: ActivationState, output: stamped({ erpProjectId: z.string().min(1), baselineId: z.string().min(1) }), approvedFields: ACTIVATION_APPROVED_FIELDS },
  [`${WorkflowName.ProjectActivation}:ProvisionPsaProject`]: { input: ActivationState, output: stamped({ psaProjectId: z.string().min(1) }), approvedFields: ACTIVATION_APPROVED_FIELDS },
  [`${WorkflowName.ProjectActivation}:SetUpBilling`]: { input: ActivationState, output: stamped({ billingId: z.string().min(1), kind: z.enum(['rate-card', 'milestone-schedule']) }), approvedFields: ACTIVATION_APPROVED_FIELDS },
  [`${WorkflowName.ProjectActivation}:RequestResources`]: { input: ActivationState, output: stamped({ requested: z.number().int().nonnegative() }), approvedFields: ACTIVATION_APPROVED_FIELDS },
  [`${WorkflowName.ProjectActivation}:OnboardClient`]: { input: ActivationState, output: stamped({ contractId: z.string().min(1), sowId: z.string().min(1), taskListId: z.string().min(1) }), approvedFields: ACTIVATION_APPROVED_FIELDS },
};

/** The contract of a guarded step, if it has one. */
export function stepContract(workflow: string, step: string): StepContract | undefined {
  return STEP_CONTRACTS[`${workflow}:${step}`];
}

/**
 * The approved fields a patch would change, as `operation index: field`. An operation touches a
 * field when its path is the field, lies inside it, or contains it (replacing `/engagement` or
 * the whole document changes every field below). `test` only reads, so it touches nothing.
 */
export function approvedFieldsTouched(approvedFields: readonly string[], patch: ReadonlyArray<{ readonly op: string; readonly path: string }>): string[] {
  const inside = (path: string, field: string): boolean => path === field || path.startsWith(`${field}/`);
  return patch.flatMap((operation, index) =>
    operation.op === 'test' ? [] : approvedFields.filter((field) => inside(operation.path, field) || inside(field, operation.path) || operation.path === '').map((field) => `operation ${index} (${operation.op} ${operation.path || '(the whole input)'}) changes ${field}`),
  );
}
