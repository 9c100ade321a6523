import { AwsError } from '../../local/http/aws-json';
import { TaskFailure, TaskTokenRegistry } from '../../local/stepfunctions/task-tokens';

const EXECUTION = 'arn:aws:states:eu-west-1:000000000000:execution:psflow-test-approval:order-1';
const OTHER_EXECUTION = 'arn:aws:states:eu-west-1:000000000000:execution:psflow-test-approval:order-2';
/** 32 random bytes in unpadded base64url are 43 characters. */
const TOKEN_SHAPE = /^psflow1\.[A-Za-z0-9_-]{43}$/;

type Outcome =
  | { readonly state: 'pending' }
  | { readonly state: 'resolved'; readonly value: unknown }
  | { readonly state: 'rejected'; readonly error: unknown };

/** Follows a completion without awaiting it, so a test can look while time is frozen. */
function watch(completion: Promise<unknown>): { readonly current: Outcome } {
  const watcher: { current: Outcome } = { current: { state: 'pending' } };
  completion.then(
    (value) => {
      watcher.current = { state: 'resolved', value };
    },
    (error: unknown) => {
      watcher.current = { state: 'rejected', error };
    },
  );
  return watcher;
}

/** The rejection of a completion that must fail. */
async function failureOf(completion: Promise<unknown>): Promise<TaskFailure> {
  try {
    await completion;
  } catch (error) {
    if (error instanceof TaskFailure) return error;
    throw new Error(`rejected with something other than a TaskFailure: ${String(error)}`);
  }
  throw new Error('the completion resolved');
}

/** The AwsError code `act` throws; fails the test when it throws nothing or something else. */
function awsErrorCodeOf(act: () => void): string {
  try {
    act();
  } catch (error) {
    if (error instanceof AwsError) return error.code;
    throw new Error(`threw something other than an AwsError: ${String(error)}`);
  }
  throw new Error('nothing was thrown');
}

let registry: TaskTokenRegistry;

