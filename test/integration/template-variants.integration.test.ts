import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { TemplateValue } from '../../local/cdk/cloud-assembly';
import {
  clientConfig,
  cloudAssemblyVariant,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * The local cloud serves whatever a cloud assembly declares. These suites serve copies of the
 * app's cdk.out with resources added, to cover template features the app does not use yet.
 */
const CDK_OUT = path.resolve(__dirname, '..', '..', 'cdk.out');
const TEMPLATE = 'psflow-dev.template.json';
const PROBE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-diagnostics-probe';

type Resources = Record<string, { Type: string; Properties: Record<string, TemplateValue> }>;

function logicalIdOf(resources: Resources, type: string): string {
  const found = Object.keys(resources).find((logicalId) => resources[logicalId].Type === type);
  if (!found) throw new Error(`no ${type} in ${TEMPLATE}`);
  return found;
}

/** A copy of cdk.out whose template the caller changes. */
function variantOfCdkOut(change: (resources: Resources) => void): string {
  const directory = cloudAssemblyVariant(CDK_OUT, 'cdk-out');
  const templatePath = path.join(directory, TEMPLATE);
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources: Resources };
  change(template.Resources);
  fs.writeFileSync(templatePath, JSON.stringify(template));
  return directory;
}

function rule(
  resources: Resources,
  eventPattern: TemplateValue,
  target: Record<string, TemplateValue>,
): { Type: string; Properties: Record<string, TemplateValue> } {
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      EventBusName: { Ref: logicalIdOf(resources, 'AWS::Events::EventBus') },
      EventPattern: eventPattern,
      State: 'ENABLED',
      Targets: [{ Id: 'Target0', ...target }],
    },
  };
}

