import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ApprovalLevel } from '../policies/approval-policy';
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

/**
 * Opens the task for one approval level. The task id is derived from the execution, step and
 * level, so a retried request step re-arms the same task with its new token instead of
 * creating a second one.
 */
export async function openApprovalTask(input: unknown, tasks: HumanTaskStore, now: Date): Promise<HumanTask> {
  const request = OpenApprovalTaskInput.parse(input);
  const level = request.levels[request.levelIndex];
  if (!level) throw new Error(`level ${request.levelIndex} does not exist; the policy routed ${request.levels.length} level(s)`);
  const requestId = `${request.executionArn}#${request.step}`;
  const slaSeconds = Math.round(level.slaHours * 3600);
  const task = HumanTask.parse({
    taskId: `task-${createHash('sha256').update(`${requestId}#${request.levelIndex}`).digest('hex').slice(0, 24)}`,
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
    assigneeRole: level.role,
    status: 'open',
    createdAt: now.toISOString(),
    dueAt: new Date(now.getTime() + slaSeconds * 1000).toISOString(),
    slaSeconds,
    breaches: 0,
    token: request.taskToken,
    policy: request.policy,
  });
  await tasks.put(task);
  return task;
}
