import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import { IsoDateTime } from '../model/primitives';
import type { HumanTask, TaskDecision } from './human-task';

/** Detail of `Approval Decided`: a person approved or rejected one level of an approval request. */
export const ApprovalDecidedDetail = z.object({
  taskId: z.string().min(1),
  requestId: z.string().min(1),
  workflow: z.string().min(1),
  executionArn: z.string().min(1),
  step: z.string().min(1),
  level: z.number().int().positive(),
  /** The role that decided: the task's assignee role when it was decided (after any escalation). */
  role: z.string().min(1),
  outcome: z.enum(['approved', 'rejected']),
  region: z.string().min(1),
  practice: z.string().min(1),
  openedAt: IsoDateTime,
  dueAt: IsoDateTime,
  decidedAt: IsoDateTime,
  /** SLA breaches the task collected before it was decided. */
  breaches: z.number().int().nonnegative(),
});
/** Typed {@link ApprovalDecidedDetail}. */
export type ApprovalDecidedDetail = z.infer<typeof ApprovalDecidedDetail>;

/** Announces a decision; consumers key on the task id, so announcing it again is harmless. */
export async function publishApprovalDecided(
  events: EventPublisher,
  task: HumanTask,
  decision: TaskDecision,
): Promise<void> {
  const detail: ApprovalDecidedDetail = {
    taskId: task.taskId,
    requestId: task.requestId,
    workflow: task.workflow,
    executionArn: task.executionArn,
    step: task.step,
    level: task.level,
    role: task.assigneeRole,
    outcome: decision.outcome,
    region: task.subject.region,
    practice: task.subject.practice,
    openedAt: task.createdAt,
    dueAt: task.dueAt,
    decidedAt: decision.decidedAt,
    breaches: task.breaches,
  };
  await events.publish([{ source: PsflowSource.Workflow, detailType: WorkflowDetailType.ApprovalDecided, detail }]);
}
