import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import { ExceptionFiledDetail, ExceptionResolvedDetail } from '../exceptions/exception-events';
import { ApprovalDecidedDetail } from '../human-tasks/approval-events';
import { WorkflowName } from '../workflows/workflow-names';
import { Metric, secondsBetween, type KpiFact } from './kpi-facts';

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

/** The staffing workflow's name in the KPIs, until it registers its own in WorkflowName. */
export const STAFFING_WORKFLOW = 'staffing';

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
});

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
          durations: { [Metric.cycleTime(workflow)]: secondsBetween(detail.wonAt, detail.activatedAt) },
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
            [Metric.stage(detail.workflow, 'Approval')]: waited,
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
            [Metric.stage(detail.workflow, 'ExceptionHandling')]: waited,
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
];

/** Sources whose events the aggregator's rule takes: every source some registry entry reads. */
export const KPI_EVENT_SOURCES: readonly string[] = [...new Set(KPI_FACT_SOURCES.map((entry) => entry.source))];

/** Detail-types the aggregator's rule takes. */
export const KPI_EVENT_DETAIL_TYPES: readonly string[] = KPI_FACT_SOURCES.map((entry) => entry.detailType);

/** The registry entry of an event kind, if the KPIs count it. */
export function factSourceFor(source: string, detailType: string): KpiFactSource | undefined {
  return KPI_FACT_SOURCES.find((entry) => entry.source === source && entry.detailType === detailType);
}
