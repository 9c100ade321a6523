import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const PROBE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-diagnostics-probe';

describe('the local cloud after a crash', () => {
  const dataDirectory = temporaryDataDirectory('crash');
  let cloud: LocalCloudProcess | undefined;

  afterAll(async () => {
    await cloud?.stop();
  });

  function clients(url: string): { sfn: SFNClient; events: EventBridgeClient; dynamodb: DynamoDBClient } {
    return {
      sfn: new SFNClient(clientConfig(url)),
      events: new EventBridgeClient(clientConfig(url)),
      dynamodb: new DynamoDBClient(clientConfig(url)),
    };
  }

  async function inboxTokens(sfn: SFNClient, inboxArn: string): Promise<string[]> {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: inboxArn }));
    const tokens: string[] = [];
    for (const execution of executions) {
      const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      tokens.push((JSON.parse(input ?? '{}') as { TaskToken: string }).TaskToken);
    }
    return tokens;
  }

  it('delivers every accepted event once and restarts interrupted executions from their input', async () => {
    // Prepare: a waiting execution, and a burst of events accepted just before a hard kill.
    cloud = await startLocalCloud(dataDirectory);
    let { sfn, events } = clients(cloud.url);
    const suffix = randomUUID().slice(0, 8);
    const inbox = await sfn.send(
      new CreateStateMachineCommand({
        name: `inbox-${suffix}`,
        definition: JSON.stringify({ StartAt: 'HoldRequest', States: { HoldRequest: { Type: 'Pass', End: true } } }),
        roleArn: 'arn:aws:iam::000000000000:role/test',
      }),
    );
    const waiterDefinition = {
      StartAt: 'AwaitApproval',
      States: {
        AwaitApproval: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
          Parameters: { StateMachineArn: inbox.stateMachineArn, Input: { 'TaskToken.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    const waiter = await sfn.send(
      new CreateStateMachineCommand({
        name: `waiter-${suffix}`,
        definition: JSON.stringify(waiterDefinition),
        roleArn: 'arn:aws:iam::000000000000:role/test',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: waiter.stateMachineArn,
        name: `waiting-${suffix}`,
        input: JSON.stringify({ order: 'ünïcødé-42' }),
      }),
    );
    const [tokenBeforeCrash] = await eventually(async () => {
      const tokens = await inboxTokens(sfn, inbox.stateMachineArn as string);
      return tokens.length > 0 ? tokens : undefined;
    });
    const eventIds: string[] = [];
    const probeIds: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const entries = Array.from({ length: 10 }, () => {
        const probeId = `crash-${randomUUID()}`;
        probeIds.push(probeId);
        return {
          EventBusName: 'psflow-dev',
          Source: PsflowSource.Diagnostics,
          DetailType: DiagnosticsDetailType.ProbeRequested,
          Detail: JSON.stringify({ probeId, requestedAt: new Date().toISOString() }),
        };
      });
      const put = await events.send(new PutEventsCommand({ Entries: entries }));
      eventIds.push(...(put.Entries ?? []).map((entry) => entry.EventId as string));
    }

    // Act
    await cloud.kill();
    sfn.destroy();
    events.destroy();
    cloud = await startLocalCloud(dataDirectory);
    ({ sfn, events } = clients(cloud.url));
    const { dynamodb } = clients(cloud.url);

    // Assess: created machines survived, the waiting execution runs again with a fresh token.
    expect(cloud.output()).toMatch(/recovered\s+\d+ undelivered events, [1-9]\d* interrupted executions restarted/);
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((machine) => machine.stateMachineArn)).toEqual(
      expect.arrayContaining([inbox.stateMachineArn, waiter.stateMachineArn]),
    );
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: tokenBeforeCrash, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    const freshToken = await eventually(async () =>
      (await inboxTokens(sfn, inbox.stateMachineArn as string)).find((token) => token !== tokenBeforeCrash),
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: freshToken, output: JSON.stringify({ approved: true }) }));
    const resumed = await eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    });
    expect(resumed.status).toBe('SUCCEEDED');
    expect(JSON.parse(resumed.input as string)).toEqual({ order: 'ünïcødé-42' });

    // Assess: every accepted event ended in exactly one successful execution and one stored item.
    const perEvent = await eventually(
      async () => {
        const { executions = [] } = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: PROBE_MACHINE_ARN, maxResults: 1000 }),
        );
        const grouped = eventIds.map((eventId) =>
          executions.filter((execution) => execution.name?.startsWith(eventId)),
        );
        return grouped.every((group) => group.length === 1 && group[0].status === 'SUCCEEDED') ? grouped : undefined;
      },
      30_000,
      'one successful execution per accepted event',
    );
    expect(perEvent).toHaveLength(50);
    for (const probeId of probeIds) {
      const stored = await dynamodb.send(
        new GetItemCommand({ TableName: 'psflow-dev-probes', Key: { probeId: { S: probeId } } }),
      );
      expect(stored.Item?.probeId.S).toBe(probeId);
    }
    for (const client of [sfn, events, dynamodb]) client.destroy();
  });
});
