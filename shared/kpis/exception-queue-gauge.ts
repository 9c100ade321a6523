import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EXCEPTION_INDEXES } from '../repositories/exceptions-table';

/** How full and how old the exception queue is: what the dashboard and the age alarm read. */
export interface ExceptionQueueGauge {
  readonly openExceptions: number;
  /** Age of the oldest open exception; 0 when none is open. */
  readonly oldestOpenAgeSeconds: number;
}

/**
 * Measures the open exceptions through the status index (sorted by filing time): a counting
 * Query for the depth and a one-item Query for the oldest, never a scan.
 */
export async function measureExceptionQueue(
  client: DynamoDBDocumentClient,
  exceptionsTable: string,
  now: Date,
): Promise<ExceptionQueueGauge> {
  const { name, partitionKey, sortKey } = EXCEPTION_INDEXES.byStatus;
  const open = { ':open': 'open' };
  let openExceptions = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: exceptionsTable,
        IndexName: name,
        KeyConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': partitionKey },
        ExpressionAttributeValues: open,
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    openExceptions += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const oldest = await client.send(
    new QueryCommand({
      TableName: exceptionsTable,
      IndexName: name,
      KeyConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': partitionKey, '#created': sortKey },
      ExpressionAttributeValues: open,
      ProjectionExpression: '#created',
      ScanIndexForward: true,
      Limit: 1,
    }),
  );
  const createdAt = oldest.Items?.[0]?.[sortKey];
  const age = typeof createdAt === 'string' ? (now.getTime() - Date.parse(createdAt)) / 1000 : 0;
  return { openExceptions, oldestOpenAgeSeconds: Number.isFinite(age) ? Math.max(0, Math.round(age)) : 0 };
}
