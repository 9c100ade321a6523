import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Money } from '../model/primitives';
import type { DrillLedger } from '../operations-drill/drill-ledger';
import type { DrillEntryOutput } from '../operations-drill/drill-state';
import { isConditionFailure } from './condition-failure';

/** Key of the ledger item that marks a drill's fault as fixed. */
export function faultClearedKey(drillId: string): string {
  return `fault-cleared#${drillId}`;
}

/** {@link DrillLedger} on the drill's DynamoDB table (also written by the drill's direct integrations). */
export class DrillLedgerTable implements DrillLedger {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async isFaultCleared(drillId: string): Promise<boolean> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { ledgerKey: faultClearedKey(drillId) }, ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  async postEntry(drillId: string, amount: Money, postedAt: string): Promise<DrillEntryOutput> {
    const item = { ledgerKey: `entry#${drillId}`, entryId: `je-${drillId}`, postedAt, amount };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(ledgerKey)',
        }),
      );
      return { entryId: item.entryId, postedAt: item.postedAt };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { ledgerKey: item.ledgerKey }, ConsistentRead: true }),
      );
      return { entryId: String(Item?.entryId), postedAt: String(Item?.postedAt) };
    }
  }
}
