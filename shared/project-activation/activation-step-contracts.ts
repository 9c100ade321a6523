import type { StepContract } from '../workflows/step-contract';
import { ActivationState, BillingSetUp, ClientOnboarded, Engagement, ErpProvisioned, PreparedActivation, ProvisionedActivation, PsaProvisioned, ResourcesRequested } from './activation-state';

/**
 * The guarded steps of project activation, by state name. Every step reads the whole state
 * (its input path is `$`), so a correction is checked against the view of the state that
 * step parses, and a supplied output against what the step would have written.
 */
export const ACTIVATION_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  PrepareEngagement: { input: ActivationState, output: Engagement },
  ProvisionErpProject: { input: PreparedActivation, output: ErpProvisioned },
  ProvisionPsaProject: { input: PreparedActivation, output: PsaProvisioned },
  SetUpBilling: { input: ProvisionedActivation, output: BillingSetUp },
  RequestResources: { input: PreparedActivation, output: ResourcesRequested },
  OnboardClient: { input: PreparedActivation, output: ClientOnboarded },
};
