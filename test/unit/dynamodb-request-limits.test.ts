import {
  attributeValueLevels,
  checkDynamoDbRequest,
  DYNAMODB_LIMIT_MESSAGES,
  itemBytes,
  type TableKeys,
} from '../../local/dynamodb/request-limits';
import { jsonTextDepth } from '../../local/http/json-depth';

const KEYS: Record<string, TableKeys> = { orders: { partitionKey: 'pk', sortKey: 'sk' } };
const keysOf = (table: string): TableKeys | undefined => KEYS[table];

/** An attribute value wrapped in `wraps` maps, as AWS's own boundary tests build it. */
function nestedMap(wraps: number): unknown {
  let value: unknown = { S: 'leaf' };
  for (let index = 0; index < wraps; index++) value = { M: { n: value } };
  return value;
}

/** The same, written out as text, which works at any depth. */
function nestedMapText(wraps: number): string {
  return '{"M":{"n":'.repeat(wraps) + '{"S":"leaf"}' + '}}'.repeat(wraps);
}

function putItem(data: unknown, key: Record<string, unknown> = { pk: { S: 'p' }, sk: { S: 's' } }): string {
  return JSON.stringify({ TableName: 'orders', Item: { ...key, data } });
}

describe('DynamoDB request limits', () => {
  it('accepts 31 map wraps and refuses 32 with AWS message, as DynamoDB does', () => {
    // Prepare
    const accepted = putItem(nestedMap(31));
    const refused = putItem(nestedMap(32));

    // Act
    const outcomes = [
      checkDynamoDbRequest('PutItem', accepted, keysOf),
      checkDynamoDbRequest('PutItem', refused, keysOf),
    ];

    // Assess
    expect(outcomes).toEqual([undefined, DYNAMODB_LIMIT_MESSAGES.nesting]);
    expect(attributeValueLevels(nestedMap(31))).toBe(32);
  });

  it('refuses a value nested 10,000 levels deep without recursing into it', () => {
    // Prepare
    const body = `{"TableName":"orders","Item":{"pk":{"S":"p"},"sk":{"S":"s"},"data":${nestedMapText(10_000)}}}`;

    // Act
    const outcome = checkDynamoDbRequest('PutItem', body, keysOf);

    // Assess
    expect(jsonTextDepth(body)).toBeGreaterThan(20_000);
    expect(outcome).toBe(DYNAMODB_LIMIT_MESSAGES.nesting);
  });

  it('checks nesting in keys, expression values, batch writes and batch gets', () => {
    // Prepare
    const deep = nestedMap(32);
    const requests: Array<[string, unknown]> = [
      [
        'UpdateItem',
        {
          TableName: 'orders',
          Key: { pk: { S: 'p' }, sk: { S: 's' } },
          UpdateExpression: 'SET d = :d',
          ExpressionAttributeValues: { ':d': deep },
        },
      ],
      ['Query', { TableName: 'orders', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': deep } }],
      [
        'BatchWriteItem',
        { RequestItems: { orders: [{ PutRequest: { Item: { pk: { S: 'p' }, sk: { S: 's' }, d: deep } } }] } },
      ],
      ['BatchGetItem', { RequestItems: { orders: { Keys: [{ pk: deep, sk: { S: 's' } }] } } }],
      ['PutItem', { TableName: 'orders', Item: { pk: { S: 'p' }, sk: { S: 's' } }, Expected: { d: { Value: deep } } }],
    ];

    // Act
    const outcomes = requests.map(([operation, request]) =>
      checkDynamoDbRequest(operation, JSON.stringify(request), keysOf),
    );

    // Assess
    expect(outcomes).toEqual(requests.map(() => DYNAMODB_LIMIT_MESSAGES.nesting));
  });

  it('counts item size in UTF-8 bytes and refuses an item over 400 KB', () => {
    // Prepare: 140,000 two-byte characters are 280,000 bytes, and 210,000 of them 420,000 bytes.
    const fits = putItem({ S: 'é'.repeat(140_000) });
    const tooLarge = putItem({ S: 'é'.repeat(210_000) });

    // Act
    const outcomes = [checkDynamoDbRequest('PutItem', fits, keysOf), checkDynamoDbRequest('PutItem', tooLarge, keysOf)];

    // Assess
    expect(outcomes).toEqual([undefined, DYNAMODB_LIMIT_MESSAGES.itemSize]);
    expect(itemBytes({ a: { S: 'é' }, b: { L: [{ N: '12' }] } })).toBe(1 + 2 + 1 + 3 + 1 + 2);
  });

  it('refuses a partition key over 2048 bytes and a sort key over 1024 bytes, counted in UTF-8', () => {
    // Prepare: 1,100 two-byte characters are 2,200 bytes, more than either limit allows.
    const long = 'é'.repeat(1_100);
    const shortEnough = 'é'.repeat(512);

    // Act
    const outcomes = [
      checkDynamoDbRequest(
        'GetItem',
        JSON.stringify({ TableName: 'orders', Key: { pk: { S: long }, sk: { S: 's' } } }),
        keysOf,
      ),
      checkDynamoDbRequest('PutItem', putItem({ S: 'x' }, { pk: { S: 'p' }, sk: { S: long } }), keysOf),
      checkDynamoDbRequest('PutItem', putItem({ S: 'x' }, { pk: { S: shortEnough }, sk: { S: shortEnough } }), keysOf),
      checkDynamoDbRequest(
        'PutItem',
        JSON.stringify({ TableName: 'unknown-table', Item: { pk: { S: long } } }),
        keysOf,
      ),
    ];

    // Assess
    expect(outcomes).toEqual([
      DYNAMODB_LIMIT_MESSAGES.partitionKey,
      DYNAMODB_LIMIT_MESSAGES.sortKey,
      undefined,
      undefined,
    ]);
  });

  it('leaves malformed JSON to dynalite, which answers it as DynamoDB does', () => {
    // Act
    const outcome = checkDynamoDbRequest('PutItem', '{"TableName":', keysOf);

    // Assess
    expect(outcome).toBeUndefined();
  });
});
