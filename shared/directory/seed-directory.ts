import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../repositories/condition-failure';
import { DEMO_USERS } from './demo-directory';
import type { DirectoryUser } from './directory';

/** The directory table of one stage. */
export function directoryTableName(stage: string): string {
  return `psflow-${stage}-directory`;
}

/**
 * Puts people into a stage's directory table, keeping anyone already there as they are, so
 * grants an admin changed survive a restart. The local cloud seeds the demo users at start.
 */
export async function seedDirectory(
  documents: DynamoDBDocumentClient,
  stage: string,
  users: readonly DirectoryUser[] = DEMO_USERS,
): Promise<{ written: number; kept: number }> {
  let written = 0;
  for (const user of users) {
    try {
      await documents.send(
        new PutCommand({
          TableName: directoryTableName(stage),
          Item: user,
          ConditionExpression: 'attribute_not_exists(userId)',
        }),
      );
      written += 1;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return { written, kept: users.length - written };
}
