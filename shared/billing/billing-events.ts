import * as z from 'zod';
import { PsaDetailType, PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventContract } from '../events/contracts';
import { IsoDateTime, Region } from '../model/primitives';
import { FindingCode, FindingOwner } from './billing-policy';

/** Detail of `Project Readiness Checked`: one check, with what blocked it, for the KPIs. */
export const ProjectReadinessCheckedDetail = z.object({
  projectId: z.string().min(1),
  region: Region,
  period: z.string().min(1),
  /** 1 for the cycle's own check; later ones follow fixes. */
  checkNumber: z.number().int().positive(),
  status: z.enum(['ready', 'blocked', 'nothing-to-bill']),
  /** Ready at its first check: the first-pass readiness KPI counts these. */
  firstPassReady: z.boolean(),
  blockers: z.array(z.object({ code: FindingCode, owner: FindingOwner, count: z.number().int().positive() })),
  checkedAt: IsoDateTime,
});

/** Detail of `Invoice Drafted`. */
export const InvoiceDraftedDetail = z.object({
  projectId: z.string().min(1),
  region: Region,
  period: z.string().min(1),
  invoiceId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  subtotalMinor: z.number().int(),
  taxMinor: z.number().int(),
  totalMinor: z.number().int(),
  lines: z.number().int().positive(),
  /** Drafted after the cycle's first check, without a fix in between. */
  firstPass: z.boolean(),
  /** Days from the end of the period to the draft: a KPI. */
  daysFromPeriodEnd: z.number().nonnegative(),
  draftedAt: IsoDateTime,
});

/** Detail of `Billing Cycle Closed`. */
export const BillingCycleClosedDetail = z.object({
  region: Region,
  period: z.string().min(1),
  cutOffAt: IsoDateTime,
  projects: z.number().int().nonnegative(),
  drafted: z.number().int().nonnegative(),
  carried: z.number().int().nonnegative(),
  nothingToBill: z.number().int().nonnegative(),
  /** Projects with PSA records that psflow does not know, named in the cycle report. */
  unknownProjects: z.array(z.string()).max(100),
  /** The period carried projects move to. */
  carriedTo: z.string().min(1),
  /** Carried projects with their blocking codes (the first 100; `psflow billing status` lists all). */
  carriedProjects: z
    .array(
      z.object({
        projectId: z.string(),
        reasons: z.array(FindingCode),
        /** Set for a project carried into this cycle and carried on: the old period still to invoice. */
        fromPeriod: z.string().optional(),
      }),
    )
    .max(100),
  /** Projects carried into this cycle whose old period was drafted in it. */
  carriedOverDrafted: z.number().int().nonnegative().optional(),
  /** Projects carried into this cycle whose old period is still blocked, carried on again. */
  carriedOverBlocked: z.number().int().nonnegative().optional(),
  closedAt: IsoDateTime,
});

/** Detail of a fix to a billing prerequisite (`Time Entry Approved` and its siblings), or an operator's recheck. */
export const BillingFixDetail = z.object({
  projectId: z.string().min(1).max(128),
  /** The billing period the fixed record belongs to (`YYYY-MM`, or `YYYY-MM-H1`/`-H2`). */
  period: z.string().min(1).max(20),
  /** The record fixed (entry, expense or milestone id), or the operator's reason. */
  recordId: z.string().min(1).max(200),
  at: IsoDateTime,
  by: z.string().min(1).max(200).optional(),
});
/** Typed {@link BillingFixDetail}. */
export type BillingFixDetail = z.infer<typeof BillingFixDetail>;

/** Detail of `Billing Task SLA Breached`: a missing prerequisite's owner was reminded, or it was escalated. */
export const BillingTaskSlaBreachedDetail = z.object({
  taskId: z.string().min(1),
  region: Region,
  period: z.string().min(1),
  projectId: z.string().min(1),
  code: FindingCode,
  owner: FindingOwner,
  ownerId: z.string().min(1),
  breach: z.number().int().positive(),
  action: z.enum(['reminded', 'escalated']),
  fromRole: z.string(),
  toRole: z.string(),
  dueAt: IsoDateTime,
  nextDueAt: IsoDateTime,
  overdueSeconds: z.number().int().nonnegative(),
  detectedAt: IsoDateTime,
});

const FIX_CONSUMERS = ['billing-readiness (RecheckBillingProject: checks the project again, no polling)'];

/** The events billing readiness emits and consumes. */
export const BILLING_EVENT_CONTRACTS: readonly EventContract[] = [
  {
    name: 'ProjectReadinessChecked',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ProjectReadinessChecked,
    version: 1,
    description:
      'A project was checked for billing readiness; blocked ones list their blockers by prerequisite and owner.',
    producer: 'billing-readiness-project state machine (CheckProjectReadiness)',
    consumers: ['KPIs: first-pass readiness, blocked projects by prerequisite and owner'],
    detail: ProjectReadinessCheckedDetail,
  },
  {
    name: 'InvoiceDrafted',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.InvoiceDrafted,
    version: 1,
    description: "A ready project's invoice draft (lines, tax, totals) exists in the ERP, once per project and period.",
    producer: 'billing-readiness-project state machine (RecordInvoiceDrafted)',
    consumers: ['KPIs: billing cycle time (days from period end to invoice drafted)', 'finance'],
    detail: InvoiceDraftedDetail,
  },
  {
    name: 'BillingCycleClosed',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.BillingCycleClosed,
    version: 1,
    description:
      'A billing cycle reached its cut-off: projects not ready are carried to the next period with their reasons.',
    producer: 'billing-readiness state machine (CloseBillingCycle)',
    consumers: ['KPIs: projects carried by prerequisite', 'finance'],
    detail: BillingCycleClosedDetail,
  },
  {
    name: 'BillingRecheckRequested',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.BillingRecheckRequested,
    version: 1,
    description: "An operator asks for a project's billing readiness to be checked again (psflow billing recheck).",
    producer: 'psflow CLI',
    consumers: FIX_CONSUMERS,
    detail: BillingFixDetail,
  },
  {
    name: 'TimeEntryApproved',
    source: PsflowSource.Psa,
    detailType: PsaDetailType.TimeEntryApproved,
    version: 1,
    description: 'A time entry was approved in the PSA.',
    producer: "psflow's PSA integration",
    consumers: FIX_CONSUMERS,
    detail: BillingFixDetail,
  },
  {
    name: 'ExpenseApproved',
    source: PsflowSource.Psa,
    detailType: PsaDetailType.ExpenseApproved,
    version: 1,
    description: 'An expense was approved in the PSA.',
    producer: "psflow's PSA integration",
    consumers: FIX_CONSUMERS,
    detail: BillingFixDetail,
  },
  {
    name: 'MilestoneAccepted',
    source: PsflowSource.Psa,
    detailType: PsaDetailType.MilestoneAccepted,
    version: 1,
    description: 'A milestone got its acceptance evidence in the PSA.',
    producer: "psflow's PSA integration",
    consumers: FIX_CONSUMERS,
    detail: BillingFixDetail,
  },
  {
    name: 'BillingTaskSlaBreached',
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.BillingTaskSlaBreached,
    version: 1,
    description:
      "A billing prerequisite's owner did not fix it by its due time; the first breach reminds, later ones escalate.",
    producer: 'SLA sweeper (scheduled)',
    consumers: ['owners of missing billing prerequisites (reminders)', 'KPIs: blocked projects by owner'],
    detail: BillingTaskSlaBreachedDetail,
  },
];
