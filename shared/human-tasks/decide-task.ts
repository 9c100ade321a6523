import { ErrorName } from '../errors/error-names';
import type { AuditLog } from '../audit/audit-log';
import { grantCovers, type Directory } from '../directory/directory';
import type { EventPublisher } from '../events/event-publisher';
import { publishApprovalDecided } from './approval-events';
import { TaskActionRefused, type HumanTask, type TaskDecision } from './human-task';
import type { DelegationStore, HumanTaskStore, WorkflowTokens } from './task-ports';

/** A decision as a person submits it. */
export interface DecisionRequest {
  readonly taskId: string;
  readonly outcome: 'approved' | 'rejected';
  readonly comment: string;
  readonly actor: string;
  /** Present when the caller acts through a link holding the token; it must be the task's own. */
  readonly token?: string;
}

/** What the decider is told. */
export interface DecisionResult {
  readonly task: HumanTask;
  /** True when this exact decision had been recorded before (a repeated click, a retry). */
  readonly repeated: boolean;
}

/** What deciding needs. */
export interface DecideDependencies {
  readonly tasks: HumanTaskStore;
  readonly delegations: DelegationStore;
  readonly directory: Directory;
  readonly tokens: WorkflowTokens;
  readonly audit: AuditLog;
  readonly now: () => Date;
  /** Announces `Approval Decided` for the KPIs; absent where nobody listens (unit tests of other rules). */
  readonly events?: EventPublisher;
}

/**
 * Records an approval or rejection once and tells the waiting workflow. Refuses, with the
 * reason, a caller without the role, the requester approving their own request, one person
 * deciding two levels of one request, a token that is not the task's, and a second decision
 * that contradicts the first. Repeating the same decision is harmless.
 */
export async function decideTask(request: DecisionRequest, deps: DecideDependencies): Promise<DecisionResult> {
  if (request.comment.length > 2000)
    throw new TaskActionRefused('InvalidRequest', 'a comment is at most 2000 characters');
  const task = await deps.tasks.get(request.taskId);
  if (!task) throw new TaskActionRefused('NotFound', `no task ${request.taskId}`);
  if (request.token !== undefined && request.token !== task.token) {
    throw new TaskActionRefused('TokenMismatch', "the token is not this task's current token: it is stale or forged");
  }
  const at = deps.now().toISOString();
  if (task.decision) {
    // Who decided, and when, is for those who may decide it too: anyone else is refused as if it were open.
    if (!isRepeat(task.decision, request)) await authorise(task, request.actor, at, deps);
    return repeatOrConflict(task, task.decision, request, deps);
  }
  if (task.status !== 'open')
    throw new TaskActionRefused(
      'NoLongerWaiting',
      `task ${task.taskId} is ${task.status}; the workflow no longer waits for it`,
    );

  const onBehalfOf = await authorise(task, request.actor, at, deps);
  await checkSeparationOfDuties(task, request.actor, onBehalfOf, deps);

  const decision: TaskDecision = {
    outcome: request.outcome,
    decidedBy: request.actor,
    onBehalfOf,
    comment: request.comment,
    decidedAt: at,
    delivered: false,
  };
  if (!(await deps.tasks.recordDecision(task, decision))) {
    // Someone else decided (or the token was re-armed) between our read and write.
    const current = await deps.tasks.get(task.taskId);
    if (current?.decision) return repeatOrConflict(current, current.decision, request, deps);
    throw new TaskActionRefused('NoLongerWaiting', `task ${task.taskId} changed while deciding; show it again`);
  }
  await deps.audit.append({
    subjectType: 'task',
    subjectId: task.taskId,
    action: request.outcome === 'approved' ? 'approve' : 'reject',
    actor: request.actor,
    at,
    why: request.comment,
    details: {
      level: task.level,
      role: task.assigneeRole,
      executionArn: task.executionArn,
      ...(onBehalfOf ? { onBehalfOf } : {}),
    },
  });
  const decided = { ...task, status: request.outcome, decision } satisfies HumanTask;
  return { task: await deliver(decided, deps), repeated: false };
}

function isRepeat(decision: TaskDecision, request: DecisionRequest): boolean {
  return decision.outcome === request.outcome && decision.decidedBy === request.actor;
}

