import * as z from 'zod';
import { OpportunityWonDetail } from '../events/contracts';
import { RoleLine } from '../model/entities';
import { ExternalId, IsoDateTime, Money } from '../model/primitives';

/**
 * The one state contract of project activation. The state grows as the workflow runs: each
 * stage writes its result under its own key, and the definition's `resultPath`s are built from
 * the same keys ({@link ActivationResultPath}), so a renamed key cannot leave a step reading
 * a path nobody writes. Each step parses the view of the state it needs, so a correction an
 * exception owner patched in is checked where it is used.
 */

/** The workflow's input: the `Opportunity Won` detail plus the project id ingestion assigned. */
export const ActivationInput = OpportunityWonDetail.extend({ projectId: ExternalId });
/** Typed {@link ActivationInput}. */
export type ActivationInput = z.infer<typeof ActivationInput>;

/** The size band of a deal, in EUR at the policy's reference rates. */
export const SizeBand = z.enum(['small', 'medium', 'large', 'strategic']);
/** Typed {@link SizeBand}. */
export type SizeBand = z.infer<typeof SizeBand>;

/** What approvers see; the approval pattern reads it. */
export const ApprovalSubject = z.object({
  title: z.string().min(1),
  clientId: ExternalId,
  clientName: z.string(),
  projectId: ExternalId,
  opportunityId: ExternalId,
  amount: Money,
  region: z.string().min(1),
  practice: z.string().min(1),
  reasons: z.array(z.string()),
});

/** The engagement every activation step works from: the deal, its statement of work and its classification. */
export const Engagement = z.object({
  projectId: ExternalId,
  opportunityId: ExternalId,
  clientId: ExternalId,
  clientName: z.string(),
  name: z.string().min(1),
  region: z.string().min(1),
  practice: z.string().min(1),
  billingModel: z.enum(['time-and-materials', 'fixed-fee']),
  amount: Money,
  amountEur: z.number().nonnegative(),
  startDate: z.string(),
  endDate: z.string(),
  roleLines: z.array(RoleLine).min(1),
  wonAt: IsoDateTime,
  requestedBy: z.string().min(1),
  classification: z.object({ sizeBand: SizeBand, riskFlags: z.array(z.string()), reasons: z.array(z.string()) }),
  // Checked as a time: recorded stage times are computed from it.
  preparedAt: IsoDateTime,
  subject: ApprovalSubject,
});
/** Typed {@link Engagement}. */
export type Engagement = z.infer<typeof Engagement>;

/** Every step result carries the time it completed, from which the stage times are computed. */
const Completed = z.object({ completedAt: IsoDateTime });

/** The ERP project and its budget baseline. */
export const ErpProvisioned = Completed.extend({ erpProjectId: z.string().min(1), baselineId: z.string().min(1) });
/** Typed {@link ErpProvisioned}. */
export type ErpProvisioned = z.infer<typeof ErpProvisioned>;
/** The PSA project with its work breakdown and roles. */
export const PsaProvisioned = Completed.extend({ psaProjectId: z.string().min(1) });
/** Typed {@link PsaProvisioned}. */
export type PsaProvisioned = z.infer<typeof PsaProvisioned>;
/** Billing rules set up in the ERP. */
export const BillingSetUp = Completed.extend({
  billingId: z.string().min(1),
  kind: z.enum(['rate-card', 'milestone-schedule']),
});
/** Typed {@link BillingSetUp}. */
export type BillingSetUp = z.infer<typeof BillingSetUp>;
/** `Resource Requested` events put on the bus, one per role line. */
export const ResourcesRequested = Completed.extend({ requested: z.number().int().nonnegative() });
/** Typed {@link ResourcesRequested}. */
export type ResourcesRequested = z.infer<typeof ResourcesRequested>;
/** Contract and statement of work filed, kickoff tasks created. */
export const ClientOnboarded = Completed.extend({
  contractId: z.string().min(1),
  sowId: z.string().min(1),
  taskListId: z.string().min(1),
});
/** Typed {@link ClientOnboarded}. */
export type ClientOnboarded = z.infer<typeof ClientOnboarded>;

