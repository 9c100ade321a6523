import { createHash } from 'node:crypto';
import * as z from 'zod';
import { Role } from '../directory/roles';
import { escalationOf, type ApprovalPolicy } from '../policies/approval-policy';
import type { SlaBreachTiming } from '../sla/sla-breach';
import type { WatchedQueue } from '../sla/sweep-overdue';
import { FindingCode, FindingOwner, type BillingPolicy } from './billing-policy';
import type { ReadinessFinding } from './readiness';

/**
 * Missing billing prerequisites as human tasks: each blocking finding of a check goes to its
 * owner (the consultant, the project manager, the delivery lead, or finance), due before the
 * cut-off, and the SLA sweeper reminds and escalates it like any other task. A later check of
 * the same project and period closes the tasks whose findings are gone, so a fix (an event or
 * `psflow billing recheck`) closes them without anybody ticking them off.
 */

/** The role accountable for an owner's tasks: the sweeper escalates from it along the approval policy's chain. */
export const BILLING_OWNER_ROLE = {
  consultant: 'delivery-lead',
  'project-manager': 'delivery-lead',
  'delivery-lead': 'delivery-lead',
  finance: 'finance-ops',
} as const satisfies Record<FindingOwner, Role>;

/** The shortest reminder period: an owner whose due time is an hour away is not reminded every sweep. */
const MIN_REMINDER_SECONDS = 3600;

/** One missing prerequisite of one project and period, assigned to its owner. */
export const BillingTask = z.object({
  taskId: z.string().min(1),
  region: z.string().min(1),
  period: z.string().min(1),
  projectId: z.string().min(1),
  code: FindingCode,
  owner: FindingOwner,
  /** The person who must act (consultant, project manager, delivery lead) or `finance`. */
  ownerId: z.string().min(1),
  /** The role the sweeper reminds and escalates; it starts at the owner's accountable role. */
  assigneeRole: Role,
  status: z.enum(['open', 'closed']),
  message: z.string(),
  recordIds: z.array(z.string()),
  createdAt: z.string(),
  dueAt: z.string(),
  /** The reminder period after the due time: half the rule's lead time, so two breaches fall before the cut-off. */
  slaSeconds: z.number().positive(),
  breaches: z.number().int().nonnegative(),
  /** Why it closed: the check that no longer found it, or the draft. */
  closedAt: z.string().optional(),
  closedBecause: z.string().optional(),
});
/** Typed {@link BillingTask}. */
export type BillingTask = z.infer<typeof BillingTask>;

