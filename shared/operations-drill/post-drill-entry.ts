import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PermanentConnectorError, RetryableConnectorError } from '../connectors/connector-errors';
import { DrillEntryInput } from '../exceptions/step-contracts';

/** Key of the ledger item that marks a drill's fault as fixed, as an operator would fix the ERP. */
export function faultClearedKey(drillId: string): string {
  return `fault-cleared#${drillId}`;
}

/**
 * The drill's guarded step: posts a journal entry to the drill ledger. It fails as the input
 * asks (a permanent ERP refusal or a transient outage) until the fault is marked fixed in
 * the ledger, so operators can rehearse retry, skip and abort, and tests can get mixed
 * outcomes from a bulk retry. Posting twice returns the first entry.
 */
export async function postDrillEntry(input: unknown, documents: DynamoDBDocumentClient, tableName: string, now: Date): Promise<{ entryId: string; postedAt: string }> {
  const entry = DrillEntryInput.parse(input);
  if (entry.failWith !== 'none') {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { ledgerKey: faultClearedKey(entry.drillId) }, ConsistentRead: true }));
    if (!Item) {
      if (entry.failWith === 'permanent') throw new PermanentConnectorError('erp', 'postJournalEntry', `cost centre for drill ${entry.drillId} is closed; the ERP refused the entry`);
      throw new RetryableConnectorError('erp', 'postJournalEntry', 'the ERP answered 503 Service Unavailable');
    }
  }
  const item = { ledgerKey: `entry#${entry.drillId}`, entryId: `je-${entry.drillId}`, postedAt: now.toISOString(), amount: entry.amount };
  try {
    await documents.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(ledgerKey)' }));
    return { entryId: item.entryId, postedAt: item.postedAt };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { ledgerKey: item.ledgerKey }, ConsistentRead: true }));
    return { entryId: String(Item?.entryId), postedAt: String(Item?.postedAt) };
  }
}
