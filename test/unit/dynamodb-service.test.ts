import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TableSpec } from '../../local/cdk/resource-model';
import { DynamoDbService } from '../../local/dynamodb/dynamodb-service';

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
});
