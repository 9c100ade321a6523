import * as z from 'zod';
import { BILLING_EVENT_CONTRACTS } from '../billing/billing-events';
import { ProbeRequestedDetail } from '../diagnostics/probe';
import { ExceptionFiledDetail, ExceptionResolvedDetail } from '../exceptions/exception-events';
import { ApprovalDecidedDetail } from '../human-tasks/approval-events';
import { ExternalId, IsoDateTime } from '../model/primitives';
import { Opportunity, Project, RoleLine } from '../model/entities';
import {
  CrmDetailType,
  DiagnosticsDetailType,
  IntegrationsDetailType,
  PsaDetailType,
  PsflowSource,
  WorkflowDetailType,
} from './catalogue';
import { ChangeAppliedDetail, ChangeApprovedDetail, ChangeRejectedDetail } from '../change-control/change-events';
import { ChangeRequestedDetail } from '../change-control/change-request';
import { PurchaseOrderIssuedDetail, VendorOnboardedDetail } from '../procurement/procurement-events';

/** Detail of `Opportunity Won`: the input of the project-activation workflow. */
export const OpportunityWonDetail = z.object({
  opportunity: Opportunity,
  wonAt: IsoDateTime,
  /** The source's identity of the change, so replays and duplicates are recognised. */
  dedupeKey: z.string().min(1).max(512),
});
/** Typed {@link OpportunityWonDetail}, after defaults are applied. */
export type OpportunityWonDetail = z.infer<typeof OpportunityWonDetail>;

/**
 * A versioned event contract: the one definition producers, rules, consumers, the schema
 * registry and the compatibility test all read.
 */
export interface EventContract {
  /** PascalCase name, stable across versions; the registry schema is named after it. */
  readonly name: string;
  readonly source: string;
  readonly detailType: string;
  /** Published version. A breaking change needs a new version (and a new contract entry). */
  readonly version: number;
  readonly description: string;
  readonly producer: string;
  readonly consumers: readonly string[];
  /** Schema of the event's `detail`. */
  readonly detail: z.ZodType;
}

/** What both SLA breach events say about the breach itself (`shared/sla/sla-breach.ts`). */
const SLA_BREACH_FIELDS = {
  breach: z.number().int().positive(),
  action: z.enum(['reminded', 'escalated']),
  fromRole: z.string(),
  toRole: z.string(),
  dueAt: IsoDateTime,
  nextDueAt: IsoDateTime,
  overdueSeconds: z.number().int().nonnegative(),
  detectedAt: IsoDateTime,
};

