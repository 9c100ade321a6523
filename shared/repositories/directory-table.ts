import {
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DirectoryUser, type Directory, type RoleGrant } from '../directory/directory';
import { isConditionFailure } from './condition-failure';

/** The index from a token's subject to its person, so signing in is a Query, never a Scan. */
export const DIRECTORY_BY_SUBJECT_INDEX = 'bySubject';

/**
 * The directory table (`psflow-<stage>-directory`), keyed by `userId`. Items are checked as they
 * are read, so a hand-written item with a misspelt role fails with the item named.
 */
export class DirectoryTable implements Directory {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(userId: string): Promise<DirectoryUser | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { userId }, ConsistentRead: true }),
    );
    return Item ? this.parse(Item) : undefined;
  }

  async findBySubject(subject: string): Promise<DirectoryUser | undefined> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DIRECTORY_BY_SUBJECT_INDEX,
        KeyConditionExpression: 'subject = :subject',
        ExpressionAttributeValues: { ':subject': subject },
        Limit: 2,
      }),
    );
    // Two people signing in with one subject would make every decision ambiguous: refuse both.
    if (Items.length !== 1) return undefined;
    return this.parse(Items[0]);
  }

  async all(): Promise<readonly DirectoryUser[]> {
    // A firm's directory is hundreds of people: one paged Scan is the right tool to list them.
    const users: DirectoryUser[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      users.push(...(page.Items ?? []).map((item) => this.parse(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return users.sort((left, right) => left.userId.localeCompare(right.userId));
  }

  async setGrants(userId: string, grants: readonly RoleGrant[]): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId },
          UpdateExpression: 'SET grants = :grants',
          ConditionExpression: 'attribute_exists(userId)',
          ExpressionAttributeValues: { ':grants': grants },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private parse(item: Record<string, unknown>): DirectoryUser {
    const parsed = DirectoryUser.safeParse(item);
    if (!parsed.success) {
      const where = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
        .join('; ');
      throw new Error(`directory item ${JSON.stringify(item.userId)} in ${this.tableName} is invalid: ${where}`);
    }
    return parsed.data;
  }
}
