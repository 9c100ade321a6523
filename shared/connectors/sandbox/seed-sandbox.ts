import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SEED_ACCOUNTS, SEED_OPPORTUNITIES, SEED_STATEMENTS_OF_WORK } from './crm-seed';
import { sandboxCrmKey } from './sandbox-crm-connector';

/** Table names of the sandbox systems of one stage. */
export function sandboxTableNames(stage: string): { crm: string; records: string } {
  return { crm: `psflow-${stage}-sandbox-crm`, records: `psflow-${stage}-sandbox-records` };
}

/** How many seed records were written, and how many already existed. */
export interface SeedResult {
  readonly written: number;
  readonly kept: number;
}

/**
 * Seeds the sandbox systems with the demo data. Records that exist are kept as they are,
 * so a scenario a test or a demo staged survives a restart.
 */
export async function seedSandbox(documents: DynamoDBDocumentClient, stage: string): Promise<SeedResult> {
  const tables = sandboxTableNames(stage);
  const items = [
    ...SEED_ACCOUNTS.map((account) => ({ recordKey: sandboxCrmKey('Account', account.accountId), ...account })),
    ...SEED_OPPORTUNITIES.map((opportunity) => ({ recordKey: sandboxCrmKey('Opportunity', opportunity.opportunityId), ...opportunity })),
    ...SEED_STATEMENTS_OF_WORK.map((sow) => ({ recordKey: sandboxCrmKey('Sow', sow.opportunityId), ...sow })),
  ];
  let written = 0;
  for (const item of items) {
    try {
      await documents.send(new PutCommand({ TableName: tables.crm, Item: item, ConditionExpression: 'attribute_not_exists(recordKey)' }));
      written += 1;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
  return { written, kept: items.length - written };
}