describe('a cloud assembly with more than the app uses today', () => {
  let cloud: LocalCloudProcess;
  let events: EventBridgeClient;
  let sfn: SFNClient;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    const cdkOut = variantOfCdkOut((resources) => {
      const machine = logicalIdOf(resources, 'AWS::StepFunctions::StateMachine');
      const fn = logicalIdOf(resources, 'AWS::Lambda::Function');
      const queue = logicalIdOf(resources, 'AWS::SQS::Queue');
      resources.FixtureIndexedTable = {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'fixture-indexed',
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: ['pk', 'sk', 'status', 'createdAt'].map((name) => ({
            AttributeName: name,
            AttributeType: 'S',
          })),
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byStatus',
              KeySchema: [
                { AttributeName: 'status', KeyType: 'HASH' },
                { AttributeName: 'createdAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          LocalSecondaryIndexes: [
            {
              IndexName: 'byCreatedAt',
              KeySchema: [
                { AttributeName: 'pk', KeyType: 'HASH' },
                { AttributeName: 'createdAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        },
      };
      resources.FixtureTransformRule = rule(
        resources,
        { source: ['fixture.transform'], detail: { amount: [{ numeric: ['>', 100] }] } },
        {
          Arn: { Ref: machine },
          InputTransformer: {
            InputPathsMap: { reference: '$.detail.ref', at: '$.time' },
            InputTemplate:
              '{"id": "transformed", "detail": {"probeId": "<reference>", "requestedAt": "<at>", "requestedBy": "<aws.events.rule-name>"}}',
          },
        },
      );
      resources.FixtureAlarmsTopic = { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'fixture-alarms' } };
      resources.FixtureNotificationsQueue = {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: 'fixture-notifications' },
      };
      resources.FixtureNotifyMachine = {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'fixture-notify',
          RoleArn: 'arn:aws:iam::000000000000:role/fixture',
          DefinitionString: JSON.stringify({
            StartAt: 'RaiseAlarm',
            States: {
              RaiseAlarm: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sns:publish',
                Parameters: { TopicArn: '${AlarmsTopic}', Subject: 'Drill alarm', 'Message.$': '$.alarm' },
                ResultPath: '$.published',
                Next: 'Notify',
              },
              Notify: {
                Type: 'Task',
                Resource: 'arn:aws:states:::sqs:sendMessage',
                Parameters: {
                  QueueUrl: '${NotificationsQueue}',
                  'MessageBody.$': '$.alarm',
                  MessageAttributes: { kind: { DataType: 'String', StringValue: 'alarm' } },
                },
                ResultPath: '$.sent',
                End: true,
              },
            },
          }),
          DefinitionSubstitutions: {
            AlarmsTopic: { Ref: 'FixtureAlarmsTopic' },
            NotificationsQueue: { Ref: 'FixtureNotificationsQueue' },
          },
        },
      };
      resources.FixtureLambdaRule = rule(
        resources,
        { source: ['fixture.lambda'] },
        {
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          InputPath: '$.detail',
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
        },
      );
    });
    cloud = await startLocalCloud(temporaryDataDirectory('variants'), ['--cdk-out', cdkOut]);
    events = new EventBridgeClient(clientConfig(cloud.url));
    sfn = new SFNClient(clientConfig(cloud.url));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    sqs = new SQSClient(clientConfig(cloud.url));
  });

  afterAll(async () => {
    for (const client of [events, sfn, dynamodb, sqs]) client?.destroy();
    await cloud?.stop();
  });

  it('creates global and local secondary indexes from the template', async () => {
    // Act
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'fixture-indexed' }));

    // Assess
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => [
        index.IndexName,
        index.KeySchema?.map((key) => key.AttributeName),
      ]),
    ).toEqual([['byStatus', ['status', 'createdAt']]]);
    expect(Table?.LocalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType])).toEqual([
      ['byCreatedAt', 'KEYS_ONLY'],
    ]);
  });

  it('matches numeric filters and shapes the input with the InputTransformer', async () => {
    // Prepare
    const reference = `ref-${randomUUID()}`;
    const entry = (amount: number): { EventBusName: string; Source: string; DetailType: string; Detail: string } => ({
      EventBusName: 'psflow-dev',
      Source: 'fixture.transform',
      DetailType: 'Amount Seen',
      Detail: JSON.stringify({ ref: reference, amount }),
    });

    // Act
    const ignored = await events.send(new PutEventsCommand({ Entries: [entry(100)] }));
    const matched = await events.send(new PutEventsCommand({ Entries: [entry(100.5)] }));
    const matchedId = matched.Entries?.[0].EventId as string;
    const executionArn = await eventually(async () => {
      const { executions = [] } = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: PROBE_MACHINE_ARN, maxResults: 1000 }),
      );
      return executions.find((execution) => execution.name?.startsWith(matchedId))?.executionArn;
    });
    const described = await eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    });
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: PROBE_MACHINE_ARN, maxResults: 1000 }),
    );

    // Assess
    expect(JSON.parse(described.input as string)).toEqual({
      id: 'transformed',
      detail: {
        probeId: reference,
        requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        requestedBy: 'psflow-dev-FixtureTransformRule',
      },
    });
    expect(described.status).toBe('SUCCEEDED');
    expect(
      executions.filter((execution) => execution.name?.startsWith(ignored.Entries?.[0].EventId as string)),
    ).toEqual([]);
  });

  it('dispatches sns:publish and sqs:sendMessage tasks to the topic and the queue of the template', async () => {
    // Prepare
    const alarmId = `alarm-${randomUUID()}`;

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-notify',
        input: JSON.stringify({ alarm: { alarmId } }),
      }),
    );
    const described = await eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    });
    const published = (await (await fetch(`${cloud.url}/_psflow/sns/fixture-alarms`)).json()) as {
      messages: Array<{ MessageId: string; Subject?: string; Message: string }>;
    };
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'fixture-notifications' }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output as string) as {
      published: { MessageId: string };
      sent: { MessageId: string };
    };
    expect(published.messages).toEqual([
      expect.objectContaining({
        MessageId: output.published.MessageId,
        Subject: 'Drill alarm',
        Message: JSON.stringify({ alarmId }),
      }),
    ]);
    const sent = Messages.find((message) => message.MessageId === output.sent.MessageId);
    expect(JSON.parse(sent?.Body as string)).toEqual({ alarmId });
    expect(sent?.MessageAttributes?.kind.StringValue).toBe('alarm');
  });

  it('invokes a Lambda target with the InputPath and parks the event when the function fails', async () => {
    // Prepare: the function expects {detail: ...}; InputPath hands it the bare detail, so it fails.
    const probeId = `lambda-${randomUUID()}`;

    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'psflow-dev',
            Source: 'fixture.lambda',
            DetailType: 'Probe',
            Detail: JSON.stringify({ probeId }),
          },
        ],
      }),
    );
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
    expect(message.MessageAttributes?.TARGET_ARN.StringValue).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:psflow-dev-compute-probe-result',
    );
    expect(message.MessageAttributes?.ERROR_CODE.StringValue).toBe('InvalidProbeRequest');
    expect(message.MessageAttributes?.ERROR_MESSAGE.StringValue).toContain('Probe request is invalid');
  });
});

