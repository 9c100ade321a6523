import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import { DiagnosticsProbeState } from '../../state-machines/diagnostics-probe';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const BUS = 'psflow-dev';
const PROBE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-diagnostics-probe';
const PROBE_TABLE = 'psflow-dev-probes';

function probeEntry(
  probeId: string,
  detail: Record<string, unknown> = {},
): { EventBusName: string; Source: string; DetailType: string; Detail: string } {
  return {
    EventBusName: BUS,
    Source: PsflowSource.Diagnostics,
    DetailType: DiagnosticsDetailType.ProbeRequested,
    Detail: JSON.stringify({ probeId, requestedAt: new Date().toISOString(), ...detail }),
  };
}

describe('the local cloud serving the psflow app', () => {
  let cloud: LocalCloudProcess;
  let events: EventBridgeClient;
  let sfn: SFNClient;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('platform'));
    events = new EventBridgeClient(clientConfig(cloud.url));
    sfn = new SFNClient(clientConfig(cloud.url));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    sqs = new SQSClient(clientConfig(cloud.url));
  });

  afterAll(async () => {
    for (const client of [events, sfn, dynamodb, sqs]) client?.destroy();
    await cloud?.stop();
  });

  async function executionFor(eventId: string): Promise<string> {
    return eventually(
      async () => {
        const { executions = [] } = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: PROBE_MACHINE_ARN, maxResults: 1000 }),
        );
        return executions.find((execution) => execution.name?.startsWith(eventId))?.executionArn;
      },
      20_000,
      `an execution for event ${eventId}`,
    );
  }

  async function closedStatus(executionArn: string): Promise<string> {
    return eventually(async () => {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status === 'RUNNING' ? undefined : status;
    });
  }

  it('prints what it serves, what it does not emulate, and a ready line', () => {
    // Assess
    const output = cloud.output();
    expect(output).toMatch(/tables\s+psflow-dev-probes/);
    expect(output).toMatch(/state machines\s+psflow-dev-diagnostics-probe/);
    expect(output).toMatch(/functions\s+psflow-dev-compute-probe-result/);
    expect(output).toContain(
      'psflow-dev [rules: psflow-dev-probe-requested, psflow-dev-ingest-events, psflow-dev-billing-fixes, psflow-dev-resource-requested, psflow-dev-kpi-events, psflow-dev-procurement-subcontractor-requested]',
    );
    expect(output).toMatch(/sandbox data\s+\d+ demo records and \d+ vendors seeded/);
    expect(output).toMatch(/not emulated:[\s\S]*AWS::Events::Archive[\s\S]*AWS::IAM::Role/);
    expect(output).toMatch(/ready at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('serves the tables, buses, rules and state machines the template declares', async () => {
    // Act
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: PROBE_TABLE }));
    const { EventBuses = [] } = await events.send(new ListEventBusesCommand({}));
    const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: BUS }));
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));

    // Assess
    expect(TableNames).toContain(PROBE_TABLE);
    expect(table.Table?.KeySchema).toEqual([{ AttributeName: 'probeId', KeyType: 'HASH' }]);
    expect(EventBuses.map((bus) => bus.Name)).toEqual(expect.arrayContaining(['default', BUS]));
    expect(Rules.map((rule) => rule.Name).sort()).toEqual([
      'psflow-dev-billing-fixes',
      'psflow-dev-ingest-events',
      'psflow-dev-kpi-events',
      'psflow-dev-probe-requested',
      'psflow-dev-procurement-subcontractor-requested',
      'psflow-dev-resource-requested',
    ]);
    const probeRule = Rules.find((rule) => rule.Name === 'psflow-dev-probe-requested');
    expect(JSON.parse(probeRule?.EventPattern as string)).toEqual({
      source: [PsflowSource.Diagnostics],
      'detail-type': [DiagnosticsDetailType.ProbeRequested],
    });
    expect(stateMachines.map((machine) => machine.stateMachineArn)).toContain(PROBE_MACHINE_ARN);
  });

  it('runs PutEvents → rule → state machine → Lambda → DynamoDB write end to end', async () => {
    // Prepare
    const probeId = `probe-${randomUUID()}`;

    // Act
    const put = await events.send(new PutEventsCommand({ Entries: [probeEntry(probeId)] }));
    const executionArn = await executionFor(put.Entries?.[0].EventId as string);
    const status = await closedStatus(executionArn);

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(status).toBe('SUCCEEDED');
    const stored = await dynamodb.send(
      new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: probeId } } }),
    );
    expect(stored.Item?.eventId.S).toBe(put.Entries?.[0].EventId);
    expect(Number(stored.Item?.latencyMs.N)).toBeGreaterThanOrEqual(0);
    const { events: history = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const entered = history
      .filter((event) => event.stateEnteredEventDetails)
      .map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual(Object.values(DiagnosticsProbeState));
    expect(history.map((event) => event.type)).toEqual(
      expect.arrayContaining(['ExecutionStarted', 'TaskScheduled', 'TaskSucceeded', 'ExecutionSucceeded']),
    );
  });

  it('surfaces a handler error as a Lambda error that fails the execution', async () => {
    // Prepare: the detail breaks the probe contract (requestedAt is not a timestamp).
    const probeId = `probe-${randomUUID()}`;

    // Act
    const put = await events.send(
      new PutEventsCommand({ Entries: [probeEntry(probeId, { requestedAt: 'yesterday' })] }),
    );
    const executionArn = await executionFor(put.Entries?.[0].EventId as string);
    const status = await closedStatus(executionArn);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(status).toBe('FAILED');
    expect(described.error).toBe('InvalidProbeRequest');
    expect(JSON.parse(described.cause as string)).toMatchObject({
      errorType: 'InvalidProbeRequest',
      errorMessage: expect.stringContaining('requestedAt'),
    });
  });

  it('answers each malformed PutEvents entry with what is wrong and accepts the valid ones', async () => {
    // Prepare
    const hostile = [
      { EventBusName: BUS, DetailType: 'Probe Requested', Detail: '{}' },
      {
        EventBusName: BUS,
        Source: PsflowSource.Diagnostics,
        DetailType: 'Probe Requested',
        Detail: '{"unterminated": ',
      },
      { EventBusName: BUS, Source: PsflowSource.Diagnostics, DetailType: 'Probe Requested', Detail: '[1, 2, 3]' },
      { EventBusName: 'no-such-bus', Source: PsflowSource.Diagnostics, DetailType: 'Probe Requested', Detail: '{}' },
      probeEntry(`probe-ünïcødé-✓-${randomUUID()}`),
    ];

    // Act
    const put = await events.send(new PutEventsCommand({ Entries: hostile }));

    // Assess
    expect(put.FailedEntryCount).toBe(4);
    const entries = put.Entries ?? [];
    expect(entries[0]).toMatchObject({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('Source') });
    expect(entries[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(entries[2]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(entries[3]).toMatchObject({
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: expect.stringContaining('no-such-bus'),
    });
    expect(entries[4].EventId).toBeDefined();
    expect(await closedStatus(await executionFor(entries[4].EventId as string))).toBe('SUCCEEDED');
  });

  it('serves SDK clients configured only through AWS_ENDPOINT_URL', async () => {
    // Prepare: a client with no endpoint in code, as Lambda handlers create theirs.
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = cloud.url;
    const plain = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

    // Act
    const listed = await plain.send(new ListStateMachinesCommand({})).finally(() => {
      plain.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previous;
    });

    // Assess
    expect(listed.stateMachines?.map((machine) => machine.name)).toContain('psflow-dev-diagnostics-probe');
  });

  it('rejects more than ten entries as a whole, like AWS', async () => {
    // Act
    const put = events
      .send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => probeEntry('too-many')) }))
      .catch((error: Error) => error);

    // Assess
    await expect(put).resolves.toMatchObject({ name: 'ValidationException' });
  });

  it('retries a failing target delivery and then parks the event in the rule dead-letter queue', async () => {
    // Prepare: accepted by EventBridge (under 256 KiB) but too large for a Step Functions input once wrapped in the envelope.
    const probeId = `oversized-${randomUUID()}`;
    const unpadded = probeEntry(probeId, { padding: '' });
    const entrySize = Buffer.byteLength(unpadded.Source + unpadded.DetailType + unpadded.Detail);
    const entry = probeEntry(probeId, { padding: 'p'.repeat(262_144 - 16 - entrySize) });

    // Act
    const put = await events.send(new PutEventsCommand({ Entries: [entry] }));
    const eventId = put.Entries?.[0].EventId as string;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'psflow-dev-target-dlq' }));
    const message = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
        );
        return Messages.find((candidate) => (JSON.parse(candidate.Body as string) as { id: string }).id === eventId);
      },
      20_000,
      'the dead letter',
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(message.MessageAttributes?.RULE_ARN.StringValue).toContain('psflow-dev-probe-requested');
    expect(message.MessageAttributes?.ERROR_CODE.StringValue).toBe('InvalidExecutionInput');
    expect(message.MessageAttributes?.ERROR_MESSAGE.StringValue).toContain('262144');
  });

  it('starts an execution once per name and input, and refuses other reuse of the name', async () => {
    // Prepare
    const name = `idempotent-${randomUUID()}`;
    const input = JSON.stringify({ id: 'evt-1', detail: { probeId: name, requestedAt: new Date().toISOString() } });

    // Act
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, name, input }));
    const second = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, name, input }))
      .catch((error: Error) => error);
    await closedStatus(first.executionArn as string);
    const afterClose = sfn
      .send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, name, input }))
      .catch((error: Error) => error);
    const differentInput = sfn
      .send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, name, input: '{"other": true}' }))
      .catch((error: Error) => error);

    // Assess: the second call either joined the running execution or (if it had already closed) was refused.
    if (second instanceof Error) expect(second.name).toBe('ExecutionAlreadyExists');
    else expect(second.executionArn).toBe(first.executionArn);
    await expect(afterClose).resolves.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(differentInput).resolves.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('refuses invalid names, inputs and ARNs with the AWS error names', async () => {
    // Act
    const badName = sfn
      .send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, name: 'has space/and:colon' }))
      .catch((error: Error) => error);
    const badInput = sfn
      .send(new StartExecutionCommand({ stateMachineArn: PROBE_MACHINE_ARN, input: '{not json' }))
      .catch((error: Error) => error);
    const hugeInput = sfn
      .send(
        new StartExecutionCommand({
          stateMachineArn: PROBE_MACHINE_ARN,
          input: JSON.stringify({ blob: 'x'.repeat(262_144) }),
        }),
      )
      .catch((error: Error) => error);
    const unknownMachine = sfn
      .send(new StartExecutionCommand({ stateMachineArn: `${PROBE_MACHINE_ARN}-missing` }))
      .catch((error: Error) => error);
    const badArn = sfn
      .send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))
      .catch((error: Error) => error);
    const stopMissing = sfn
      .send(
        new StopExecutionCommand({ executionArn: `${PROBE_MACHINE_ARN.replace('stateMachine', 'execution')}:nope` }),
      )
      .catch((error: Error) => error);

    // Assess
    await expect(badName).resolves.toMatchObject({ name: 'InvalidName' });
    await expect(badInput).resolves.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(hugeInput).resolves.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(unknownMachine).resolves.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(badArn).resolves.toMatchObject({ name: 'InvalidArn' });
    await expect(stopMissing).resolves.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