/** Storage of billing tasks; every read goes through a key or an index. */
export interface BillingTaskStore {
  /** The tasks, open and closed, of one project in one cycle (one Query). */
  tasksOf(region: string, period: string, projectId: string): Promise<BillingTask[]>;
  /** Opens a task, or refreshes an open one's message and records (its due time and breaches stay). */
  open(task: BillingTask): Promise<void>;
  /** Closes an open task; `false` if it was closed already. */
  close(task: BillingTask, closedAt: string, because: string): Promise<boolean>;
  /** Open tasks due at or before `now`, soonest due first. */
  listOverdue(now: string, limit: number): Promise<BillingTask[]>;
  /** Records an SLA breach if the task is still open with `expectedBreaches` breaches; false otherwise. */
  recordBreach(
    task: BillingTask,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean>;
}

/** The task id: one per project, period, prerequisite and person, so a repeated check finds its own task. */
export function billingTaskId(
  cycle: { readonly region: string; readonly period: string },
  projectId: string,
  code: string,
  ownerId: string,
): string {
  const digest = createHash('sha256')
    .update(`${cycle.region}|${cycle.period}|${projectId}|${code}|${ownerId}`)
    .digest('hex');
  return `btask-${digest.slice(0, 24)}`;
}

/** What a check did to the project's tasks. */
export interface TaskSync {
  readonly opened: number;
  readonly kept: number;
  readonly closed: number;
}

/**
 * Brings a project's tasks in line with its latest check: one open task per blocking finding's
 * prerequisite and owner, and every other open task closed (its finding is fixed, or the project
 * is drafted). Tasks are keyed by prerequisite and person, so two findings of one kind for one
 * person (two people's unapproved time, say, both the manager's) are one task listing every record.
 */
export async function syncBillingTasks(
  cycle: { readonly region: string; readonly period: string },
  projectId: string,
  findings: readonly ReadinessFinding[],
  deps: { tasks: BillingTaskStore; policy: BillingPolicy },
  now: Date,
  closedBecause: string,
): Promise<TaskSync> {
  const wanted = new Map<string, BillingTask>();
  for (const finding of findings.filter((each) => each.blocks)) {
    const taskId = billingTaskId(cycle, projectId, finding.code, finding.ownerId);
    const previous = wanted.get(taskId);
    const leadHours = deps.policy.rules.findings[finding.code].dueHoursBeforeCutOff;
    wanted.set(taskId, {
      taskId,
      region: cycle.region,
      period: cycle.period,
      projectId,
      code: finding.code,
      owner: finding.owner,
      ownerId: finding.ownerId,
      assigneeRole: BILLING_OWNER_ROLE[finding.owner],
      status: 'open',
      message: previous ? `${previous.message}; ${finding.message}` : finding.message,
      recordIds: [...new Set([...(previous?.recordIds ?? []), ...finding.recordIds])].sort(),
      createdAt: now.toISOString(),
      dueAt: finding.dueAt,
      slaSeconds: Math.max(MIN_REMINDER_SECONDS, Math.round((leadHours * 3600) / 2)),
      breaches: 0,
    });
  }
  const existing = await deps.tasks.tasksOf(cycle.region, cycle.period, projectId);
  let kept = 0;
  let closed = 0;
  for (const task of existing) {
    if (task.status !== 'open') continue;
    if (wanted.has(task.taskId)) kept += 1;
    else if (await deps.tasks.close(task, now.toISOString(), closedBecause)) closed += 1;
  }
  const openIds = new Set(existing.filter((task) => task.status === 'open').map((task) => task.taskId));
  for (const task of wanted.values()) await deps.tasks.open(task);
  return { opened: [...wanted.keys()].filter((taskId) => !openIds.has(taskId)).length, kept, closed };
}

/** One SLA breach of a billing task, as emitted for the owners' reminders and the KPIs. */
export interface BillingTaskSlaBreach extends SlaBreachTiming {
  readonly taskId: string;
  readonly region: string;
  readonly period: string;
  readonly projectId: string;
  readonly code: FindingCode;
  readonly owner: FindingOwner;
  readonly ownerId: string;
}

/**
 * Open billing tasks as the SLA sweep watches them: the first breach reminds the owner (and the
 * accountable role) and gives them another reminder period; later breaches escalate along the
 * approval policy's chain (delivery lead to practice lead, finance to the CFO).
 */
export function billingTaskQueue(
  tasks: BillingTaskStore,
  policy: ApprovalPolicy,
  publisher: { publish(breaches: readonly BillingTaskSlaBreach[]): Promise<void> },
): WatchedQueue<BillingTask, BillingTaskSlaBreach> {
  return {
    listOverdue: (at, limit) => tasks.listOverdue(at, limit),
    subjectOf: (task) => ({
      role: task.assigneeRole,
      dueAt: task.dueAt,
      slaSeconds: task.slaSeconds,
      breaches: task.breaches,
    }),
    escalationOf: async () => (role) => escalationOf(policy, role),
    recordBreach: (task, timing) =>
      tasks.recordBreach(task, task.breaches, {
        assigneeRole: timing.toRole,
        dueAt: timing.nextDueAt,
        breaches: timing.breach,
      }),
    auditSubjectOf: (task) => ({
      subjectType: 'task',
      subjectId: task.taskId,
      details: { projectId: task.projectId, period: task.period, code: task.code, ownerId: task.ownerId },
    }),
    breachOf: (task, timing) => ({
      taskId: task.taskId,
      region: task.region,
      period: task.period,
      projectId: task.projectId,
      code: task.code,
      owner: task.owner,
      ownerId: task.ownerId,
      ...timing,
    }),
    publish: (breaches) => publisher.publish(breaches),
  };
}