beforeEach(() => {
  registry = new TaskTokenRegistry();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('TaskTokenRegistry.issue', () => {
  it('issues a psflow1 token of 43 base64url characters', () => {
    // Prepare
    const stateName = 'AwaitApproval';

    // Act
    const { token } = registry.issue(EXECUTION, stateName);

    // Assess
    expect(token).toMatch(TOKEN_SHAPE);
  });

  it('issues a different well-formed token each time across 1000 issues', () => {
    // Prepare
    const count = 1000;

    // Act
    const tokens = Array.from({ length: count }, () => registry.issue(EXECUTION, 'AwaitApproval').token);

    // Assess
    expect(new Set(tokens).size).toBe(count);
    expect(tokens.every((token) => TOKEN_SHAPE.test(token))).toBe(true);
  });

  it('counts each token waiting for an answer', () => {
    // Prepare
    const first = registry.issue(EXECUTION, 'AskFinance');
    registry.issue(EXECUTION, 'AskDelivery');
    registry.issue(OTHER_EXECUTION, 'AskFinance');
    const sizeBefore = registry.size;

    // Act
    registry.succeed(first.token, '{}');

    // Assess
    expect(sizeBefore).toBe(3);
    expect(registry.size).toBe(2);
  });
});

describe('TaskTokenRegistry.succeed', () => {
  it('resolves the completion with the parsed JSON output', async () => {
    // Prepare
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');

    // Act
    registry.succeed(token, '{"approved":true,"approver":{"role":"finance"},"limits":[1,2.5]}');

    // Assess
    await expect(completion).resolves.toEqual({ approved: true, approver: { role: 'finance' }, limits: [1, 2.5] });
    expect(registry.size).toBe(0);
  });

  it('accepts any JSON text, including a bare string or null', async () => {
    // Prepare
    const first = registry.issue(EXECUTION, 'First');
    const second = registry.issue(EXECUTION, 'Second');

    // Act
    registry.succeed(first.token, '"approved"');
    registry.succeed(second.token, 'null');

    // Assess
    await expect(first.completion).resolves.toBe('approved');
    await expect(second.completion).resolves.toBeNull();
  });

  it('refuses output that is not JSON with InvalidOutput and keeps the token answerable', async () => {
    // Prepare
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');
    const outcome = watch(completion);

    // Act
    const code = awsErrorCodeOf(() => registry.succeed(token, '{"approved":'));
    await Promise.resolve();
    const stillPending = outcome.current.state;
    registry.succeed(token, '{"approved":false}');

    // Assess
    expect(code).toBe('InvalidOutput');
    expect(stillPending).toBe('pending');
    await expect(completion).resolves.toEqual({ approved: false });
  });

  it('refuses output that is not a string with InvalidOutput', () => {
    // Prepare
    const { token } = registry.issue(EXECUTION, 'AwaitApproval');

    // Act
    const code = awsErrorCodeOf(() => registry.succeed(token, { approved: true }));

    // Assess
    expect(code).toBe('InvalidOutput');
    expect(registry.size).toBe(1);
  });

  it('refuses a second answer with TaskDoesNotExist', async () => {
    // Prepare
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');
    registry.succeed(token, '{"n":1}');

    // Act
    const again = awsErrorCodeOf(() => registry.succeed(token, '{"n":2}'));
    const failAfter = awsErrorCodeOf(() => registry.fail(token, 'Rejected', 'too late'));
    const heartbeatAfter = awsErrorCodeOf(() => registry.heartbeat(token));

    // Assess
    expect([again, failAfter, heartbeatAfter]).toEqual(['TaskDoesNotExist', 'TaskDoesNotExist', 'TaskDoesNotExist']);
    await expect(completion).resolves.toEqual({ n: 1 });
  });

  it('refuses a well-formed token it never issued with TaskDoesNotExist', () => {
    // Prepare
    const neverIssued = `psflow1.${'A'.repeat(43)}`;

    // Act
    const code = awsErrorCodeOf(() => registry.succeed(neverIssued, '{}'));

    // Assess
    expect(code).toBe('TaskDoesNotExist');
  });

  it.each([
    ['an empty string', ''],
    ['another scheme', `psflow2.${'A'.repeat(43)}`],
    ['a token one character short', `psflow1.${'A'.repeat(42)}`],
    ['a token one character long', `psflow1.${'A'.repeat(44)}`],
    ['padded base64', `psflow1.${'A'.repeat(42)}=`],
    ['standard base64 characters', `psflow1.${'A'.repeat(42)}+`],
    ['a number', 42],
    ['nothing', undefined],
  ])('refuses %s as a malformed token with InvalidToken', (_label, token) => {
    // Prepare
    registry.issue(EXECUTION, 'AwaitApproval');

    // Act
    const codes = [
      awsErrorCodeOf(() => registry.succeed(token, '{}')),
      awsErrorCodeOf(() => registry.fail(token, 'E', 'c')),
      awsErrorCodeOf(() => registry.heartbeat(token)),
    ];

    // Assess
    expect(codes).toEqual(['InvalidToken', 'InvalidToken', 'InvalidToken']);
    expect(registry.size).toBe(1);
  });
});

describe('TaskTokenRegistry.fail', () => {
  it('rejects the completion with a TaskFailure named by the error and carrying the cause', async () => {
    // Prepare
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');

    // Act
    registry.fail(token, 'Approval.Rejected', 'Margin below the regional threshold');

    // Assess
    const failure = await failureOf(completion);
    expect(failure.name).toBe('Approval.Rejected');
    expect(failure.message).toBe('Margin below the regional threshold');
    expect(registry.size).toBe(0);
  });

  it('names the failure States.TaskFailed when the error is empty or missing, with an empty cause when none is given', async () => {
    // Prepare
    const empty = registry.issue(EXECUTION, 'First');
    const missing = registry.issue(EXECUTION, 'Second');

    // Act
    registry.fail(empty.token, '', 'the approver gave no reason');
    registry.fail(missing.token, undefined, undefined);

    // Assess
    const [emptyFailure, missingFailure] = await Promise.all([
      failureOf(empty.completion),
      failureOf(missing.completion),
    ]);
    expect(emptyFailure.name).toBe('States.TaskFailed');
    expect(emptyFailure.message).toBe('the approver gave no reason');
    expect(missingFailure.name).toBe('States.TaskFailed');
    expect(missingFailure.message).toBe('');
  });
});

describe('TaskTokenRegistry heartbeats', () => {
  it('fails the task with States.HeartbeatTimeout when no heartbeat comes within the window, and a late answer gets TaskTimedOut', async () => {
    // Prepare
    jest.useFakeTimers();
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval', 10);
    const outcome = watch(completion);

    // Act
    await jest.advanceTimersByTimeAsync(9_999);
    const justBefore = outcome.current.state;
    await jest.advanceTimersByTimeAsync(1);

    // Assess
    expect(justBefore).toBe('pending');
    const failure = await failureOf(completion);
    expect(failure.name).toBe('States.HeartbeatTimeout');
    expect(failure.message).toContain('10 seconds');
    expect(registry.size).toBe(0);
    expect(awsErrorCodeOf(() => registry.succeed(token, '{}'))).toBe('TaskTimedOut');
    expect(awsErrorCodeOf(() => registry.fail(token, 'Late', 'too late'))).toBe('TaskTimedOut');
  });

  it('times a task out on request, and a late answer gets TaskTimedOut', async () => {
    // Prepare
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');

    // Act
    registry.expire(token, 'States.Timeout', 'the task ran past its TimeoutSeconds');

    // Assess
    expect((await failureOf(completion)).name).toBe('States.Timeout');
    expect(awsErrorCodeOf(() => registry.succeed(token, '{}'))).toBe('TaskTimedOut');
    expect(awsErrorCodeOf(() => registry.heartbeat(token))).toBe('TaskTimedOut');
  });

  it('restarts the heartbeat clock on each heartbeat', async () => {
    // Prepare
    jest.useFakeTimers();
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval', 10);
    const outcome = watch(completion);

    // Act
    await jest.advanceTimersByTimeAsync(8_000);
    registry.heartbeat(token);
    await jest.advanceTimersByTimeAsync(8_000);
    registry.heartbeat(token);
    await jest.advanceTimersByTimeAsync(9_999);
    const afterHeartbeats = outcome.current.state;
    await jest.advanceTimersByTimeAsync(1);

    // Assess
    // 26 s have passed against a 10 s window: only the heartbeats kept the task alive.
    expect(afterHeartbeats).toBe('pending');
    expect(outcome.current.state).toBe('rejected');
    expect((await failureOf(completion)).name).toBe('States.HeartbeatTimeout');
  });

  it('stops the heartbeat clock once the task is answered', async () => {
    // Prepare
    jest.useFakeTimers();
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval', 10);

    // Act
    registry.succeed(token, '{"done":true}');
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    await expect(completion).resolves.toEqual({ done: true });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never times out a task issued without heartbeatSeconds, and a heartbeat on it is accepted', async () => {
    // Prepare
    jest.useFakeTimers();
    const { token, completion } = registry.issue(EXECUTION, 'AwaitApproval');
    const outcome = watch(completion);

    // Act
    registry.heartbeat(token);
    await jest.advanceTimersByTimeAsync(7 * 24 * 3600 * 1000);

    // Assess
    expect(outcome.current.state).toBe('pending');
    expect(jest.getTimerCount()).toBe(0);
    expect(registry.size).toBe(1);
  });
});

describe('TaskTokenRegistry.revokeExecution', () => {
  it('rejects only the tokens of the stopped execution, which then refuse answers', async () => {
    // Prepare
    const stoppedFinance = registry.issue(EXECUTION, 'AskFinance');
    const stoppedDelivery = registry.issue(EXECUTION, 'AskDelivery');
    const running = registry.issue(OTHER_EXECUTION, 'AskFinance');
    const runningOutcome = watch(running.completion);

    // Act
    registry.revokeExecution(EXECUTION);

    // Assess
    const failures = await Promise.all([failureOf(stoppedFinance.completion), failureOf(stoppedDelivery.completion)]);
    expect(failures.map((failure) => failure.name)).toEqual(['States.Runtime', 'States.Runtime']);
    expect(runningOutcome.current.state).toBe('pending');
    expect(registry.size).toBe(1);
    expect(awsErrorCodeOf(() => registry.succeed(stoppedFinance.token, '{}'))).toBe('TaskDoesNotExist');
    registry.succeed(running.token, '{"ok":true}');
    await expect(running.completion).resolves.toEqual({ ok: true });
  });

  it('clears the heartbeat clocks of the tokens it revokes', async () => {
    // Prepare
    jest.useFakeTimers();
    const { completion } = registry.issue(EXECUTION, 'AwaitApproval', 10);
    const outcome = watch(completion);

    // Act
    registry.revokeExecution(EXECUTION);
    await jest.advanceTimersByTimeAsync(0);

    // Assess
    expect(outcome.current).toEqual({ state: 'rejected', error: expect.objectContaining({ name: 'States.Runtime' }) });
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('TaskTokenRegistry limits', () => {
  it('keeps a task with a heartbeat longer than a Node timer can hold pending', async () => {
    // Prepare
    jest.useFakeTimers();
    const { completion } = registry.issue(EXECUTION, 'AwaitSignOff', 2_592_000);
    const outcome = watch(completion);

    // Act
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(outcome.current).toEqual({ state: 'pending' });
  });

  it('does not leave an unhandled rejection when a token is revoked before anyone awaits it', async () => {
    // Prepare
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);

    // Act
    registry.issue(EXECUTION, 'AwaitSignOff');
    registry.revokeExecution(EXECUTION);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', listener);

    // Assess
    expect(unhandled).toEqual([]);
  });
});

describe('TaskTokenRegistry revoke', () => {
  it('drops one token and leaves the other tokens of the execution waiting', async () => {
    // Prepare
    const failed = registry.issue(EXECUTION, 'BookErp');
    const waiting = registry.issue(EXECUTION, 'BookPsa');
    const outcome = watch(waiting.completion);

    // Act
    registry.revoke(failed.token);
    await Promise.resolve();

    // Assess
    expect(awsErrorCodeOf(() => registry.succeed(failed.token, '{}'))).toBe('TaskDoesNotExist');
    expect(outcome.current.state).toBe('pending');
    registry.succeed(waiting.token, '{"booked":true}');
    await expect(waiting.completion).resolves.toEqual({ booked: true });
  });
});
