import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditEntry, type AuditLog } from '../audit/audit-log';
import { parseStoredItems } from './stored-item';

/**
 * The audit trail. Each entry gets a key no other entry has, and the write is conditional
 * on that key being free, so even the PutItem the functions hold cannot overwrite an entry;
 * their IAM policy grants no UpdateItem, DeleteItem or BatchWriteItem on this table.
 */
export class AuditLogTable implements AuditLog {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          subjectKey: `${entry.subjectType}#${entry.subjectId}`,
          entryKey: `${entry.at}#${randomUUID()}`,
          ...entry,
        },
        ConditionExpression: 'attribute_not_exists(subjectKey)',
      }),
    );
  }

  /** The trail of one subject, oldest first. */
  async list(subjectType: AuditEntry['subjectType'], subjectId: string): Promise<AuditEntry[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'subjectKey = :key',
        ExpressionAttributeValues: { ':key': `${subjectType}#${subjectId}` },
      }),
    );
    return parseStoredItems(AuditEntry, Items, 'audit entry');
  }
}