async function repeatOrConflict(
  task: HumanTask,
  decision: TaskDecision,
  request: DecisionRequest,
  deps: DecideDependencies,
): Promise<DecisionResult> {
  if (isRepeat(decision, request)) {
    return { task: decision.delivered ? task : await deliver(task, deps), repeated: true };
  }
  throw new TaskActionRefused(
    'AlreadyDecided',
    `task ${task.taskId} was already ${decision.outcome} by ${decision.decidedBy} at ${decision.decidedAt}`,
  );
}

/** Tells the workflow; a token Step Functions no longer knows means the wait ended meanwhile. */
async function deliver(task: HumanTask, deps: DecideDependencies): Promise<HumanTask> {
  const decision = task.decision;
  if (!decision) throw new Error(`task ${task.taskId} has no decision to deliver`);
  // Announced before the workflow is told: if announcing fails, the decision stays undelivered and
  // repeating it announces again (consumers key on the task id), so the KPIs never miss it.
  if (deps.events) await publishApprovalDecided(deps.events, task, decision);
  const output = {
    outcome: decision.outcome,
    decidedBy: decision.decidedBy,
    onBehalfOf: decision.onBehalfOf,
    comment: decision.comment,
    decidedAt: decision.decidedAt,
    level: task.level,
  };
  const delivery =
    decision.outcome === 'approved'
      ? await deps.tokens.succeed(task.token, output)
      : await deps.tokens.fail(task.token, ErrorName.ApprovalRejected, JSON.stringify(output));
  if (delivery === 'stale') {
    await deps.tasks.setStatus(task.taskId, 'expired');
    throw new TaskActionRefused(
      'NoLongerWaiting',
      `the workflow stopped waiting for task ${task.taskId} (timed out or stopped); the decision was recorded but has no effect`,
    );
  }
  await deps.tasks.markDelivered(task.taskId);
  return { ...task, decision: { ...decision, delivered: true } };
}

/** Returns the delegator when the actor decides through a delegation. */
async function authorise(
  task: HumanTask,
  actor: string,
  at: string,
  deps: DecideDependencies,
): Promise<string | undefined> {
  const user = await deps.directory.find(actor);
  if (!user) throw new TaskActionRefused('NotAuthorized', `${actor} is not in the directory`);
  const scope = { practice: task.subject.practice, region: task.subject.region };
  if (user.grants.some((grant) => grantCovers(grant, task.assigneeRole, scope))) return undefined;
  if (user.grants.some((grant) => grant.role === task.assigneeRole)) {
    for (const delegation of await deps.delegations.activeFor(actor, task.assigneeRole, at)) {
      const delegator = await deps.directory.find(delegation.delegator);
      if (delegator?.grants.some((grant) => grantCovers(grant, task.assigneeRole, scope))) return delegator.userId;
    }
  }
  throw new TaskActionRefused(
    'NotAuthorized',
    `${actor} may not decide this task: it needs the role ${task.assigneeRole} for practice ${task.subject.practice} in ${task.subject.region}`,
  );
}

async function checkSeparationOfDuties(
  task: HumanTask,
  actor: string,
  onBehalfOf: string | undefined,
  deps: DecideDependencies,
): Promise<void> {
  // A delegate carries the delegator's authority, so both names count as deciding.
  const deciders = [actor, ...(onBehalfOf ? [onBehalfOf] : [])];
  if (deciders.includes(task.requestedBy)) {
    throw new TaskActionRefused(
      'SegregationOfDuties',
      `${task.requestedBy} requested this approval and cannot decide it${onBehalfOf ? `, not even through ${actor}` : ''}`,
    );
  }
  const siblings = await deps.tasks.listByRequest(task.requestId);
  const earlier = siblings.find(
    (sibling) =>
      sibling.taskId !== task.taskId &&
      sibling.decision &&
      [sibling.decision.decidedBy, sibling.decision.onBehalfOf].some(
        (name) => name !== undefined && deciders.includes(name),
      ),
  );
  if (earlier) {
    throw new TaskActionRefused(
      'SegregationOfDuties',
      `${deciders.join(' for ')} already decided level ${earlier.level} of this request; another person must decide level ${task.level}`,
    );
  }
}
