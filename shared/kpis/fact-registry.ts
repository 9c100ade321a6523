import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import {
  InvoiceDraftedDetail,
  ProjectReadinessCheckedDetail,
  BillingCycleClosedDetail,
} from '../billing/billing-events';
import { ExceptionFiledDetail, ExceptionResolvedDetail } from '../exceptions/exception-events';
import { PurchaseOrderIssuedDetail, VendorOnboardedDetail } from '../procurement/procurement-events';
import { ApprovalDecidedDetail } from '../human-tasks/approval-events';
import { ChangeAppliedDetail, ChangeApprovedDetail, ChangeRejectedDetail } from '../change-control/change-events';
import { WorkflowName } from '../workflows/workflow-names';
import { MARGIN_POINT_HUNDREDTHS, Metric, secondsBetween, type KpiFact } from './kpi-facts';

/** What the registry makes of one event's detail. */
export type MappedEvent =
  | { readonly ok: true; readonly dedupeKey: string; readonly facts: readonly KpiFact[] }
  | { readonly ok: false; readonly issues: readonly string[] };

/** One event kind the KPIs count: how its detail is read and what it adds. */
export interface KpiFactSource {
  readonly source: string;
  readonly detailType: string;
  map(detail: unknown): MappedEvent;
}

/** The staffing workflow's name in the KPIs. */
export const STAFFING_WORKFLOW = WorkflowName.Staffing;

/**
 * Declares an event kind. `dedupeKey` names the business fact (a task id, an exception id
 * and attempt), so the same fact announced twice, even as two EventBridge events with two
 * ids, counts once.
 */
export function factSource<Schema extends z.ZodType>(entry: {
  source: string;
  detailType: string;
  detail: Schema;
  dedupeKey: (detail: z.output<Schema>) => string;
  facts: (detail: z.output<Schema>) => KpiFact[];
}): KpiFactSource {
  return {
    source: entry.source,
    detailType: entry.detailType,
    map(detail: unknown): MappedEvent {
      const parsed = entry.detail.safeParse(detail);
      if (!parsed.success)
        return {
          ok: false,
          issues: parsed.error.issues.map((issue) => `detail/${issue.path.map(String).join('/')}: ${issue.message}`),
        };
      return { ok: true, dedupeKey: entry.dedupeKey(parsed.data), facts: entry.facts(parsed.data) };
    },
  };
}

const Timestamp = z.iso.datetime({ offset: true });

/** The fields of `Project Activated` v1 the KPIs read. */
const ProjectActivatedFacts = z.object({
  project: z.object({
    projectId: z.object({ system: z.string(), id: z.string().min(1) }),
    region: z.string().min(1),
    practice: z.string().min(1),
  }),
  wonAt: Timestamp,
  activatedAt: Timestamp,
  /** Seconds per end-to-end stage (optional, added compatibly; older events carry none). */
  stageSeconds: z.record(z.string().min(1), z.number().nonnegative()).optional(),
});

