import * as z from 'zod';
import { Role } from '../directory/roles';
import { ExternalId, Money, Region } from '../model/primitives';

/** Life cycle of a human task; only `open` tasks hold a live token. */
export const TaskStatus = z.enum(['open', 'approved', 'rejected', 'expired']);
/** Typed {@link TaskStatus}. */
export type TaskStatus = z.infer<typeof TaskStatus>;

/** What a decision is about: the facts an approver needs, and what policies key on. */
export const TaskSubject = z.object({
  title: z.string().min(1).max(500),
  clientId: ExternalId.optional(),
  clientName: z.string().max(255).optional(),
  projectId: ExternalId.optional(),
  opportunityId: ExternalId.optional(),
  amount: Money,
  region: Region,
  practice: z.string().min(1),
  /** Why this task exists and why these approvers: the policy reason and any risk flags. */
  reasons: z.array(z.string()).default([]),
});
/** Typed {@link TaskSubject}. */
export type TaskSubject = z.infer<typeof TaskSubject>;

/** A recorded decision. */
export const TaskDecision = z.object({
  outcome: z.enum(['approved', 'rejected']),
  decidedBy: z.string(),
  /** The approver whose delegation the decider used, if any. */
  onBehalfOf: z.string().optional(),
  comment: z.string(),
  decidedAt: z.string(),
  /** True once the workflow has been told; a repeated decision re-sends until it is. */
  delivered: z.boolean(),
});
/** Typed {@link TaskDecision}. */
export type TaskDecision = z.infer<typeof TaskDecision>;

/** One human task: a workflow waiting on a person's decision through a task token. */
export const HumanTask = z.object({
  taskId: z.string(),
  /** Groups the levels of one approval request; separation of duties is checked across it. */
  requestId: z.string(),
  workflow: z.string(),
  executionArn: z.string(),
  step: z.string(),
  level: z.number().int().positive(),
  levelCount: z.number().int().positive(),
  subject: TaskSubject,
  requestedBy: z.string(),
  candidateRoles: z.array(Role).min(1),
  /** The role of every level of the request, in order, so escalation can avoid another level's role. */
  requestRoles: z.array(Role).optional(),
  /** The role that must decide now; escalation changes it. */
  assigneeRole: Role,
  /** Why the task went past its level's role when it opened: nobody could decide there (e.g. "no practice lead for managed-services in APAC"). */
  routing: z.array(z.string()).optional(),
  status: TaskStatus,
  createdAt: z.string(),
  dueAt: z.string(),
  slaSeconds: z.number().positive(),
  breaches: z.number().int().nonnegative(),
  token: z.string(),
  policy: z.object({ version: z.number().int(), ruleId: z.string(), reason: z.string() }),
  decision: TaskDecision.optional(),
});
/** Typed {@link HumanTask}. */
export type HumanTask = z.infer<typeof HumanTask>;

/** Codes of refused task actions; the HTTP API maps each to a status. */
export const TaskRefusal = {
  NotFound: 404,
  InvalidRequest: 400,
  NotAuthorized: 403,
  SegregationOfDuties: 403,
  TokenMismatch: 403,
  AlreadyDecided: 409,
  NoLongerWaiting: 409,
  /** A retry patch would change what an approval decided on. */
  ChangesApprovedFields: 409,
} as const;
/** Union of {@link TaskRefusal} codes. */
export type TaskRefusalCode = keyof typeof TaskRefusal;

/** A task action the rules refuse; carries the HTTP status the API answers with. */
export class TaskActionRefused extends Error {
  override readonly name = 'TaskActionRefused';
  readonly httpStatus: number;
  constructor(
    readonly code: TaskRefusalCode,
    message: string,
  ) {
    super(message);
    this.httpStatus = TaskRefusal[code];
  }
}
