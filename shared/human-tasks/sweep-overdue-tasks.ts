import type { AuditLog } from '../audit/audit-log';
import { escalationOf, type ApprovalPolicy } from '../policies/approval-policy';
import { nextSlaBreach, slaBreachReason, type SlaBreachTiming } from '../sla/sla-breach';
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

/** How many overdue tasks one sweep handles; the next sweep picks up the rest. */
const SWEEP_LIMIT = 100;

/**
 * Finds open tasks past their due time. The first breach reminds the assignee role and
 * gives it another SLA period; each later breach escalates to the next role in the
 * policy's chain that decides no other level of the request, or to the policy's fallback role
 * when only such roles are left (the top of the chain is reminded again). The task token stays valid
 * throughout, so the workflow keeps waiting on the same step. Each breach is recorded once,
 * even if two sweeps overlap, and emitted as an event.
 */
export async function sweepOverdueTasks(now: Date, deps: SweepDependencies): Promise<SlaBreach[]> {
  const at = now.toISOString();
  const breaches: SlaBreach[] = [];
  for (const task of await deps.tasks.listOverdue(at, SWEEP_LIMIT)) {
    // Later levels have no task yet, so their roles come from the request as the policy routed it.
    const plannedRoles = (task.requestRoles ?? []).filter((_, index) => index !== task.level - 1);
    const siblingRoles = (await deps.tasks.listByRequest(task.requestId)).filter((sibling) => sibling.taskId !== task.taskId).flatMap((sibling) => [sibling.assigneeRole, ...sibling.candidateRoles]);
    const otherLevelRoles = [...plannedRoles, ...siblingRoles];
    const breach = nextBreach(task, now, deps.policy, new Set(otherLevelRoles));
    const recorded = await deps.tasks.recordBreach(task.taskId, task.breaches, { assigneeRole: breach.toRole as HumanTask['assigneeRole'], dueAt: breach.nextDueAt, breaches: breach.breach });
    if (!recorded) continue;
    await deps.audit.append({
      subjectType: 'task',
      subjectId: task.taskId,
      action: breach.action === 'escalated' ? 'escalate' : 'remind',
      actor: 'sla-sweeper',
      at,
      why: slaBreachReason(task.slaSeconds, breach),
      details: { fromRole: breach.fromRole, toRole: breach.toRole, nextDueAt: breach.nextDueAt },
    });
    breaches.push(breach);
  }
  if (breaches.length > 0) await deps.publisher.publish(breaches);
  return breaches;
}

/**
 * The escalation target skips roles that decide another level of the same request: one person
 * holding both would be barred from one of them by separation of duties, stranding the request.
 * When the chain is cut short only by such roles, the policy's `fallbackRole` takes the task, so
 * the level-1 task of a two-level request (practice lead, then CFO) still escalates. A chain that
 * simply ends (the CFO's own task) reminds its top again.
 */
function escalationTarget(policy: ApprovalPolicy, from: HumanTask['assigneeRole'], otherLevelRoles: ReadonlySet<string>): HumanTask['assigneeRole'] | undefined {
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

function nextBreach(task: HumanTask, now: Date, policy: ApprovalPolicy, otherLevelRoles: ReadonlySet<string>): SlaBreach {
  const timing = nextSlaBreach({ role: task.assigneeRole, dueAt: task.dueAt, slaSeconds: task.slaSeconds, breaches: task.breaches }, now, (role) => escalationTarget(policy, role, otherLevelRoles));
  return { taskId: task.taskId, workflow: task.workflow, executionArn: task.executionArn, ...timing };
}
