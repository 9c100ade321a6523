import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivationRecordItem, ActivationRecords } from '../project-activation/activation-records';

/** {@link ActivationRecords} on the activations table, keyed by project id. */
export class ActivationsTable implements ActivationRecords {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: ActivationRecordItem): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: record }));
  }
}
