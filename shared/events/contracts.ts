import * as z from 'zod';
import { ProbeRequestedDetail } from '../diagnostics/probe';
import { ExternalId, IsoDateTime } from '../model/primitives';
import { Opportunity, Project, RoleLine } from '../model/entities';
import { CrmDetailType, DiagnosticsDetailType, PsaDetailType, PsflowSource, WorkflowDetailType } from './catalogue';
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
    producer: 'project-activation state machine (RequestResources)',
    consumers: ['staffing workflow (planned)'],
    detail: z.object({ projectId: ExternalId, roleLine: RoleLine, requestedAt: IsoDateTime }),
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
    producer: "psflow's PSA integration; Salesforce adapter for amount changes on won deals (planned)",
    consumers: ['change-control workflow (planned)'],
    detail: ChangeRequestedDetail,
  },
  {
    name: 'PurchaseOrderIssued',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.PurchaseOrderIssued,
    version: 1,
    description: 'A purchase order was raised in the ERP after approval; carries the PO cycle time.',
    producer: 'procurement state machine (RaisePurchaseOrder)',
    consumers: ['KPIs: PO cycle time (planned)'],
    detail: PurchaseOrderIssuedDetail,
  },
  {
    name: 'VendorOnboarded',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.VendorOnboarded,
    version: 1,
    description: 'A new vendor passed onboarding: insurance, tax form and NDA checked, the vendor made active.',
    producer: 'procurement state machine (OnboardVendor)',
    consumers: ['KPIs (planned)'],
    detail: VendorOnboardedDetail,
  },
  {
    name: 'ProjectActivated',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ProjectActivated,
    version: 1,
    description: 'A won deal is now a project in ERP and PSA with budget, roles, billing rules and onboarding.',
    producer: 'project-activation state machine (AnnounceProjectActivated)',
    consumers: ['KPIs (planned)'],
    detail: z.object({ project: Project, opportunityId: ExternalId, wonAt: IsoDateTime, activatedAt: IsoDateTime }),
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
];

/** The JSON Schema (draft 4, what the EventBridge schema registry accepts) of a contract's detail. */
export function detailJsonSchema(contract: EventContract): Record<string, unknown> {
  return z.toJSONSchema(contract.detail, { target: 'draft-04', io: 'input' }) as Record<string, unknown>;
}

/** File name of a contract version's published JSON Schema under `shared/events/published/`. */
export function publishedFileName(contract: EventContract): string {
  return `${contract.name}.v${contract.version}.json`;
}

/** The contract of an event, by its source and detail-type, if psflow has one. */
export function findContract(source: string, detailType: string): EventContract | undefined {
  return EVENT_CONTRACTS.find((contract) => contract.source === source && contract.detailType === detailType);
}
