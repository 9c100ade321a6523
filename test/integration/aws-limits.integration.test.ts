import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { clientConfig, type LocalCloudProcess, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';

const PROBE_TABLE = 'psflow-dev-probes';
const NESTING_MESSAGE = 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

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

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('limits'));
    dynamodb = new DynamoDBClient({ ...clientConfig(cloud.url), maxAttempts: 1 });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await cloud?.stop();
  });

  describe('DynamoDB', () => {
    it('refuses an item nested past 32 levels with AWS ValidationException', async () => {
      // Prepare
      const probeId = randomUUID();

      // Act
      const refused = dynamodb.send(new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, data: nestedMap(32) as never } }));
      await dynamodb.send(new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: `${probeId}-31` }, data: nestedMap(31) as never } }));

      // Assess
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', message: NESTING_MESSAGE });
      const stored = await dynamodb.send(new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: `${probeId}-31` } } }));
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
      await dynamodb.send(new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, ok: { BOOL: true } } }));
      const stored = await dynamodb.send(new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: probeId } } }));
      expect(stored.Item).toEqual({ probeId: { S: probeId }, ok: { BOOL: true } });
      await expect(health(cloud.url)).resolves.toMatchObject({ status: 'ready', dynamodbThread: { state: 'running', restarts: 0 } });
    });

    it('refuses an item over 400 KB and a partition key over 2048 bytes, counted in UTF-8 as AWS counts', async () => {
      // Prepare: 210,000 two-byte characters are 420,000 bytes; 1,100 of them are 2,200 bytes.
      const probeId = randomUUID();

      // Act
      const tooLarge = dynamodb.send(new PutItemCommand({ TableName: PROBE_TABLE, Item: { probeId: { S: probeId }, text: { S: 'é'.repeat(210_000) } } }));
      const longKey = dynamodb.send(new GetItemCommand({ TableName: PROBE_TABLE, Key: { probeId: { S: 'é'.repeat(1_100) } } }));

      // Assess
      await expect(tooLarge).rejects.toMatchObject({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
      await expect(longKey).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
      });
    });
  });
});
