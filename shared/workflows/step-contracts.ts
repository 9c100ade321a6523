import { BILLING_STEP_CONTRACTS } from '../billing/billing-step-contracts';
import { CHANGE_CONTROL_STEP_CONTRACTS } from '../change-control/change-step-contracts';
import { DRILL_STEP_CONTRACTS } from '../operations-drill/drill-state';
import { ACTIVATION_STEP_CONTRACTS } from '../project-activation/activation-step-contracts';
import { PROCUREMENT_STEP_CONTRACTS } from '../procurement/procurement-step-contracts';
import { STAFFING_STEP_CONTRACTS } from '../staffing/staffing-step-contracts';
import type { StepContract, StepContractLookup } from './step-contract';
import { WorkflowName } from './workflow-names';

/** Each workflow's guarded-step contracts, declared next to its state; a new workflow adds its table here. */
const CONTRACTS_BY_WORKFLOW: Readonly<Record<string, Readonly<Record<string, StepContract>>>> = {
  [WorkflowName.ProjectActivation]: ACTIVATION_STEP_CONTRACTS,
  [WorkflowName.OperationsDrill]: DRILL_STEP_CONTRACTS,
  [WorkflowName.BillingReadinessProject]: BILLING_STEP_CONTRACTS,
  [WorkflowName.Procurement]: PROCUREMENT_STEP_CONTRACTS,
  [WorkflowName.Staffing]: STAFFING_STEP_CONTRACTS,
  [WorkflowName.ChangeControl]: CHANGE_CONTROL_STEP_CONTRACTS,
};

/** The contract of a workflow's guarded step, if it has one; what the exception queue checks corrections against. */
export const stepContract: StepContractLookup = (workflow, step) => {
  const contracts = CONTRACTS_BY_WORKFLOW[workflow];
  return contracts && Object.hasOwn(contracts, step) ? contracts[step] : undefined;
};
