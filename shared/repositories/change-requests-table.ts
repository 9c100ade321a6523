import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChangeRecord, type ChangeLog, type ChangeRecordUpdate } from '../change-control/change-record';
import { parseStoredItem, parseStoredItems } from './stored-item';

/** Index of a project's changes, oldest first. */
export const CHANGES_BY_PROJECT_INDEX = 'byProject';

/** The change-requests table: one item per change, keyed by its change id. */
export class ChangeRequestsTable implements ChangeLog {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async save(update: ChangeRecordUpdate): Promise<void> {
    const { changeId, ...fields } = update;
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { changeId },
        UpdateExpression: `SET ${entries.map((_, index) => `#f${index} = :v${index}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([field], index) => [`#f${index}`, field])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value])),
      }),
    );
  }

  async get(changeId: string): Promise<ChangeRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { changeId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : parseStoredItem(ChangeRecord, Item, 'change record');
  }

  async listByProject(projectId: string): Promise<ChangeRecord[]> {
    const records: ChangeRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: CHANGES_BY_PROJECT_INDEX,
          KeyConditionExpression: 'projectId = :projectId',
          ExpressionAttributeValues: { ':projectId': projectId },
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...parseStoredItems(ChangeRecord, page.Items, 'change record'));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
