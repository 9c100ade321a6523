import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';
import { LOCAL_APPFLOW_SOURCE, LOCAL_EVENT_RELAY_SOURCE } from '../support/partner-events';
import { runPsflow } from '../support/psflow-cli';

const PROBE_TABLE = 'psflow-dev-probes';
const BUS = 'psflow-dev';
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

function probeEntry(
  marker: string,
  detail: string = JSON.stringify({ probeId: marker, requestedAt: new Date().toISOString() }),
): PutEventsRequestEntry {
  return {
    EventBusName: BUS,
    Source: PsflowSource.Diagnostics,
    DetailType: DiagnosticsDetailType.ProbeRequested,
    Detail: detail,
  };
}

async function partnerPut(
  url: string,
  entries: unknown[],
): Promise<{
  status: number;
  body: { FailedEntryCount?: number; Entries?: Array<Record<string, string>>; message?: string };
}> {
  const response = await fetch(`${url}/_psflow/partner-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Entries: entries }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      FailedEntryCount?: number;
      Entries?: Array<Record<string, string>>;
      message?: string;
    },
  };
}
const NESTING_MESSAGE =
  'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

/** An attribute value wrapped in `wraps` maps. */
function nestedMap(wraps: number): Record<string, unknown> {
  let value: Record<string, unknown> = { S: 'leaf' };
  for (let index = 0; index < wraps; index++) value = { M: { n: value } };
  return value;
}

async function health(url: string): Promise<{ status: string; dynamodbThread: { state: string; restarts: number } }> {
  const response = await fetch(`${url}/_psflow/health`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as { status: string; dynamodbThread: { state: string; restarts: number } };
}

describe("the local cloud holding requests to AWS's limits", () => {
  let cloud: LocalCloudProcess;
  let dynamodb: DynamoDBClient;
  let events: EventBridgeClient;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('limits'));
    dynamodb = new DynamoDBClient({ ...clientConfig(cloud.url), maxAttempts: 1 });
    events = new EventBridgeClient({ ...clientConfig(cloud.url), maxAttempts: 1 });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    events?.destroy();
    await cloud?.stop();
  });

  describe('DynamoDB', () => {
    it('refuses an item nested past 32 levels with AWS ValidationException', async () => {
      // Prepare
      const probeId = randomUUID();

      // Act
      const refused = dynamodb.send(
        new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, data: nestedMap(32) as never } }),
      );
      await dynamodb.send(
        new PutItemCommand({
          TableName: PROBE_TABLE,
          Item: { probeId: { S: `${probeId}-31` }, data: nestedMap(31) as never },
        }),
      );

      // Assess
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', message: NESTING_MESSAGE });
      const stored = await dynamodb.send(
        new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: `${probeId}-31` } } }),
      );
      expect(stored.Item?.data?.M).toBeDefined();
    });

    it('answers an item nested 10,000 levels deep with ValidationException and keeps serving', async () => {
      // Prepare: the SDK's own serializer cannot build such a body, so the request is replaced on its way out.
      const probeId = randomUUID();
      const deep = '{"M":{"n":'.repeat(10_000) + '{"S":"leaf"}' + '}}'.repeat(10_000);
      const body = `{"TableName":"${PROBE_TABLE}","Item":{"probeId":{"S":"${probeId}"},"data":${deep}}}`;
      const command = new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId } } });
      command.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { body: string; headers: Record<string, string> };
          request.body = body;
          request.headers['content-length'] = String(Buffer.byteLength(body));
          return next(args);
        },
        { step: 'finalizeRequest' },
      );

      // Act
      const refused = dynamodb.send(command);

      // Assess
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', message: NESTING_MESSAGE });
      await dynamodb.send(
        new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, ok: { BOOL: true } } }),
      );
      const stored = await dynamodb.send(
        new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: probeId } } }),
      );
      expect(stored.Item).toEqual({ probeId: { S: probeId }, ok: { BOOL: true } });
      await expect(health(cloud.url)).resolves.toMatchObject({
        status: 'ready',
        dynamodbThread: { state: 'running', restarts: 0 },
      });
    });

    it('refuses an item over 400 KB and a partition key over 2048 bytes, counted in UTF-8 as AWS counts', async () => {
      // Prepare: 210,000 two-byte characters are 420,000 bytes; 1,100 of them are 2,200 bytes.
      const probeId = randomUUID();

      // Act
      const tooLarge = dynamodb.send(
        new PutItemCommand({
          TableName: PROBE_TABLE,
          Item: { probeId: { S: probeId }, text: { S: 'é'.repeat(210_000) } },
        }),
      );
      const longKey = dynamodb.send(
        new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: 'é'.repeat(1_100) } } }),
      );

      // Assess: both expectations are attached at once, because the short key is refused while the
      // large item is still uploading, and a rejection nobody is awaiting yet fails the run.
      await Promise.all([
        expect(tooLarge).rejects.toMatchObject({
          name: 'ValidationException',
          message: 'Item size has exceeded the maximum allowed size',
        }),
        expect(longKey).rejects.toMatchObject({
          name: 'ValidationException',
          message:
            'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
        }),
      ]);
    });
  });

  describe('PutEvents', () => {
    const journal = (): string => fs.readFileSync(path.join(cloud.dataDirectory, 'events.log'), 'utf8');

    it('answers a Detail nested 10,000 levels deep as a malformed entry and accepts the others', async () => {
      // Prepare
      const [first, second] = [randomUUID(), randomUUID()];
      const deep = `{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;

      // Act
      const put = await events.send(
        new PutEventsCommand({ Entries: [probeEntry(first), probeEntry('deep', deep), probeEntry(second)] }),
      );

      // Assess
      expect(put.FailedEntryCount).toBe(1);
      expect(put.Entries?.[1]).toMatchObject({
        ErrorCode: 'MalformedDetail',
        ErrorMessage: expect.stringContaining('1100'),
      });
      expect(put.Entries?.[0].EventId).toBeDefined();
      expect(put.Entries?.[2].EventId).toBeDefined();
      expect(journal()).toContain(first);
      expect(journal()).toContain(second);
    });

    it('refuses entries over 256 KB in all with ValidationException and journals none of them', async () => {
      // Prepare: four entries of 100 KB, each well under the limit, together over it.
      const markers = [1, 2, 3, 4].map(() => randomUUID());
      const entries = markers.map((marker) =>
        probeEntry(
          marker,
          JSON.stringify({ probeId: marker, requestedAt: new Date().toISOString(), blob: 'x'.repeat(100 * 1024) }),
        ),
      );

      // Act
      const put = events.send(new PutEventsCommand({ Entries: entries }));

      // Assess
      await expect(put).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
      for (const marker of markers) expect(journal()).not.toContain(marker);
    });

    it("refuses a customer's entry whose source begins with aws., as AWS does", async () => {
      // Prepare
      const marker = randomUUID();
      const partner = {
        EventBusName: BUS,
        Source: LOCAL_EVENT_RELAY_SOURCE,
        DetailType: 'OpportunityChangeEvent',
        Detail: JSON.stringify({ marker }),
      };
      const service = {
        EventBusName: BUS,
        Source: 'aws.s3',
        DetailType: 'Object Created',
        Detail: JSON.stringify({ marker }),
      };

      // Act
      const put = await events.send(new PutEventsCommand({ Entries: [partner, service, probeEntry(randomUUID())] }));

      // Assess
      expect(put.FailedEntryCount).toBe(2);
      expect(put.Entries?.slice(0, 2)).toEqual([
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      ]);
      expect(journal()).not.toContain(marker);
    });
  });

  describe('partner events', () => {
    it('arrive on the partner event bus named after their source, which the stack listens on', async () => {
      // Prepare
      const marker = randomUUID();

      // Act
      const put = await partnerPut(cloud.url, [
        { Source: LOCAL_EVENT_RELAY_SOURCE, DetailType: 'OpportunityChangeEvent', Detail: JSON.stringify({ marker }) },
        { Source: LOCAL_APPFLOW_SOURCE, DetailType: 'OpportunityChangeEvent', Detail: JSON.stringify({ marker }) },
      ]);
      const records = fs
        .readFileSync(path.join(cloud.dataDirectory, 'events.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes(marker))
        .map((line) => JSON.parse(line) as { bus: string; event: { source: string } });
      const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: LOCAL_EVENT_RELAY_SOURCE }));

      // Assess
      expect(put).toMatchObject({ status: 200, body: { FailedEntryCount: 0 } });
      expect(records.map((record) => [record.bus, record.event.source])).toEqual([
        [LOCAL_EVENT_RELAY_SOURCE, LOCAL_EVENT_RELAY_SOURCE],
        [LOCAL_APPFLOW_SOURCE, LOCAL_APPFLOW_SOURCE],
      ]);
      expect(Rules.map((rule) => rule.EventBusName)).toEqual([LOCAL_EVENT_RELAY_SOURCE]);
    });

    it('are refused with the reason when no stack names their bus, or their source is not a partner', async () => {
      // Act
      const put = await partnerPut(cloud.url, [
        {
          Source: 'aws.partner/salesforce.com/00DUNKNOWN/0YLUNKNOWN',
          DetailType: 'OpportunityChangeEvent',
          Detail: '{}',
        },
        { Source: PsflowSource.Diagnostics, DetailType: 'Probe Requested', Detail: '{}' },
      ]);

      // Assess
      expect(put.body.FailedEntryCount).toBe(2);
      expect(put.body.Entries?.[0]).toMatchObject({
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: expect.stringContaining('partnerEventBuses=aws.partner/salesforce.com/00DUNKNOWN/0YLUNKNOWN'),
      });
      expect(put.body.Entries?.[1]).toMatchObject({
        ErrorCode: 'InvalidArgument',
        ErrorMessage: expect.stringContaining('not a partner event source'),
      });
    });

    it('are put by `psflow events put` from the samples, on their partner buses', async () => {
      // Act
      const result = await runPsflow(cloud.url, [
        'events',
        'put',
        path.join(PROJECT_ROOT, 'samples', 'salesforce-event-relay-opportunity-won.json'),
        path.join(PROJECT_ROOT, 'samples', 'salesforce-appflow-opportunity-won.json'),
        '--json',
      ]);
      const answers = JSON.parse(result.stdout) as Array<{ eventId?: string; error?: string }>;
      const buses = await eventually(
        async () => {
          const lines = fs.readFileSync(path.join(cloud.dataDirectory, 'events.log'), 'utf8').split('\n');
          const found = answers.map((answer) =>
            lines.find((line) => answer.eventId !== undefined && line.includes(answer.eventId)),
          );
          return found.every(Boolean)
            ? found.map((line) => (JSON.parse(line as string) as { bus: string }).bus)
            : undefined;
        },
        5_000,
        'the sample events in the journal',
      );

      // Assess
      expect(result.code).toBe(0);
      expect(buses).toEqual([LOCAL_EVENT_RELAY_SOURCE, LOCAL_APPFLOW_SOURCE]);
    });
  });

  describe('rules', () => {
    it('are described by DescribeRule, listed by ListRules and their targets by ListTargetsByRule', async () => {
      // Prepare
      const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: LOCAL_EVENT_RELAY_SOURCE }));
      const name = Rules[0]?.Name as string;

      // Act
      const described = await events.send(
        new DescribeRuleCommand({ Name: name, EventBusName: LOCAL_EVENT_RELAY_SOURCE }),
      );
      const { Targets = [] } = await events.send(
        new ListTargetsByRuleCommand({ Rule: name, EventBusName: LOCAL_EVENT_RELAY_SOURCE }),
      );
      const missing = events.send(new DescribeRuleCommand({ Name: 'no-such-rule', EventBusName: BUS }));

      // Assess
      expect(described).toMatchObject({
        Name: name,
        Arn: Rules[0]?.Arn,
        EventBusName: LOCAL_EVENT_RELAY_SOURCE,
        State: 'ENABLED',
        EventPattern: Rules[0]?.EventPattern,
        CreatedBy: '000000000000',
      });
      expect(JSON.parse(described.EventPattern as string)).toEqual({
        source: [{ prefix: 'aws.partner/salesforce.com/' }],
      });
      expect(Targets).toEqual([
        expect.objectContaining({
          Id: expect.any(String),
          Arn: expect.stringContaining(':function:'),
          RetryPolicy: expect.any(Object),
        }),
      ]);
      await expect(missing).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: `Rule no-such-rule does not exist on EventBus ${BUS}.`,
      });
    });
  });
});
