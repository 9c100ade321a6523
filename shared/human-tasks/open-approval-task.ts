import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AuditLog } from '../audit/audit-log';
import type { Directory } from '../directory/directory';
import type { Role } from '../directory/roles';
import { ApprovalLevel, type ApprovalPolicy } from '../policies/approval-policy';
import { routeToDecider } from './deciders';
import { HumanTask, TaskSubject } from './human-task';
import type { HumanTaskStore } from './task-ports';

/** What the request step of the human-task pattern passes, with its task token. */
export const OpenApprovalTaskInput = z.object({
  taskToken: z.string().min(1),
  workflow: z.string().min(1),
  executionArn: z.string().min(1),
  step: z.string().min(1),
  requestedBy: z.string().min(1),
  subject: TaskSubject,
  levelIndex: z.number().int().nonnegative(),
  levels: z.array(ApprovalLevel).min(1),
  policy: z.object({ version: z.number().int(), ruleId: z.string(), reason: z.string() }),
});
/** Typed {@link OpenApprovalTaskInput}. */
export type OpenApprovalTaskInput = z.input<typeof OpenApprovalTaskInput>;

/** What opening a task needs. */
export interface OpenTaskDependencies {
  readonly tasks: HumanTaskStore;
  readonly directory: Directory;
  readonly policy: ApprovalPolicy;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/**
 * Opens the task for one approval level. The task id is derived from the execution, step and
 * level, so a retried request step re-arms the same task with its new token instead of
 * creating a second one. When no one may decide the level's role now (no holder in the deal's
 * practice and region, or separation of duties excludes every holder), the task escalates at
 * once along the policy's chain, and why is recorded on the task and in the audit trail.
 */
export async function openApprovalTask(input: unknown, deps: OpenTaskDependencies): Promise<HumanTask> {
  const { tasks } = deps;
  const now = deps.now();
  const request = OpenApprovalTaskInput.parse(input);
  const level = request.levels[request.levelIndex];
  if (!level)
    throw new Error(`level ${request.levelIndex} does not exist; the policy routed ${request.levels.length} level(s)`);
  const requestId = `${request.executionArn}#${request.step}`;
  const slaSeconds = Math.round(level.slaHours * 3600);
  const taskId = `task-${createHash('sha256').update(`${requestId}#${request.levelIndex}`).digest('hex').slice(0, 24)}`;
  const siblings = (await tasks.listByRequest(requestId)).filter((sibling) => sibling.taskId !== taskId);
  // Separation of duties: the requester, and whoever decided another level (or lent their authority to it).
  const excluded = new Set([
    request.requestedBy,
    ...siblings.flatMap((sibling) =>
      [sibling.decision?.decidedBy, sibling.decision?.onBehalfOf].filter((name): name is string => name !== undefined),
    ),
  ]);
  const otherLevelRoles = new Set<Role>([
    ...request.levels.filter((_, index) => index !== request.levelIndex).map((each) => each.role),
    ...siblings.map((sibling) => sibling.assigneeRole),
  ]);
  const route = routeToDecider(
    deps.policy,
    await deps.directory.all(),
    level.role,
    { practice: request.subject.practice, region: request.subject.region },
    excluded,
    otherLevelRoles,
  );
  const task = HumanTask.parse({
    taskId,
    requestId,
    workflow: request.workflow,
    executionArn: request.executionArn,
    step: request.step,
    level: request.levelIndex + 1,
    levelCount: request.levels.length,
    subject: { ...request.subject, reasons: [request.policy.reason, ...request.subject.reasons] },
    requestedBy: request.requestedBy,
    candidateRoles: [level.role],
    requestRoles: request.levels.map((each) => each.role),
    assigneeRole: route.role,
    ...(route.notes.length > 0 ? { routing: route.notes } : {}),
    status: 'open',
    createdAt: now.toISOString(),
    dueAt: new Date(now.getTime() + slaSeconds * 1000).toISOString(),
    slaSeconds,
    breaches: 0,
    token: request.taskToken,
    policy: request.policy,
  });
  const existing = await tasks.get(taskId);
  await tasks.put(task);
  // A re-armed task was routed (and audited) when it first opened.
  if (!existing && route.notes.length > 0) {
    await deps.audit.append({
      subjectType: 'task',
      subjectId: taskId,
      action: 'escalate',
      actor: 'approval-routing',
      at: now.toISOString(),
      why: route.notes.join('; '),
      details: { fromRole: level.role, toRole: route.role, level: task.level, executionArn: task.executionArn },
    });
  }
  return existing?.status === 'open' ? { ...existing, token: task.token } : task;
}