describe('a cloud assembly the local cloud cannot serve faithfully', () => {
  async function startFailure(change: (resources: Resources) => void): Promise<string> {
    const cdkOut = variantOfCdkOut(change);
    const started = await startLocalCloud(temporaryDataDirectory('refused'), ['--cdk-out', cdkOut]).then(
      async (cloud) => {
        await cloud.stop();
        return undefined;
      },
      (error: Error) => error.message,
    );
    if (started === undefined) throw new Error('the local cloud started');
    return started;
  }

  it('refuses an invalid event pattern at start, naming the rule', async () => {
    // Act
    const message = await startFailure((resources) => {
      resources.BrokenRule = rule(
        resources,
        { source: [{ prefix: 5 }] },
        { Arn: { Ref: logicalIdOf(resources, 'AWS::StepFunctions::StateMachine') } },
      );
    });

    // Assess
    expect(message).toContain(
      'Rule psflow-dev-BrokenRule: Event pattern is not valid. Reason: prefix match pattern must be a string',
    );
  });

  it('refuses integrations it cannot dispatch at start, naming every offending state of every state machine', async () => {
    // Act
    const machine = (name: string, resource: string): { Type: string; Properties: Record<string, TemplateValue> } => ({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: name,
        RoleArn: 'arn:aws:iam::000000000000:role/fixture',
        DefinitionString: JSON.stringify({
          StartAt: 'RunContainer',
          States: {
            RunContainer: { Type: 'Task', Resource: resource, Next: 'Remember' },
            Remember: { Type: 'Pass', Assign: { seen: true }, End: true },
          },
        }),
      },
    });
    const message = await startFailure((resources) => {
      resources.ContainerMachine = machine('fixture-containers', 'arn:aws:states:::ecs:runTask.sync');
      resources.BatchMachine = machine('fixture-batch', 'arn:aws:states:::batch:submitJob.sync');
    });

    // Assess
    expect(message).toContain(
      'State machine fixture-containers, state RunContainer: integration arn:aws:states:::ecs:runTask.sync is not dispatched by the local cloud',
    );
    expect(message).toContain('State machine fixture-containers, state Remember: Assign');
    expect(message).toContain(
      'State machine fixture-batch, state RunContainer: integration arn:aws:states:::batch:submitJob.sync is not dispatched by the local cloud',
    );
    expect(message).toContain('State machine fixture-batch, state Remember: Assign');
  });

  it('refuses a rule target of a kind it does not serve, naming the rule and target', async () => {
    // Act
    const message = await startFailure((resources) => {
      resources.TopicRule = rule(
        resources,
        { source: ['fixture.topic'] },
        { Arn: 'arn:aws:sns:us-east-1:000000000000:fixture-topic' },
      );
    });

    // Assess
    expect(message).toContain(
      'Rule psflow-dev-TopicRule, target Target0 (arn:aws:sns:us-east-1:000000000000:fixture-topic): only Step Functions, Lambda and SQS targets are served locally',
    );
  });
});