/** The stage names of `Project Activated`'s `stageSeconds` (camelCase keys) as the KPIs show them. */
function stageName(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** The fields both SLA breach events (v1) carry that the KPIs read. */
const BREACH_FACTS = {
  workflow: z.string().min(1),
  breach: z.number().int().positive(),
  action: z.enum(['reminded', 'escalated']),
  fromRole: z.string().min(1),
  detectedAt: Timestamp,
};

const ResourceRequestedFacts = z.object({
  projectId: z.object({ system: z.string(), id: z.string().min(1) }),
  roleLine: z.object({ lineId: z.string().min(1) }),
  requestedAt: Timestamp,
});

const SECONDS_PER_DAY = 86_400;

/** The fields of `Resource Assigned` v1 the KPIs read; `requestedAt` and `region` are optional (added compatibly). */
const ResourceAssignedFacts = z.object({
  requestId: z.string().min(1),
  assignedAt: Timestamp,
  requestedAt: Timestamp.optional(),
  region: z.string().min(1).optional(),
});

/** The fields of `Staffing Request Unfilled` v1 the KPIs read. */
const StaffingRequestUnfilledFacts = z.object({
  requestId: z.string().min(1),
  region: z.string().min(1),
  detectedAt: Timestamp,
});

/**
 * Every event kind the KPIs count. A new workflow plugs in by adding an entry here for each
 * event it emits (and the rule picks up its source from {@link KPI_EVENT_SOURCES}).
 */
export const KPI_FACT_SOURCES: readonly KpiFactSource[] = [
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ProjectActivated,
    detail: ProjectActivatedFacts,
    dedupeKey: (detail) => `${detail.project.projectId.system}#${detail.project.projectId.id}`,
    facts: (detail) => {
      const workflow = WorkflowName.ProjectActivation;
      const where = { workflow, region: detail.project.region, practice: detail.project.practice };
      return [
        // Started counts on the day the deal was won, completed on the day it went live.
        { ...where, at: detail.wonAt, counters: { [Metric.started(workflow)]: 1 } },
        {
          ...where,
          at: detail.activatedAt,
          counters: { [Metric.completed(workflow)]: 1 },
          durations: {
            [Metric.cycleTime(workflow)]: secondsBetween(detail.wonAt, detail.activatedAt),
            ...Object.fromEntries(
              Object.entries(detail.stageSeconds ?? {}).map(([stage, seconds]) => [
                Metric.stage(workflow, stageName(stage)),
                seconds,
              ]),
            ),
          },
        },
      ];
    },
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ApprovalDecided,
    detail: ApprovalDecidedDetail,
    dedupeKey: (detail) => detail.taskId,
    facts: (detail) => {
      const waited = secondsBetween(detail.openedAt, detail.decidedAt);
      const inTime = Date.parse(detail.decidedAt) <= Date.parse(detail.dueAt);
      return [
        {
          workflow: detail.workflow,
          region: detail.region,
          practice: detail.practice,
          at: detail.decidedAt,
          counters: {
            [Metric.approvalsDecided(detail.workflow, detail.role)]: 1,
            ...(inTime ? { [Metric.approvalsWithinSla(detail.workflow, detail.role)]: 1 } : {}),
          },
          durations: {
            [Metric.approvalTime(detail.role)]: waited,
            [Metric.wait(detail.workflow, 'Approval')]: waited,
          },
        },
      ];
    },
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ApprovalSlaBreached,
    detail: z.object({ taskId: z.string().min(1), ...BREACH_FACTS }),
    dedupeKey: (detail) => `${detail.taskId}#${detail.breach}`,
    facts: (detail) => [
      {
        workflow: detail.workflow,
        at: detail.detectedAt,
        counters: {
          [Metric.approvalBreaches(detail.workflow, detail.fromRole)]: 1,
          ...(detail.action === 'escalated'
            ? { [Metric.approvalEscalations(detail.workflow, detail.fromRole)]: 1 }
            : {}),
        },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionFiled,
    detail: ExceptionFiledDetail,
    dedupeKey: (detail) => detail.exceptionId,
    facts: (detail) => [
      {
        workflow: detail.workflow,
        region: detail.region,
        practice: detail.practice,
        at: detail.filedAt,
        counters: { [Metric.exceptionsFiled(detail.workflow, detail.step, detail.system)]: 1 },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionResolved,
    detail: ExceptionResolvedDetail,
    dedupeKey: (detail) => detail.exceptionId,
    facts: (detail) => {
      const where = { workflow: detail.workflow, region: detail.region, practice: detail.practice };
      const waited = secondsBetween(detail.filedAt, detail.resolvedAt);
      return [
        {
          ...where,
          at: detail.resolvedAt,
          counters: {
            [Metric.exceptionsResolved(detail.workflow, detail.step, detail.system)]: 1,
            // An aborted execution never completes: this is the only moment its start is known.
            ...(detail.action === 'abort'
              ? { [Metric.aborted(detail.workflow)]: 1, [Metric.started(detail.workflow)]: 1 }
              : {}),
          },
          durations: {
            [Metric.exceptionTimeToResolve(detail.workflow, detail.step, detail.system)]: waited,
            [Metric.wait(detail.workflow, 'ExceptionHandling')]: waited,
          },
        },
      ];
    },
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ExceptionSlaBreached,
    detail: z.object({ exceptionId: z.string().min(1), step: z.string().min(1), ...BREACH_FACTS }),
    dedupeKey: (detail) => `${detail.exceptionId}#${detail.breach}`,
    facts: (detail) => [
      {
        workflow: detail.workflow,
        at: detail.detectedAt,
        counters: {
          [Metric.exceptionBreaches(detail.workflow, detail.step)]: 1,
          ...(detail.action === 'escalated' ? { [Metric.exceptionEscalations(detail.workflow, detail.step)]: 1 } : {}),
        },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ResourceRequested,
    detail: ResourceRequestedFacts,
    dedupeKey: (detail) => `${detail.projectId.system}#${detail.projectId.id}#${detail.roleLine.lineId}`,
    facts: (detail) => [
      { workflow: STAFFING_WORKFLOW, at: detail.requestedAt, counters: { [Metric.staffingRequested()]: 1 } },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ResourceAssigned,
    detail: ResourceAssignedFacts,
    // One assignment per request: the request id is the staffing workflow's own idempotency key.
    dedupeKey: (detail) => detail.requestId,
    facts: (detail) => [
      {
        workflow: STAFFING_WORKFLOW,
        region: detail.region,
        at: detail.assignedAt,
        counters: { [Metric.staffingFilled()]: 1 },
        // Older producers did not say when the request was made: then the fill counts, untimed.
        durations: detail.requestedAt
          ? { [Metric.timeToStaff()]: secondsBetween(detail.requestedAt, detail.assignedAt) }
          : {},
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.StaffingRequestUnfilled,
    detail: StaffingRequestUnfilledFacts,
    // A request found unfillable again after a relaxed rerun is still one unfilled request.
    dedupeKey: (detail) => detail.requestId,
    facts: (detail) => [
      {
        workflow: STAFFING_WORKFLOW,
        region: detail.region,
        at: detail.detectedAt,
        counters: { [Metric.staffingUnfilled()]: 1 },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ProjectReadinessChecked,
    detail: ProjectReadinessCheckedDetail,
    dedupeKey: (detail) => `${detail.projectId}#${detail.period}#${detail.checkNumber}`,
    facts: (detail) => {
      // First-pass readiness and the blockers are read at a cycle's first check: rechecks follow fixes.
      if (detail.checkNumber !== 1) return [];
      const counters: Record<string, number> = {
        [Metric.billingChecked()]: 1,
        ...(detail.firstPassReady ? { [Metric.billingFirstPassReady()]: 1 } : {}),
      };
      if (detail.status === 'blocked')
        for (const blocker of detail.blockers) counters[Metric.billingBlocked(blocker.code, blocker.owner)] = 1;
      return [{ workflow: WorkflowName.BillingReadiness, region: detail.region, at: detail.checkedAt, counters }];
    },
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.InvoiceDrafted,
    detail: InvoiceDraftedDetail,
    dedupeKey: (detail) => detail.idempotencyKey,
    facts: (detail) => [
      {
        workflow: WorkflowName.BillingReadiness,
        region: detail.region,
        at: detail.draftedAt,
        counters: { [Metric.billingDrafted()]: 1 },
        durations: { [Metric.billingCycleTime()]: detail.daysFromPeriodEnd * SECONDS_PER_DAY },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.BillingCycleClosed,
    detail: BillingCycleClosedDetail,
    dedupeKey: (detail) => `${detail.region}#${detail.period}`,
    facts: (detail) => {
      const counters: Record<string, number> = { [Metric.billingCarried()]: detail.carried };
      // The event lists the first 100 carried projects: the reasons count those.
      for (const project of detail.carriedProjects)
        for (const reason of new Set(project.reasons))
          counters[Metric.billingCarriedFor(reason)] = (counters[Metric.billingCarriedFor(reason)] ?? 0) + 1;
      return [{ workflow: WorkflowName.BillingReadiness, region: detail.region, at: detail.closedAt, counters }];
    },
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.PurchaseOrderIssued,
    detail: PurchaseOrderIssuedDetail,
    dedupeKey: (detail) => detail.requestId,
    facts: (detail) => [
      {
        workflow: WorkflowName.Procurement,
        region: detail.region,
        at: detail.issuedAt,
        counters: { [Metric.purchaseOrdersIssued()]: 1 },
        durations: { [Metric.purchaseOrderCycleTime()]: detail.cycleTimeSeconds },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.VendorOnboarded,
    detail: VendorOnboardedDetail,
    dedupeKey: (detail) => `${detail.vendorId.system}#${detail.vendorId.id}`,
    facts: (detail) => [
      {
        workflow: WorkflowName.Procurement,
        region: detail.region,
        at: detail.onboardedAt,
        counters: { [Metric.vendorsOnboarded()]: 1 },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeApproved,
    detail: ChangeApprovedDetail,
    // The change id is change control's idempotency key: one approval per change.
    dedupeKey: (detail) => detail.changeId,
    facts: (detail) => [
      {
        workflow: WorkflowName.ChangeControl,
        region: detail.region,
        practice: detail.practice,
        at: detail.approvedAt,
        counters: { [Metric.changesApproved()]: 1 },
        durations: { [Metric.changeApprovalCycleTime()]: detail.approvalCycleTimeSeconds },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeRejected,
    detail: ChangeRejectedDetail,
    dedupeKey: (detail) => detail.changeId,
    facts: (detail) => [
      {
        workflow: WorkflowName.ChangeControl,
        region: detail.region,
        practice: detail.practice,
        at: detail.rejectedAt,
        counters: { [Metric.changesRejected()]: 1 },
      },
    ],
  }),
  factSource({
    source: PsflowSource.Workflow,
    detailType: WorkflowDetailType.ChangeApplied,
    detail: ChangeAppliedDetail,
    dedupeKey: (detail) => detail.changeId,
    facts: (detail) => [
      {
        workflow: WorkflowName.ChangeControl,
        region: detail.region,
        practice: detail.practice,
        at: detail.appliedAt,
        counters: {
          [Metric.changesApplied()]: 1,
          [Metric.changeMarginImpact()]: Math.round(detail.margin.deltaPoints * MARGIN_POINT_HUNDREDTHS),
          ...(detail.margin.deltaPoints < 0 ? { [Metric.changeMarginDrops()]: 1 } : {}),
        },
      },
    ],
  }),
];

/** Sources whose events the aggregator's rule takes: every source some registry entry reads. */
export const KPI_EVENT_SOURCES: readonly string[] = [...new Set(KPI_FACT_SOURCES.map((entry) => entry.source))];

/** Detail-types the aggregator's rule takes. */
export const KPI_EVENT_DETAIL_TYPES: readonly string[] = KPI_FACT_SOURCES.map((entry) => entry.detailType);

/** The registry entry of an event kind, if the KPIs count it. */
export function factSourceFor(source: string, detailType: string): KpiFactSource | undefined {
  return KPI_FACT_SOURCES.find((entry) => entry.source === source && entry.detailType === detailType);
}
