import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CrmAccountFacts, CrmOpportunityFacts, CrmStatementOfWork, type CrmConnector } from '../crm/crm-connector';
import type * as z from 'zod';
import { PermanentConnectorError, RetryableConnectorError } from '../connector-errors';
import { isRetryableAwsError } from './aws-errors';
import { messageOf } from '../../errors/error-message';

/** Record types the sandbox CRM table holds, and the prefix of their keys. */
export const SandboxCrmRecordType = { Opportunity: 'Opportunity', Account: 'Account', Sow: 'Sow' } as const;

/** Key of a sandbox CRM record: `<recordType>#<id>`, one table for every record type. */
export function sandboxCrmKey(recordType: keyof typeof SandboxCrmRecordType, id: string): string {
  return `${recordType}#${id}`;
}

/**
 * The embedded CRM: Salesforce-shaped ids, records kept in one DynamoDB table, so tests
 * and demos stage any scenario with plain PutItem calls and workflows read them through
 * the same port a real CRM connector implements.
 */
export class SandboxCrmConnector implements CrmConnector {
  readonly system = 'salesforce' as const;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getOpportunity(opportunityId: string): Promise<CrmOpportunityFacts | undefined> {
    const item = await this.get('getOpportunity', sandboxCrmKey('Opportunity', opportunityId));
    return item === undefined
      ? undefined
      : parseRecord(CrmOpportunityFacts, { ...item, opportunityId }, 'getOpportunity', `Opportunity ${opportunityId}`);
  }

  async getAccount(accountId: string): Promise<CrmAccountFacts | undefined> {
    const item = await this.get('getAccount', sandboxCrmKey('Account', accountId));
    return item === undefined
      ? undefined
      : parseRecord(CrmAccountFacts, { ...item, accountId }, 'getAccount', `Account ${accountId}`);
  }

  async getStatementOfWork(opportunityId: string): Promise<CrmStatementOfWork | undefined> {
    const item = await this.get('getStatementOfWork', sandboxCrmKey('Sow', opportunityId));
    return item === undefined
      ? undefined
      : parseRecord(CrmStatementOfWork, { ...item, opportunityId }, 'getStatementOfWork', `Sow ${opportunityId}`);
  }

  private async get(operation: string, recordKey: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { recordKey } }));
      return Item;
    } catch (error) {
      if (isRetryableAwsError(error))
        throw new RetryableConnectorError('crm', operation, messageOf(error), { cause: error });
      throw error;
    }
  }
}

function parseRecord<T>(schema: z.ZodType<T>, item: Record<string, unknown>, operation: string, what: string): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new PermanentConnectorError('crm', operation, `record ${what} is malformed (${detail})`);
}
