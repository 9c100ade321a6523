import type { AuditLog } from '../audit/audit-log';
import { escalationOf, type ApprovalPolicy } from '../policies/approval-policy';
import type { SlaBreachTiming } from '../sla/sla-breach';
import { sweepOverdue, type WatchedQueue } from '../sla/sweep-overdue';
import type { HumanTask } from './human-task';
import type { HumanTaskStore } from './task-ports';

/** One SLA breach of an approval task, as emitted for the KPIs. */
export interface SlaBreach extends SlaBreachTiming {
  readonly taskId: string;
  readonly workflow: string;
  readonly executionArn: string;
}

/** Emits breach events. */
export interface BreachPublisher {
  publish(breaches: readonly SlaBreach[]): Promise<void>;
}

/** What the sweep needs. */
export interface SweepDependencies {
  readonly tasks: HumanTaskStore;
  readonly policy: ApprovalPolicy;
  readonly publisher: BreachPublisher;
  readonly audit: AuditLog;
}

/**
 * Open approval tasks as the SLA sweep watches them. The first breach reminds the assignee role
 * and gives it another SLA period; each later breach escalates to the next role in the policy's
 * chain that decides no other level of the request, or to the policy's fallback role when only
 * such roles are left (the top of the chain is reminded again). The task token stays valid
 * throughout, so the workflow keeps waiting on the same step.
 */
export function approvalTaskQueue(
  tasks: HumanTaskStore,
  policy: ApprovalPolicy,
  publisher: BreachPublisher,
): WatchedQueue<HumanTask, SlaBreach> {
  return {
    listOverdue: (at, limit) => tasks.listOverdue(at, limit),
    subjectOf: (task) => ({
      role: task.assigneeRole,
      dueAt: task.dueAt,
      slaSeconds: task.slaSeconds,
      breaches: task.breaches,
    }),
    escalationOf: async (task) => {
      // Later levels have no task yet, so their roles come from the request as the policy routed it.
      const plannedRoles = (task.requestRoles ?? []).filter((_, index) => index !== task.level - 1);
      const siblingRoles = (await tasks.listByRequest(task.requestId))
        .filter((sibling) => sibling.taskId !== task.taskId)
        .flatMap((sibling) => [sibling.assigneeRole, ...sibling.candidateRoles]);
      const otherLevelRoles = new Set<string>([...plannedRoles, ...siblingRoles]);
      return (role) => escalationTarget(policy, role, otherLevelRoles);
    },
    recordBreach: (task, timing) =>
      tasks.recordBreach(task.taskId, task.breaches, {
        assigneeRole: timing.toRole,
        dueAt: timing.nextDueAt,
        breaches: timing.breach,
      }),
    auditSubjectOf: (task) => ({ subjectType: 'task', subjectId: task.taskId }),
    breachOf: (task, timing) => ({
      taskId: task.taskId,
      workflow: task.workflow,
      executionArn: task.executionArn,
      ...timing,
    }),
    publish: (breaches) => publisher.publish(breaches),
  };
}

/** Sweeps the approval tasks alone; the scheduled sweeper sweeps them with the exceptions through `sweepOverdue`. */
export async function sweepOverdueTasks(now: Date, deps: SweepDependencies): Promise<SlaBreach[]> {
  const { tasks } = await sweepOverdue(
    now,
    { tasks: approvalTaskQueue(deps.tasks, deps.policy, deps.publisher) },
    deps,
  );
  return tasks;
}

/**
 * The escalation target skips roles that decide another level of the same request: one person
 * holding both would be barred from one of them by separation of duties, stranding the request.
 * When the chain is cut short only by such roles, the policy's `fallbackRole` takes the task, so
 * the level-1 task of a two-level request (practice lead, then CFO) still escalates. A chain that
 * simply ends (the CFO's own task) reminds its top again.
 */
function escalationTarget(
  policy: ApprovalPolicy,
  from: HumanTask['assigneeRole'],
  otherLevelRoles: ReadonlySet<string>,
): HumanTask['assigneeRole'] | undefined {
  let candidate = escalationOf(policy, from);
  let skipped = false;
  while (candidate && otherLevelRoles.has(candidate)) {
    skipped = true;
    candidate = escalationOf(policy, candidate);
  }
  if (candidate) return candidate;
  const fallback = policy.fallbackRole;
  return skipped && fallback !== from && !otherLevelRoles.has(fallback) ? fallback : undefined;
}
