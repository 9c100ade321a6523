import { randomBytes } from 'node:crypto';
import { AwsError } from '../http/aws-json';

/** A task failure reported back through SendTaskFailure or a heartbeat timeout. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

interface PendingTask {
  readonly executionArn: string;
  readonly stateName: string;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  heartbeatTimer?: NodeJS.Timeout;
  readonly heartbeatSeconds?: number;
}

const TOKEN_PATTERN = /^psflow1\.[A-Za-z0-9_-]{43}$/;
const MAX_TIMER_MS = 0x7fffffff;
/** Timed-out tokens remembered so a late answer gets TaskTimedOut; the oldest are forgotten past this. */
const MAX_REMEMBERED_TIMEOUTS = 100_000;

/** Error names of the two ways a task times out; both are recorded as TaskTimedOut. */
export const TIMEOUT_ERRORS: ReadonlySet<string> = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/**
 * Issues real, unguessable task tokens for `.waitForTaskToken` tasks and completes them
 * from SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.
 */
export class TaskTokenRegistry {
  private readonly pending = new Map<string, PendingTask>();
  private readonly timedOut = new Set<string>();

  /** Issues a token; the returned promise settles when the token is answered. */
  issue(
    executionArn: string,
    stateName: string,
    heartbeatSeconds?: number,
  ): { token: string; completion: Promise<unknown> } {
    const token = `psflow1.${randomBytes(32).toString('base64url')}`;
    const completion = new Promise<unknown>((resolve, reject) => {
      const task: PendingTask = { executionArn, stateName, resolve, reject, heartbeatSeconds };
      this.pending.set(token, task);
      this.armHeartbeat(token, task);
    });
    // A token can be revoked or time out before anyone awaits it; that must not crash the process.
    completion.catch(() => undefined);
    return { token, completion };
  }

  private armHeartbeat(token: string, task: PendingTask): void {
    if (task.heartbeatSeconds === undefined) return;
    clearTimeout(task.heartbeatTimer);
    // Node timers overflow past 2^31-1 ms and fire at once; longer heartbeats are capped to that.
    const delayMs = Math.min(task.heartbeatSeconds * 1000, MAX_TIMER_MS);
    task.heartbeatTimer = setTimeout(
      () => this.expire(token, 'States.HeartbeatTimeout', `No heartbeat for ${task.heartbeatSeconds} seconds`),
      delayMs,
    );
  }

  /**
   * Times a task out (its TimeoutSeconds or HeartbeatSeconds ran out): the completion fails
   * with `error`, and a late answer with the token gets TaskTimedOut, as in AWS.
   */
  expire(token: string, error: string, cause: string): void {
    if (!this.pending.has(token)) return;
    this.timedOut.add(token);
    if (this.timedOut.size > MAX_REMEMBERED_TIMEOUTS)
      this.timedOut.delete(this.timedOut.values().next().value as string);
    this.settle(token, (task) => task.reject(new TaskFailure(error, cause)));
  }

  private lookup(token: unknown): PendingTask {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token))
      throw new AwsError('InvalidToken', 'Invalid Token: the task token is malformed');
    if (this.timedOut.has(token))
      throw new AwsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    const task = this.pending.get(token);
    if (!task)
      throw new AwsError(
        'TaskDoesNotExist',
        'Task does not exist anymore: the token was already answered, timed out, or never issued',
      );
    return task;
  }

  private settle(token: string, action: (task: PendingTask) => void): void {
    const task = this.pending.get(token);
    if (!task) return;
    clearTimeout(task.heartbeatTimer);
    this.pending.delete(token);
    action(task);
  }

  /** SendTaskSuccess: `output` must be a JSON text. */
  succeed(token: unknown, output: unknown): void {
    this.lookup(token);
    if (typeof output !== 'string') throw new AwsError('InvalidOutput', 'Output must be a JSON string');
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.settle(token as string, (task) => task.resolve(parsed));
  }

  /** SendTaskFailure. */
  fail(token: unknown, error: unknown, cause: unknown): void {
    this.lookup(token);
    this.settle(token as string, (task) =>
      task.reject(
        new TaskFailure(
          typeof error === 'string' && error !== '' ? error : 'States.TaskFailed',
          typeof cause === 'string' ? cause : '',
        ),
      ),
    );
  }

  /** SendTaskHeartbeat: restarts the task's heartbeat clock. */
  heartbeat(token: unknown): void {
    const task = this.lookup(token);
    this.armHeartbeat(token as string, task);
  }

  /** Drops one token whose task ended without it (its integration failed), so a late answer is refused. */
  revoke(token: string): void {
    this.settle(token, (task) => task.reject(new TaskFailure('States.Runtime', 'Task ended')));
  }

  /** Drops every token of an execution that stopped, so late answers are refused. */
  revokeExecution(executionArn: string): void {
    for (const [token, task] of this.pending) {
      if (task.executionArn === executionArn)
        this.settle(token, (pendingTask) => pendingTask.reject(new TaskFailure('States.Runtime', 'Execution stopped')));
    }
  }

  /** Tokens waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }
}
