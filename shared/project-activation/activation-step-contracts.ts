import type { StepContract } from '../workflows/step-contract';
import {
  ActivationState,
  BillingSetUp,
  ClientOnboarded,
  Engagement,
  ErpProvisioned,
  PreparedActivation,
  ProvisionedActivation,
  PsaProvisioned,
  ResourcesRequested,
} from './activation-state';

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

/**
 * The guarded steps of project activation, by state name. Every step reads the whole state
 * (its input path is `$`), so a correction is checked against the view of the state that
 * step parses, and a supplied output against what the step would have written.
 */
export const ACTIVATION_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  // Before the approval: a corrected opportunity is classified and routed afresh.
  PrepareEngagement: { input: ActivationState, output: Engagement, approvedFields: [] },
  ProvisionErpProject: {
    input: PreparedActivation,
    output: ErpProvisioned,
    approvedFields: ACTIVATION_APPROVED_FIELDS,
  },
  ProvisionPsaProject: {
    input: PreparedActivation,
    output: PsaProvisioned,
    approvedFields: ACTIVATION_APPROVED_FIELDS,
  },
  SetUpBilling: { input: ProvisionedActivation, output: BillingSetUp, approvedFields: ACTIVATION_APPROVED_FIELDS },
  RequestResources: {
    input: PreparedActivation,
    output: ResourcesRequested,
    approvedFields: ACTIVATION_APPROVED_FIELDS,
  },
  OnboardClient: { input: PreparedActivation, output: ClientOnboarded, approvedFields: ACTIVATION_APPROVED_FIELDS },
};
