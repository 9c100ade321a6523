import * as z from 'zod';
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

/** Activation steps read the whole state; a correction must leave the engagement well-formed. */
const ActivationState = z.looseObject({ engagement: EngagementInput });
const stamped = <T extends z.ZodRawShape>(shape: T) => z.looseObject({ ...shape, completedAt: z.string().min(1) });

const STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  [`${WorkflowName.OperationsDrill}:PostDrillEntry`]: { input: DrillEntryInput, output: DrillEntryOutput },
  [`${WorkflowName.ProjectActivation}:PrepareEngagement`]: { input: z.looseObject({ opportunity: z.unknown(), wonAt: z.string(), projectId: z.unknown() }), output: EngagementInput },
  [`${WorkflowName.ProjectActivation}:ProvisionErpProject`]: { input: ActivationState, output: stamped({ erpProjectId: z.string().min(1), baselineId: z.string().min(1) }) },
  [`${WorkflowName.ProjectActivation}:ProvisionPsaProject`]: { input: ActivationState, output: stamped({ psaProjectId: z.string().min(1) }) },
  [`${WorkflowName.ProjectActivation}:SetUpBilling`]: { input: ActivationState, output: stamped({ billingId: z.string().min(1), kind: z.enum(['rate-card', 'milestone-schedule']) }) },
  [`${WorkflowName.ProjectActivation}:RequestResources`]: { input: ActivationState, output: stamped({ requested: z.number().int().nonnegative() }) },
  [`${WorkflowName.ProjectActivation}:OnboardClient`]: { input: ActivationState, output: stamped({ contractId: z.string().min(1), sowId: z.string().min(1), taskListId: z.string().min(1) }) },
};

/** The contract of a guarded step, if it has one. */
export function stepContract(workflow: string, step: string): StepContract | undefined {
  return STEP_CONTRACTS[`${workflow}:${step}`];
}