/** The approval pattern's result: the route, and the decisions when levels were needed. */
export const ApprovalOutcome = z.looseObject({
  decisions: z.array(z.looseObject({ decidedAt: IsoDateTime })).optional(),
});

/** Keys of the state, one per stage result; {@link ActivationResultPath} is built from them. */
export const ActivationKey = {
  engagement: 'engagement',
  approval: 'approval',
  provisioned: 'provisioned',
  /** Inside the ProvisionProjects branches, before the Parallel gathers them under `provisioned`. */
  erp: 'erp',
  psa: 'psa',
  billing: 'billing',
  resources: 'resources',
  onboarding: 'onboarding',
  activation: 'activation',
  compensation: 'compensation',
} as const;

type ActivationKeyName = (typeof ActivationKey)[keyof typeof ActivationKey];

/** The JSONPath each stage writes its result to, for the definition's `resultPath`s. */
export const ActivationResultPath = {
  engagement: `$.${ActivationKey.engagement}`,
  approval: `$.${ActivationKey.approval}`,
  provisioned: `$.${ActivationKey.provisioned}`,
  erp: `$.${ActivationKey.erp}`,
  psa: `$.${ActivationKey.psa}`,
  billing: `$.${ActivationKey.billing}`,
  resources: `$.${ActivationKey.resources}`,
  onboarding: `$.${ActivationKey.onboarding}`,
  activation: `$.${ActivationKey.activation}`,
  compensation: `$.${ActivationKey.compensation}`,
} as const satisfies Record<keyof typeof ActivationKey, string>;

/** The state as it grows: the input, then each stage's result once that stage has run. */
export const ActivationState = ActivationInput.extend({
  [ActivationKey.engagement]: Engagement.optional(),
  [ActivationKey.approval]: ApprovalOutcome.optional(),
  [ActivationKey.provisioned]: z.object({ erp: ErpProvisioned, psa: PsaProvisioned }).optional(),
  [ActivationKey.billing]: BillingSetUp.optional(),
  [ActivationKey.resources]: ResourcesRequested.optional(),
  [ActivationKey.onboarding]: ClientOnboarded.optional(),
} satisfies Partial<Record<ActivationKeyName, z.ZodType>>);
/** Typed {@link ActivationState}. */
export type ActivationState = z.infer<typeof ActivationState>;

/** The state once the engagement is prepared: what provisioning, resource demand and onboarding read. */
export const PreparedActivation = ActivationState.extend({ [ActivationKey.engagement]: Engagement });
/** Typed {@link PreparedActivation}. */
export type PreparedActivation = z.infer<typeof PreparedActivation>;

/** The state once both projects exist: what billing reads. */
export const ProvisionedActivation = PreparedActivation.extend({
  [ActivationKey.provisioned]: z.object({ erp: ErpProvisioned, psa: PsaProvisioned }),
});
/** Typed {@link ProvisionedActivation}. */
export type ProvisionedActivation = z.infer<typeof ProvisionedActivation>;

/** The state when every stage has run: what the activation record is made from. */
export const CompletedActivation = ProvisionedActivation.extend({
  [ActivationKey.billing]: BillingSetUp,
  [ActivationKey.resources]: ResourcesRequested,
  [ActivationKey.onboarding]: ClientOnboarded,
});
/** Typed {@link CompletedActivation}. */
export type CompletedActivation = z.infer<typeof CompletedActivation>;

/** What compensation needs: only the project id ingestion assigned, since the engagement may not exist yet. */
export const CompensationInput = z.object({ projectId: ExternalId });
/** Typed {@link CompensationInput}. */
export type CompensationInput = z.infer<typeof CompensationInput>;

/** What `RecordActivation` receives: the whole state and the execution it records. */
export const RecordActivationInput = z.object({ state: CompletedActivation, executionArn: z.string().min(1) });