/** Every event psflow emits or consumes, with its current version. */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  {
    name: 'ProbeRequested',
    source: PsflowSource.Diagnostics,
    detailType: DiagnosticsDetailType.ProbeRequested,
    version: 1,
    description: 'Asks a stage to prove every hop: bus, rule, state machine, Lambda, table.',
    producer: 'deploy smoke tests, npm run bench',
    consumers: ['diagnostics-probe state machine'],
    detail: ProbeRequestedDetail,
  },
  {
    name: 'OpportunityWon',
    source: PsflowSource.Crm,
    detailType: CrmDetailType.OpportunityWon,
    version: 1,
    description:
      'An opportunity moved into a won stage, normalised from the CRM change event and enriched from the CRM.',
    producer: "psflow's own CRM integrations; the Salesforce adapters build the same detail in ingestion",
    consumers: ['ingestion (validates, deduplicates, starts project-activation)'],
    detail: OpportunityWonDetail,
  },
  {
    name: 'ResourceRequested',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ResourceRequested,
    version: 1,
    description: 'One role line of a statement of work needs staffing.',
    producer: 'project-activation (RequestResources); change-control (RequestChangeResources)',
    consumers: ['staffing workflow'],
    detail: z.object({
      projectId: ExternalId,
      roleLine: RoleLine,
      requestedAt: IsoDateTime,
      /** Who asked, for an ad-hoc request (`psflow staffing request`); activation's requests leave it out. */
      requestedBy: z.string().min(1).max(200).optional(),
    }),
  },
  {
    name: 'SubcontractorRequested',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.SubcontractorRequested,
    version: 1,
    description: 'Nobody in the firm fits a role line; procurement is asked to source a subcontractor for it.',
    producer: 'staffing workflow (a manager asks for a subcontractor, or an unfilled request is resolved that way)',
    consumers: ['procurement workflow'],
    detail: z.object({
      /** The staffing request the role line came from; procurement's idempotency key. */
      requestId: z.string().min(1).max(200),
      projectId: ExternalId,
      roleLine: RoleLine,
      /** Region whose procurement policy applies. */
      region: z.string().min(1),
      /** Who asked; separation of duties keeps them from approving the purchase. */
      requestedBy: z.string().min(1),
      reason: z.string().min(1).max(2000),
      requestedAt: IsoDateTime,
    }),
  },
  {
    name: 'ChangeRequested',
    source: PsflowSource.Psa,
    detailType: PsaDetailType.ChangeRequested,
    version: 1,
    description:
      'A change to a running project, as the values after the change: from the PSA (scope, end date, role lines, hours, rates) or from the CRM (a new amount on a won opportunity).',
    producer: "psflow's PSA integration; Salesforce adapter for amount changes on won deals",
    consumers: ['ingestion (validates, deduplicates, starts change-control)'],
    detail: ChangeRequestedDetail,
  },
  {
    name: 'PurchaseOrderIssued',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.PurchaseOrderIssued,
    version: 1,
    description: 'A purchase order was raised in the ERP after approval; carries the PO cycle time.',
    producer: 'procurement state machine (RaisePurchaseOrder)',
    consumers: ['KPIs: PO cycle time'],
    detail: PurchaseOrderIssuedDetail,
  },
  {
    name: 'VendorOnboarded',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.VendorOnboarded,
    version: 1,
    description: 'A new vendor passed onboarding: insurance, tax form and NDA checked, the vendor made active.',
    producer: 'procurement state machine (OnboardVendor)',
    consumers: ['KPIs: vendors onboarded'],
    detail: VendorOnboardedDetail,
  },
  {
    name: 'ResourceAssigned',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ResourceAssigned,
    version: 1,
    description:
      'A role line is staffed: the people named are hard-booked in the PSA, approved by the staffing manager and confirmed by the delivery lead.',
    producer: 'staffing workflow (BookAssignment)',
    consumers: ['KPIs: time to staff, fill rate', 'billing readiness (planned)'],
    detail: z.object({
      /** The staffing request (`<projectId>:<lineId>`); consumers' idempotency key. */
      requestId: z.string().min(1).max(200),
      projectId: z.string().min(1),
      lineId: z.string().min(1),
      role: z.string().min(1),
      assignments: z
        .array(z.object({ personId: z.string().min(1), bookingId: z.string().min(1), hours: z.number().positive() }))
        .min(1)
        .max(2),
      /** True when the manager picked someone other than the proposal. */
      pickedByManager: z.boolean(),
      assignedAt: IsoDateTime,
      /** When the request was made (optional, added compatibly): the KPIs' time to staff. */
      requestedAt: IsoDateTime.optional(),
      /** Where the work is (optional, added compatibly): the KPIs' region. */
      region: z.string().min(1).optional(),
    }),
  },
  {
    name: 'StaffingRequestUnfilled',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.StaffingRequestUnfilled,
    version: 1,
    description:
      'Nobody in the firm fits a role line, alone or split between two; the staffing manager relaxes a constraint, asks for a subcontractor or opens a requisition.',
    producer: 'staffing workflow (RecommendCandidates)',
    consumers: ['KPIs: fill rate'],
    detail: z.object({
      requestId: z.string().min(1).max(200),
      projectId: z.string().min(1),
      roleLine: z.object({
        lineId: z.string().min(1),
        role: z.string().min(1),
        skills: z.array(z.string()),
        hours: z.number(),
        rate: z.object({ amountMinor: z.number().int(), currency: z.string() }),
        startDate: z.string(),
        endDate: z.string(),
      }),
      region: z.string().min(1),
      reason: z.string().min(1),
      /** People excluded, by the hard constraint that excluded them. */
      excludedCounts: z.record(z.string(), z.number().int().nonnegative()),
      detectedAt: IsoDateTime,
    }),
  },
  {
    name: 'ProjectActivated',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ProjectActivated,
    version: 1,
    description: 'A won deal is now a project in ERP and PSA with budget, roles, billing rules and onboarding.',
    producer: 'project-activation state machine (AnnounceProjectActivated)',
    consumers: ['KPIs: activation cycle time per stage, bottleneck'],
    detail: z.object({
      project: Project,
      opportunityId: ExternalId,
      wonAt: IsoDateTime,
      activatedAt: IsoDateTime,
      /** Seconds per stage, in order: prepare, approval, provisioning, billing, resourceDemand, onboarding (optional, added compatibly). */
      stageSeconds: z.record(z.string(), z.number().nonnegative()).optional(),
    }),
  },
  {
    name: 'ApprovalSlaBreached',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ApprovalSlaBreached,
    version: 1,
    description: 'A human task passed its due time; the first breach reminds, later ones escalate to the next role.',
    producer: 'SLA sweeper (scheduled)',
    consumers: ['KPIs: approval SLA performance (planned)'],
    detail: z.object({
      taskId: z.string(),
      workflow: z.string(),
      executionArn: z.string(),
      ...SLA_BREACH_FIELDS,
    }),
  },
  {
    name: 'ExceptionSlaBreached',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionSlaBreached,
    version: 1,
    description:
      "An exception's owner did not act in time; the first breach reminds, later ones hand it to the next role.",
    producer: 'SLA sweeper (scheduled)',
    consumers: ['KPIs: exception handling times (planned)'],
    detail: z.object({
      exceptionId: z.string(),
      workflow: z.string(),
      executionArn: z.string(),
      step: z.string(),
      ...SLA_BREACH_FIELDS,
    }),
  },
  {
    name: 'ApprovalDecided',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ApprovalDecided,
    version: 1,
    description: 'A person approved or rejected one level of an approval request; announced again until delivered.',
    producer: 'operations API (decideTask)',
    consumers: ['KPIs: approval SLA performance per role'],
    detail: ApprovalDecidedDetail,
  },
  {
    name: 'ExceptionFiled',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionFiled,
    version: 1,
    description: 'A step failed after its retries and waits for its owner; re-announced when a filing is redelivered.',
    producer: 'file-exception Lambda (every File<Step>Exception state)',
    consumers: ['KPIs: exception rate per workflow, step and system'],
    detail: ExceptionFiledDetail,
  },
  {
    name: 'ExceptionResolved',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionResolved,
    version: 1,
    description: "An exception's owner retried it, skipped it with evidence or aborted the execution.",
    producer: 'operations API (actOnException)',
    consumers: ['KPIs: mean time to resolve'],
    detail: ExceptionResolvedDetail,
  },
  ...BILLING_EVENT_CONTRACTS,
  {
    name: 'IntegrationDegraded',
    source: PsflowSource.Integrations,
    detailType: IntegrationsDetailType.IntegrationDegraded,
    version: 1,
    description:
      "An external API's circuit breaker opened after repeated failures; calls are refused until it half-opens for a trial.",
    producer: 'the governed HTTP client of every real connector (shared/integrations/api-governor.ts)',
    consumers: ['integration-ops (alerting, planned)', 'psflow integrations'],
    detail: z.object({
      apiId: z.string().min(1),
      system: z.string().min(1),
      owner: z.string().min(1),
      version: z.string().min(1),
      consecutiveFailures: z.number().int().positive(),
      lastFailure: z.string().max(1000),
      openedAt: IsoDateTime,
      openUntil: IsoDateTime,
    }),
  },
  {
    name: 'ChangeApproved',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeApproved,
    version: 1,
    description: 'Every approval level of a project change approved; carries the change approval cycle time.',
    producer: 'change-control state machine (RecordChangeApproval)',
    consumers: ['KPIs: change approval cycle time, approval rate'],
    detail: ChangeApprovedDetail,
  },
  {
    name: 'ChangeApplied',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeApplied,
    version: 1,
    description:
      'An approved project change is applied: a new ERP baseline version, the PSA plan, billing and bookings; carries the margin impact.',
    producer: 'change-control state machine (AnnounceChangeApplied)',
    consumers: ['KPIs: margin impact of approved changes, margin drops'],
    detail: ChangeAppliedDetail,
  },
  {
    name: 'ChangeRejected',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeRejected,
    version: 1,
    description: 'An approver rejected a project change; nothing was applied.',
    producer: 'change-control state machine (RecordChangeRejected)',
    consumers: ['KPIs: change approval rate'],
    detail: ChangeRejectedDetail,
  },
];

/** The JSON Schema (draft 4, what the EventBridge schema registry accepts) of a contract's detail. */
export function detailJsonSchema(contract: EventContract): z.core.JSONSchema.BaseSchema {
  return z.toJSONSchema(contract.detail, { target: 'draft-04', io: 'input' });
}

/** File name of a contract version's published JSON Schema under `shared/events/published/`. */
export function publishedFileName(contract: EventContract): string {
  return `${contract.name}.v${contract.version}.json`;
}

/** The contract of an event, by its source and detail-type, if psflow has one. */
export function findContract(source: string, detailType: string): EventContract | undefined {
  return EVENT_CONTRACTS.find((contract) => contract.source === source && contract.detailType === detailType);
}
