import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SEED_ACCOUNTS, SEED_OPPORTUNITIES, SEED_STATEMENTS_OF_WORK } from './crm-seed';
import { SEED_CONSULTANTS } from './psa-seed';
import { sandboxCrmKey } from './sandbox-crm-connector';
import { isConditionFailure } from '../../repositories/condition-failure';
import { seedStaffingSandbox } from './staffing-sandbox-loader';

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
 * Seeds the sandbox systems with the demo data: CRM accounts, opportunities and statements of
 * work, the PSA's consultants, and the HRIS people with their leave and bookings. Records that exist are kept as they are,
 * so a scenario a test or a demo staged survives a restart.
 */
export async function seedSandbox(documents: DynamoDBDocumentClient, stage: string): Promise<SeedResult> {
  const tables = sandboxTableNames(stage);
  const items = [
    ...SEED_ACCOUNTS.map((account) => ({ recordKey: sandboxCrmKey('Account', account.accountId), ...account })),
    ...SEED_OPPORTUNITIES.map((opportunity) => ({
      recordKey: sandboxCrmKey('Opportunity', opportunity.opportunityId),
      ...opportunity,
    })),
    ...SEED_STATEMENTS_OF_WORK.map((sow) => ({ recordKey: sandboxCrmKey('Sow', sow.opportunityId), ...sow })),
  ];
  const consultants = SEED_CONSULTANTS.map((resource) => ({
    table: tables.records,
    item: {
      recordKey: `psa#resource#${resource.resourceId.id}`,
      systemType: 'psa#resource',
      id: resource.resourceId.id,
      createdAt: '2026-01-01T00:00:00.000Z',
      ...resource,
    },
  }));
  let written = 0;
  for (const { table, item } of [...items.map((item) => ({ table: tables.crm, item })), ...consultants]) {
    try {
      await documents.send(
        new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(recordKey)' }),
      );
      written += 1;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  const staffing = await seedStaffingSandbox(documents, stage);
  return { written: written + staffing.written, kept: items.length + consultants.length - written + staffing.kept };
}
