import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const PROBE_FUNCTION = 'psflow-dev-compute-probe-result';
const PROBE_FUNCTION_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${PROBE_FUNCTION}`;
const PROBE_TABLE = 'psflow-dev-probes';

/** A machine that only holds its input, so the test can read the task token a parent passed. */
const inboxDefinition = { StartAt: 'HoldRequest', States: { HoldRequest: { Type: 'Pass', End: true } } };

/** One small machine exercising Choice, Wait, Parallel, Map, Retry, Catch, Lambda and a callback. */
function semanticsDefinition(inboxArn: string): object {
  return {
    StartAt: 'ChooseRoute',
    States: {
      ChooseRoute: {
        Type: 'Choice',
        Choices: [{ Variable: '$.route', StringEquals: 'full', Next: 'WaitBriefly' }],
        Default: 'RejectRoute',
      },
      RejectRoute: { Type: 'Fail', Error: 'UnknownRoute', Cause: 'route must be "full"' },
      WaitBriefly: { Type: 'Wait', Seconds: 1, Next: 'FanOut' },
      FanOut: {
        Type: 'Parallel',
        ResultPath: '$.branches',
        Next: 'RecordEachItem',
        Branches: [
          {
            StartAt: 'ProbeViaInvoke',
            States: {
              ProbeViaInvoke: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: {
                  FunctionName: PROBE_FUNCTION,
                  Payload: { detail: { 'probeId.$': '$.runId', 'requestedAt.$': '$$.Execution.StartTime' } },
                },
                OutputPath: '$.Payload',
                End: true,
              },
            },
          },
          {
            StartAt: 'ProbeViaArn',
            States: {
              ProbeViaArn: {
                Type: 'Task',
                Resource: PROBE_FUNCTION_ARN,
                Parameters: { detail: { probeId: 42 } },
                Catch: [{ ErrorEquals: ['InvalidProbeRequest'], ResultPath: '$.error', Next: 'RecordRejection' }],
                End: true,
              },
              RecordRejection: { Type: 'Pass', Parameters: { 'rejected.$': '$.error.Error' }, End: true },
            },
          },
        ],
      },
      RecordEachItem: {
        Type: 'Map',
        ItemsPath: '$.items',
        ResultPath: '$.recorded',
        Next: 'ReadMissingTable',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'PutProbeItem',
          States: {
            PutProbeItem: {
              Type: 'Task',
              Resource: 'arn:aws:states:::dynamodb:putItem',
              Parameters: { TableName: PROBE_TABLE, Item: { probeId: { 'S.$': '$.id' } } },
              End: true,
            },
          },
        },
      },
      ReadMissingTable: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
        Parameters: { TableName: 'no-such-table', Key: { probeId: { S: 'x' } } },
        Retry: [
          { ErrorEquals: ['DynamoDb.ResourceNotFoundException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.readError', Next: 'AwaitApproval' }],
        Next: 'AwaitApproval',
      },
      AwaitApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
        Parameters: { StateMachineArn: inboxArn, Input: { 'TaskToken.$': '$$.Task.Token', 'runId.$': '$.runId' } },
        Retry: [{ ErrorEquals: ['Rejected'], IntervalSeconds: 1, MaxAttempts: 1 }],
        ResultPath: '$.approval',
        Next: 'Approved',
      },
      Approved: { Type: 'Succeed' },
    },
  };
}

describe('a state machine of its own on the local cloud', () => {
  let cloud: LocalCloudProcess;
  let sfn: SFNClient;
  let dynamodb: DynamoDBClient;
  let semanticsArn: string;
  let inboxArn: string;
  const seenTokens = new Set<string>();

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('semantics'));
    sfn = new SFNClient(clientConfig(cloud.url));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    const suffix = randomUUID().slice(0, 8);
    inboxArn = (
      await sfn.send(
        new CreateStateMachineCommand({
          name: `inbox-${suffix}`,
          definition: JSON.stringify(inboxDefinition),
          roleArn: 'arn:aws:iam::000000000000:role/test',
        }),
      )
    ).stateMachineArn as string;
    semanticsArn = (
      await sfn.send(
        new CreateStateMachineCommand({
          name: `semantics-${suffix}`,
          definition: JSON.stringify(semanticsDefinition(inboxArn)),
          roleArn: 'arn:aws:iam::000000000000:role/test',
        }),
      )
    ).stateMachineArn as string;
  });

  afterAll(async () => {
    sfn?.destroy();
    dynamodb?.destroy();
    await cloud?.stop();
  });

  /** Waits for the next approval request of a run and returns its token. */
  async function nextToken(runId: string): Promise<string> {
    return eventually(
      async () => {
        const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: inboxArn }));
        for (const execution of executions) {
          const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
          const input = JSON.parse(described.input ?? '{}') as { TaskToken?: string; runId?: string };
          if (input.runId === runId && input.TaskToken && !seenTokens.has(input.TaskToken)) {
            seenTokens.add(input.TaskToken);
            return input.TaskToken;
          }
        }
        return undefined;
      },
      20_000,
      `an approval request for ${runId}`,
    );
  }

  async function closed(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    return eventually(
      async () => {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return described.status === 'RUNNING' ? undefined : described;
      },
      30_000,
      `execution ${executionArn} to close`,
    );
  }

  async function history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async function createMachine(label: string, definition: object): Promise<string> {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: `${label}-${randomUUID().slice(0, 8)}`,
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::000000000000:role/test',
      }),
    );
    return created.stateMachineArn as string;
  }

  async function runToEnd(
    stateMachineArn: string,
    input: object,
  ): Promise<{ executionArn: string; described: DescribeExecutionCommandOutput }> {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    return { executionArn: executionArn as string, described: await closed(executionArn as string) };
  }

  it('runs Choice, Wait, Parallel, Map, Retry, Catch, Lambda and a callback to success', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const items = [{ id: `${runId}-a` }, { id: `${runId}-b` }];

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: semanticsArn,
        input: JSON.stringify({ route: 'full', runId, items }),
      }),
    );
    const firstToken = await nextToken(runId);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: firstToken, error: 'Rejected', cause: 'needs a second look' }),
    );
    const secondToken = await nextToken(runId);
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: secondToken, output: JSON.stringify({ approvedBy: 'cfo' }) }),
    );
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output as string) as {
      branches: [{ probeId: string; latencyMs: number }, { rejected: string }];
      recorded: unknown[];
      readError: { Error: string; Cause: string };
      approval: { approvedBy: string };
    };
    expect(output.branches[0].probeId).toBe(runId);
    expect(typeof output.branches[0].latencyMs).toBe('number');
    expect(output.branches[1]).toEqual({ rejected: 'InvalidProbeRequest' });
    expect(output.recorded).toHaveLength(2);
    expect(output.readError.Error).toBe('DynamoDb.ResourceNotFoundException');
    expect(output.approval).toEqual({ approvedBy: 'cfo' });
    for (const item of items) {
      const stored = await dynamodb.send(
        new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: item.id } } }),
      );
      expect(stored.Item?.probeId.S).toBe(item.id);
    }
    const events = await history(executionArn as string);
    const types = events.map((event) => event.type);
    for (const type of [
      'ChoiceStateEntered',
      'WaitStateEntered',
      'ParallelStateEntered',
      'MapStateEntered',
      'TaskSubmitted',
      'LambdaFunctionFailed',
      'ExecutionSucceeded',
    ]) {
      expect(types).toContain(type);
    }
    expect(types.filter((type) => type === 'MapIterationStarted')).toHaveLength(2);
    expect(events.find((event) => event.type === 'MapStateStarted')?.mapStateStartedEventDetails).toEqual({
      length: 2,
    });
    const readFailures = events.filter(
      (event) =>
        event.type === 'TaskFailed' && event.taskFailedEventDetails?.error === 'DynamoDb.ResourceNotFoundException',
    );
    expect(readFailures).toHaveLength(3);
    const rejected = events.filter(
      (event) => event.type === 'TaskFailed' && event.taskFailedEventDetails?.error === 'Rejected',
    );
    expect(rejected).toHaveLength(1);
    const entered = events
      .filter((event) => event.stateEnteredEventDetails)
      .map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(
      expect.arrayContaining([
        'ChooseRoute',
        'WaitBriefly',
        'FanOut',
        'ProbeViaInvoke',
        'ProbeViaArn',
        'RecordRejection',
        'RecordEachItem',
        'PutProbeItem',
        'ReadMissingTable',
        'AwaitApproval',
        'Approved',
      ]),
    );
  });

  it('fails the execution when the callback fails beyond its retries', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: semanticsArn,
        input: JSON.stringify({ route: 'full', runId, items: [] }),
      }),
    );

    // Act
    await sfn.send(new SendTaskFailureCommand({ taskToken: await nextToken(runId), error: 'Rejected', cause: 'no' }));
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await nextToken(runId), error: 'Rejected', cause: 'still no' }),
    );
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Rejected');
    expect(result.cause).toBe('still no');
  });

  it('refuses answered, forged and malformed task tokens', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: semanticsArn,
        input: JSON.stringify({ route: 'full', runId, items: [] }),
      }),
    );
    const token = await nextToken(runId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));

    // Act
    const answeredAgain = sfn
      .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
      .catch((error: Error) => error);
    const forged = sfn
      .send(new SendTaskSuccessCommand({ taskToken: `psflow1.${'A'.repeat(43)}`, output: '{}' }))
      .catch((error: Error) => error);
    const malformed = sfn
      .send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'x' }))
      .catch((error: Error) => error);

    // Assess
    await expect(answeredAgain).resolves.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(forged).resolves.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(malformed).resolves.toMatchObject({ name: 'InvalidToken' });
  });

  it('stops an execution waiting on a callback and refuses its token afterwards', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: semanticsArn,
        input: JSON.stringify({ route: 'full', runId, items: [] }),
      }),
    );
    const token = await nextToken(runId);

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled', cause: 'deal withdrawn' }));
    const result = await closed(executionArn as string);
    const lateAnswer = await sfn
      .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
      .catch((error: Error) => error);
    const stopAgain = await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Again' }));

    // Assess
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Operator.Cancelled', cause: 'deal withdrawn' });
    expect((await history(executionArn as string)).at(-1)?.type).toBe('ExecutionAborted');
    expect(lateAnswer).toMatchObject({ name: 'TaskDoesNotExist' });
    // AWS answers a stop of a closed execution with its stop date and changes nothing.
    expect(stopAgain.stopDate).toEqual(result.stopDate);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Cancelled',
    });
    expect((await history(executionArn as string)).filter((event) => event.type === 'ExecutionAborted')).toHaveLength(
      1,
    );
  });

  it('holds a Wait longer than 24.8 days (a Node timer overflows there) until it is stopped', async () => {
    // Prepare: 30 days, as a billing cycle waits for a cut-off at the end of next month.
    const stateMachineArn = await createMachine('long-wait', {
      StartAt: 'WaitForCutOff',
      States: {
        WaitForCutOff: { Type: 'Wait', Seconds: 30 * 86_400, Next: 'CloseCycle' },
        CloseCycle: { Type: 'Succeed' },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));

    // Act
    const waitEntered = await eventually(
      async () =>
        (await history(executionArn as string)).some((event) => event.type === 'WaitStateEntered') || undefined,
      10_000,
      'the Wait state to be entered',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const whileWaiting = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'test over' }));

    // Assess
    expect(waitEntered).toBe(true);
    expect(whileWaiting.status).toBe('RUNNING');
    expect((await history(executionArn as string)).map((event) => event.type)).not.toContain('WaitStateExited');
  });

  it('fails through a Fail state chosen by Choice', async () => {
    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'other' }) }),
    );
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UnknownRoute');
    expect((await history(executionArn as string)).map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
  });

  it('returns the child output as JSON for startExecution.sync:2', async () => {
    // Prepare
    const parent = {
      StartAt: 'RunChild',
      States: {
        RunChild: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: inboxArn, Input: { 'echo.$': '$.echo' } },
          End: true,
        },
      },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `sync-parent-${randomUUID().slice(0, 8)}`,
        definition: JSON.stringify(parent),
        roleArn: 'arn:aws:iam::000000000000:role/test',
      }),
    );

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ echo: 'ünïcødé ✓' }) }),
    );
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output as string) as { Status: string; Output: { echo: string } };
    expect(output.Status).toBe('SUCCEEDED');
    expect(output.Output).toEqual({ echo: 'ünïcødé ✓' });
  });

  describe('AWS limits and refusals', () => {
    it('fails a state whose output exceeds 256 KB with States.DataLimitExceeded and runs nothing after it', async () => {
      // Prepare
      const arn = await createMachine('data-limit', {
        StartAt: 'Grow',
        States: {
          Grow: { Type: 'Pass', Parameters: { 'padding.$': '$.padding', 'again.$': '$.padding' }, Next: 'Noted' },
          Noted: { Type: 'Pass', End: true },
        },
      });
      const padding = 'x'.repeat(140 * 1024);

      // Act
      const { executionArn, described } = await runToEnd(arn, { padding });

      // Assess
      expect(described).toMatchObject({
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'Grow' returned a result with a size exceeding the maximum number of bytes service limit.",
      });
      const types = (await history(executionArn)).map((event) => event.type);
      expect(types).not.toContain('PassStateExited');
      expect(types.at(-1)).toBe('ExecutionFailed');
    });

    it('fails a task whose input after Parameters exceeds 256 KB, even under a Catch of States.ALL', async () => {
      // Prepare
      const arn = await createMachine('data-limit-task', {
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: PROBE_FUNCTION, Payload: { 'a.$': '$.padding', 'b.$': '$.padding' } },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      });

      // Act
      const { described } = await runToEnd(arn, { padding: 'y'.repeat(130 * 1024) });

      // Assess
      expect(described).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    });

    it('times a callback task out as TaskTimedOut, refuses its late answer with TaskTimedOut and appends nothing after', async () => {
      // Prepare
      const arn = await createMachine('callback-timeout', {
        StartAt: 'AwaitAnswer',
        States: {
          AwaitAnswer: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
            Parameters: { StateMachineArn: inboxArn, Input: { 'TaskToken.$': '$$.Task.Token', 'runId.$': '$.runId' } },
            TimeoutSeconds: 1,
            End: true,
          },
        },
      });
      const runId = `run-${randomUUID()}`;

      // Act
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ runId }) }),
      );
      const token = await nextToken(runId);
      const described = await closed(executionArn as string);
      const late = await sfn
        .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
        .catch((error: Error) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const events = await history(executionArn as string);

      // Assess
      expect(described).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(late).toMatchObject({ name: 'TaskTimedOut' });
      const types = events.map((event) => event.type);
      expect(types).toContain('TaskTimedOut');
      expect(types).not.toContain('TaskFailed');
      expect(types).not.toContain('TaskSucceeded');
      expect(types.at(-1)).toBe('ExecutionFailed');
      expect(events.find((event) => event.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
        error: 'States.Timeout',
        resource: 'startExecution.waitForTaskToken',
      });
    });

    it('fails through a Fail state that declares no Error or Cause with neither', async () => {
      // Prepare
      const arn = await createMachine('bare-fail', { StartAt: 'GiveUp', States: { GiveUp: { Type: 'Fail' } } });

      // Act
      const { executionArn, described } = await runToEnd(arn, {});

      // Assess
      expect(described.status).toBe('FAILED');
      expect(described.error).toBeUndefined();
      expect(described.cause).toBeUndefined();
      expect((await history(executionArn)).at(-1)?.executionFailedEventDetails).toEqual({});
    });

    it('fails an execution whose history reaches 25,000 events with States.Runtime, the failure being event 25,000', async () => {
      // Prepare
      const arn = await createMachine('history-limit', {
        StartAt: 'Spin',
        States: {
          Spin: {
            Type: 'Choice',
            Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Spin' }],
            Default: 'Stop',
          },
          Stop: { Type: 'Succeed' },
        },
      });

      // Act
      const { executionArn, described } = await runToEnd(arn, { spin: true });
      const events = await history(executionArn);

      // Assess
      expect(described).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: 'The execution reached the maximum number of history events (25000).',
      });
      expect(events).toHaveLength(25_000);
      expect(events.at(-1)).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
      expect(events.at(-2)?.type).toMatch(/^ChoiceState(Entered|Exited)$/);
    });

    it('refuses a definition it cannot run, naming every offending state at once', async () => {
      // Act
      const refusal = await sfn
        .send(
          new CreateStateMachineCommand({
            name: `offenders-${randomUUID().slice(0, 8)}`,
            roleArn: 'arn:aws:iam::000000000000:role/test',
            definition: JSON.stringify({
              StartAt: 'First',
              States: {
                First: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Next: 'Second' },
                Second: { Type: 'Pass', Assign: { x: 1 }, Next: 'Third' },
                Third: { Type: 'Task', Resource: 'arn:aws:states:::batch:submitJob.sync', End: true },
              },
            }),
          }),
        )
        .catch((error: Error) => error);

      // Assess
      expect(refusal).toMatchObject({ name: 'InvalidDefinition' });
      expect((refusal as Error).message).toEqual(expect.stringContaining('state First'));
      expect((refusal as Error).message).toEqual(expect.stringContaining('state Second'));
      expect((refusal as Error).message).toEqual(expect.stringContaining('state Third'));
    });
  });

  describe('listings and descriptions', () => {
    it('pages executions with opaque tokens that repeat nothing when new executions start, and refuses a bad token', async () => {
      // Prepare
      const arn = await createMachine('paging', inboxDefinition);
      for (let index = 0; index < 5; index++) await runToEnd(arn, { index });

      // Act
      const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
      await runToEnd(arn, { index: 'new' });
      const seen = [...(first.executions ?? [])];
      let nextToken = first.nextToken;
      while (nextToken) {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken }));
        seen.push(...(page.executions ?? []));
        nextToken = page.nextToken;
      }
      const forged = await sfn
        .send(new ListExecutionsCommand({ stateMachineArn: arn, nextToken: 'not-a-token' }))
        .catch((error: Error) => error);
      const foreign = await sfn
        .send(new ListStateMachinesCommand({ nextToken: first.nextToken }))
        .catch((error: Error) => error);

      // Assess
      expect(first.nextToken).not.toMatch(/^\d+$/);
      const arns = seen.map((execution) => execution.executionArn);
      expect(arns).toHaveLength(5);
      expect(new Set(arns).size).toBe(5);
      expect(forged).toMatchObject({ name: 'InvalidToken' });
      expect(foreign).toMatchObject({ name: 'InvalidToken' });
    });

    it('describes a deployed state machine with its logging and tracing configuration', async () => {
      // Act
      const described = await sfn.send(
        new DescribeStateMachineCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-operations-drill',
        }),
      );
      const own = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: inboxArn }));

      // Assess
      expect(described.loggingConfiguration).toMatchObject({
        level: 'ALL',
        includeExecutionData: true,
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: expect.stringContaining(':log-group:') } }],
      });
      expect(described.tracingConfiguration).toEqual({ enabled: true });
      expect(own.loggingConfiguration).toEqual({ level: 'OFF', includeExecutionData: false });
      expect(own.tracingConfiguration).toEqual({ enabled: false });
    });
  });

  describe('redrive', () => {
    it('redrives a failed execution from the state that failed, and refuses to redrive one that succeeded', async () => {
      // Prepare
      const probeId = `redrive-${randomUUID()}`;
      await dynamodb.send(
        new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, by: { S: 'someone else' } } }),
      );
      const arn = await createMachine('redrive', {
        StartAt: 'Prepare',
        States: {
          Prepare: { Type: 'Pass', Parameters: { 'probeId.$': '$.probeId', prepared: true }, Next: 'ClaimProbe' },
          ClaimProbe: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: {
              TableName: PROBE_TABLE,
              Item: { probeId: { 'S.$': '$.probeId' } },
              ConditionExpression: 'attribute_not_exists(probeId)',
            },
            ResultPath: null,
            End: true,
          },
        },
      });
      const { executionArn, described: failed } = await runToEnd(arn, { probeId });
      await dynamodb.send(new DeleteItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: probeId } } }));

      // Act
      const redriven = await sfn.send(new RedriveExecutionCommand({ executionArn }));
      const succeeded = await closed(executionArn);
      const again = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((error: Error) => error);
      const events = await history(executionArn);

      // Assess
      expect(failed).toMatchObject({
        status: 'FAILED',
        error: 'DynamoDB.ConditionalCheckFailedException',
        redriveCount: 0,
        redriveStatus: 'REDRIVABLE',
      });
      expect(redriven.redriveDate).toBeInstanceOf(Date);
      expect(succeeded).toMatchObject({
        status: 'SUCCEEDED',
        redriveCount: 1,
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: expect.stringContaining('SUCCEEDED'),
      });
      expect(again).toMatchObject({ name: 'ExecutionNotRedrivable' });
      const types = events.map((event) => event.type);
      expect(types.filter((type) => type === 'ExecutionFailed')).toHaveLength(1);
      expect(types.indexOf('ExecutionRedriven')).toBe(types.indexOf('ExecutionFailed') + 1);
      expect(events.find((event) => event.type === 'ExecutionRedriven')?.executionRedrivenEventDetails).toEqual({
        redriveCount: 1,
      });
      expect(events.filter((event) => event.stateEnteredEventDetails?.name === 'Prepare')).toHaveLength(1);
      expect(events.filter((event) => event.stateEnteredEventDetails?.name === 'ClaimProbe')).toHaveLength(2);
      expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
      expect(types.at(-1)).toBe('ExecutionSucceeded');
    });

    it('refuses to redrive a running execution with ExecutionNotRedrivable', async () => {
      // Prepare
      const runId = `run-${randomUUID()}`;
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: semanticsArn,
          input: JSON.stringify({ route: 'full', runId, items: [] }),
        }),
      );
      await nextToken(runId);

      // Act
      const refusal = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((error: Error) => error);
      await sfn.send(new StopExecutionCommand({ executionArn }));

      // Assess
      expect(refusal).toMatchObject({ name: 'ExecutionNotRedrivable' });
    });
  });
});
