import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../directory/roles';
import { Delegation, type DelegationStore } from '../human-tasks/task-ports';
import { parseStoredItems } from './stored-item';

/** Delegations, keyed by the delegate so "whom may I stand in for now" is one Query. */
export class DelegationsTable implements DelegationStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(delegation: Delegation): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...delegation, roleUntil: `${delegation.role}#${delegation.until}#${delegation.delegationId}` },
      }),
    );
  }

  async activeFor(delegate: string, role: Role, at: string): Promise<Delegation[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        // Sorted by role then end time: everything for the role that has not ended yet.
        KeyConditionExpression: 'delegate = :delegate AND roleUntil BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':delegate': delegate, ':from': `${role}#${at}`, ':to': `${role}#\uffff` },
      }),
    );
    return parseStoredItems(Delegation, Items, 'delegation').filter(
      (delegation) => delegation.from <= at && at < delegation.until,
    );
  }
}
