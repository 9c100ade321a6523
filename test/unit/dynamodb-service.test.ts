import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { TableSpec } from '../../local/cdk/resource-model';
import { DynamoDbService, dynaliteRequestHeaders } from '../../local/dynamodb/dynamodb-service';

const TABLE: TableSpec = {
  logicalId: 'Orders',
  name: 'psflow-test-orders',
  arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/psflow-test-orders',
  createTableRequest: {
    TableName: 'psflow-test-orders',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
};

describe('the DynamoDB thread', () => {
  let directory: string;
  let service: DynamoDbService;
  const logged: string[] = [];

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-dynamodb-'));
    service = new DynamoDbService(directory, (line) => logged.push(line));
    await service.start([TABLE]);
  });

  afterEach(async () => {
    await service.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('hands over tables that are already ACTIVE, so the first write cannot meet a table still CREATING', async () => {
    // Act
    const described = await service.call('DescribeTable', { TableName: TABLE.name });

    // Assess
    expect(described).toMatchObject({ Table: { TableName: TABLE.name, TableStatus: 'ACTIVE' } });
  });

  it('is restarted on the same address after it dies, says so, and keeps the data', async () => {
    // Prepare
    await service.call('PutItem', { TableName: TABLE.name, Item: { pk: { S: 'kept' } } });
    const endpoint = service.endpoint;
    await service.statistics(); // counts reported before a crash survive it

    // Act
    service.crashForTest();
    const deadline = Date.now() + 20_000;
    while ((service.status.restarts === 0 || service.status.state !== 'running') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(service.status).toMatchObject({
      state: 'running',
      restarts: 1,
      lastFailure: { message: expect.stringContaining('crash requested') },
    });
    expect(logged.join('\n')).toMatch(/the DynamoDB thread stopped unexpectedly .*restarting it/);
    expect(service.endpoint).toBe(endpoint);
    await expect(service.call('GetItem', { TableName: TABLE.name, Key: { pk: { S: 'kept' } } })).resolves.toEqual({
      Item: { pk: { S: 'kept' } },
    });
    await expect(service.statistics()).resolves.toMatchObject({ PutItem: 1, GetItem: 1 });
  });

  it('reports its statistics without waiting on a thread that is being restarted', async () => {
    // Prepare
    service.crashForTest();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act
    const started = Date.now();
    const statistics = await service.statistics();

    // Assess
    expect(Date.now() - started).toBeLessThan(1500);
    expect(statistics).toEqual(expect.any(Object));
  });

  it('closes the LevelDB iterators of scans and queries, whether read to their end or cut short by a limit', async () => {
    // Prepare: an open LevelDB iterator pins the table files it read, mapped and undeletable
    for (let index = 0; index < 5; index++)
      await service.call('PutItem', { TableName: TABLE.name, Item: { pk: { S: `order-${index}` } } });

    // Act
    for (let round = 0; round < 20; round++) {
      await service.call('Scan', { TableName: TABLE.name });
      await service.call('Scan', { TableName: TABLE.name, Limit: 2 });
      await service.call('Query', {
        TableName: TABLE.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `order-${round % 5}` } },
      });
    }
    await service.statistics();

    // Assess
    expect(service.status.openIterators).toBe(0);
  });

  it('reads a table description from LevelDB once, not once per request and once more per key of a batch', async () => {
    // Prepare
    const keys = Array.from({ length: 40 }, (_, index) => ({ pk: { S: `order-${index}` } }));
    for (const key of keys) await service.call('PutItem', { TableName: TABLE.name, Item: key });
    await service.statistics();
    const readsBefore = service.status.tableDescriptionReads ?? 0;

    // Act
    const batch = await service.call('BatchGetItem', { RequestItems: { [TABLE.name]: { Keys: keys } } });
    for (const key of keys.slice(0, 10)) await service.call('GetItem', { TableName: TABLE.name, Key: key });
    await service.statistics();

    // Assess
    expect(batch).toMatchObject({ Responses: { [TABLE.name]: expect.any(Array) } });
    expect(batch.Responses).toEqual({ [TABLE.name]: expect.arrayContaining(keys) });
    expect(service.status.tableDescriptionReads).toEqual(expect.any(Number));
    expect((service.status.tableDescriptionReads ?? 0) - readsBefore).toBeLessThanOrEqual(1);
  });

  it('reads the keys of a batch and of concurrent requests from LevelDB together, each answered with its own item', async () => {
    // Prepare: 40 items, unicode and nested values among them; 5 of the keys asked for do not exist.
    const items = Array.from({ length: 40 }, (_, index) => ({
      pk: { S: `batched-${index}` },
      name: { S: `Łódź ✓ ${index}` },
      nested: { M: { index: { N: String(index) } } },
    }));
    for (const Item of items) await service.call('PutItem', { TableName: TABLE.name, Item });
    const missing = Array.from({ length: 5 }, (_, index) => ({ pk: { S: `absent-${index}` } }));
    await service.statistics();
    const before = service.status.batchedReads ?? { batches: 0, reads: 0 };

    // Act
    const batch = await service.call('BatchGetItem', {
      RequestItems: { [TABLE.name]: { Keys: [...items.map(({ pk }) => ({ pk })), ...missing] } },
    });
    const single = await Promise.all(
      [...items.slice(0, 6), ...missing.slice(0, 2)].map(({ pk }) =>
        service.call('GetItem', { TableName: TABLE.name, Key: { pk } }),
      ),
    );
    await service.statistics();

    // Assess
    expect(batch.Responses).toEqual({ [TABLE.name]: expect.arrayContaining(items) });
    expect(JSON.stringify(batch.Responses).match(/"batched-\d+"/g)).toHaveLength(40);
    expect(single).toEqual([...items.slice(0, 6).map((Item) => ({ Item })), {}, {}]);
    const after = service.status.batchedReads ?? { batches: 0, reads: 0 };
    // 45 keys of the batch in one read; the 8 concurrent requests in a few more, not one each.
    expect(after.reads - before.reads).toBeGreaterThanOrEqual(45);
    expect(after.batches - before.batches).toBeLessThanOrEqual(4);
  });

  it('answers with a table description as changed by UpdateTable, DeleteTable and CreateTable at once', async () => {
    // Prepare
    await service.call('PutItem', { TableName: TABLE.name, Item: { pk: { S: 'before' } } });
    await service.call('DescribeTable', { TableName: TABLE.name });

    // Act and assess: each change shows in the very next request
    await service.call('UpdateTable', {
      TableName: TABLE.name,
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
    });
    await expect(service.call('DescribeTable', { TableName: TABLE.name })).resolves.toMatchObject({
      Table: { BillingModeSummary: { BillingMode: 'PROVISIONED' }, ProvisionedThroughput: { ReadCapacityUnits: 7 } },
    });
    await service.call('DeleteTable', { TableName: TABLE.name });
    await expect(
      service.call('GetItem', { TableName: TABLE.name, Key: { pk: { S: 'before' } } }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await service.call('CreateTable', {
      ...TABLE.createTableRequest,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    });
    // A new table is CREATING until dynalite's own timer writes it ACTIVE, as in AWS
    const deadline = Date.now() + 5000;
    let described = await service.call('DescribeTable', { TableName: TABLE.name });
    while (JSON.stringify(described).includes('"CREATING"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      described = await service.call('DescribeTable', { TableName: TABLE.name });
    }
    expect(described).toMatchObject({
      Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], TableStatus: 'ACTIVE' },
    });
    await expect(
      service.call('PutItem', { TableName: TABLE.name, Item: { pk: { S: 'old key' } } }),
    ).rejects.toMatchObject({ name: expect.stringContaining('ValidationException') });
  });

  it('sends each response with the CRC-32 of its UTF-8 bytes, unicode included', async () => {
    // Prepare
    const item = { pk: { S: 'ünïcødé 🎉 日本' }, note: { S: 'x'.repeat(5000) } };
    await service.call('PutItem', { TableName: TABLE.name, Item: item });
    const payload = JSON.stringify({ TableName: TABLE.name, Key: { pk: item.pk } });

    // Act
    const { header, body } = await new Promise<{ header: string | string[] | undefined; body: Buffer }>(
      (resolve, reject) => {
        const request = http.request(
          `${service.endpoint}/`,
          {
            method: 'POST',
            headers: dynaliteRequestHeaders('GetItem', payload),
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ header: response.headers['x-amz-crc32'], body: Buffer.concat(chunks) }));
          },
        );
        request.on('error', reject);
        request.end(payload);
      },
    );

    // Assess
    expect(JSON.parse(body.toString('utf8'))).toEqual({ Item: item });
    expect(header).toBe(String(zlib.crc32(body)));
  });
});
