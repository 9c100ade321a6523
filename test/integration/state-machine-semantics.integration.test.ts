import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { clientConfig, eventually, type LocalCloudProcess, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';

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
      ChooseRoute: { Type: 'Choice', Choices: [{ Variable: '$.route', StringEquals: 'full', Next: 'WaitBriefly' }], Default: 'RejectRoute' },
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
                Parameters: { FunctionName: PROBE_FUNCTION, Payload: { detail: { 'probeId.$': '$.runId', 'requestedAt.$': '$$.Execution.StartTime' } } },
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
        Retry: [{ ErrorEquals: ['DynamoDb.ResourceNotFoundException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
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
    inboxArn = (await sfn.send(new CreateStateMachineCommand({ name: `inbox-${suffix}`, definition: JSON.stringify(inboxDefinition), roleArn: 'arn:aws:iam::000000000000:role/test' }))).stateMachineArn as string;
    semanticsArn = (
      await sfn.send(new CreateStateMachineCommand({ name: `semantics-${suffix}`, definition: JSON.stringify(semanticsDefinition(inboxArn)), roleArn: 'arn:aws:iam::000000000000:role/test' }))
    ).stateMachineArn as string;
  });

  afterAll(async () => {
    sfn?.destroy();
    dynamodb?.destroy();
    await cloud?.stop();
  });

  /** Waits for the next approval request of a run and returns its token. */
  async function nextToken(runId: string): Promise<string> {
    return eventually(async () => {
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
    }, 20_000, `an approval request for ${runId}`);
  }

  async function closed(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    return eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    }, 30_000, `execution ${executionArn} to close`);
  }

  async function history(executionArn: string): Promise<HistoryEvent[]> {
    return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
  }

  it('runs Choice, Wait, Parallel, Map, Retry, Catch, Lambda and a callback to success', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const items = [{ id: `${runId}-a` }, { id: `${runId}-b` }];

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'full', runId, items }) }));
    const firstToken = await nextToken(runId);
    await sfn.send(new SendTaskFailureCommand({ taskToken: firstToken, error: 'Rejected', cause: 'needs a second look' }));
    const secondToken = await nextToken(runId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: secondToken, output: JSON.stringify({ approvedBy: 'cfo' }) }));
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
      const stored = await dynamodb.send(new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: item.id } } }));
      expect(stored.Item?.probeId.S).toBe(item.id);
    }
    const events = await history(executionArn as string);
    const types = events.map((event) => event.type);
    for (const type of ['ChoiceStateEntered', 'WaitStateEntered', 'ParallelStateEntered', 'MapStateEntered', 'TaskSubmitted', 'LambdaFunctionFailed', 'ExecutionSucceeded']) {
      expect(types).toContain(type);
    }
    expect(types.filter((type) => type === 'MapIterationStarted')).toHaveLength(2);
    const readFailures = events.filter((event) => event.type === 'TaskFailed' && event.taskFailedEventDetails?.error === 'DynamoDb.ResourceNotFoundException');
    expect(readFailures).toHaveLength(3);
    const rejected = events.filter((event) => event.type === 'TaskFailed' && event.taskFailedEventDetails?.error === 'Rejected');
    expect(rejected).toHaveLength(1);
    const entered = events.filter((event) => event.stateEnteredEventDetails).map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(expect.arrayContaining(['ChooseRoute', 'WaitBriefly', 'FanOut', 'ProbeViaInvoke', 'ProbeViaArn', 'RecordRejection', 'RecordEachItem', 'PutProbeItem', 'ReadMissingTable', 'AwaitApproval', 'Approved']));
  });

  it('fails the execution when the callback fails beyond its retries', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'full', runId, items: [] }) }));

    // Act
    await sfn.send(new SendTaskFailureCommand({ taskToken: await nextToken(runId), error: 'Rejected', cause: 'no' }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: await nextToken(runId), error: 'Rejected', cause: 'still no' }));
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Rejected');
    expect(result.cause).toBe('still no');
  });

  it('refuses answered, forged and malformed task tokens', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    await sfn.send(new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'full', runId, items: [] }) }));
    const token = await nextToken(runId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));

    // Act
    const answeredAgain = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })).catch((error: Error) => error);
    const forged = sfn.send(new SendTaskSuccessCommand({ taskToken: `psflow1.${'A'.repeat(43)}`, output: '{}' })).catch((error: Error) => error);
    const malformed = sfn.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'x' })).catch((error: Error) => error);

    // Assess
    await expect(answeredAgain).resolves.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(forged).resolves.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(malformed).resolves.toMatchObject({ name: 'InvalidToken' });
  });

  it('stops an execution waiting on a callback and refuses its token afterwards', async () => {
    // Prepare
    const runId = `run-${randomUUID()}`;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'full', runId, items: [] }) }));
    const token = await nextToken(runId);

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled', cause: 'deal withdrawn' }));
    const result = await closed(executionArn as string);
    const lateAnswer = await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })).catch((error: Error) => error);
    const stopAgain = await sfn.send(new StopExecutionCommand({ executionArn })).catch((error: Error) => error);

    // Assess
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Operator.Cancelled', cause: 'deal withdrawn' });
    expect((await history(executionArn as string)).at(-1)?.type).toBe('ExecutionAborted');
    expect(lateAnswer).toMatchObject({ name: 'TaskDoesNotExist' });
    expect(stopAgain).toMatchObject({ name: 'ExecutionNotRunning' });
  });

  it('fails through a Fail state chosen by Choice', async () => {
    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: semanticsArn, input: JSON.stringify({ route: 'other' }) }));
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UnknownRoute');
    expect((await history(executionArn as string)).map((event) => event.type)).toEqual(['ExecutionStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('returns the child output as JSON for startExecution.sync:2', async () => {
    // Prepare
    const parent = {
      StartAt: 'RunChild',
      States: { RunChild: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', Parameters: { StateMachineArn: inboxArn, Input: { 'echo.$': '$.echo' } }, End: true } },
    };
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: `sync-parent-${randomUUID().slice(0, 8)}`, definition: JSON.stringify(parent), roleArn: 'arn:aws:iam::000000000000:role/test' }));

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ echo: 'ünïcødé ✓' }) }));
    const result = await closed(executionArn as string);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output as string) as { Status: string; Output: { echo: string } };
    expect(output.Status).toBe('SUCCEEDED');
    expect(output.Output).toEqual({ echo: 'ünïcødé ✓' });
  });
});
