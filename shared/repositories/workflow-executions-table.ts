import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExecutionIndex, ExecutionIndexEntry } from '../ingestion/ingestion-ports';
import * as z from 'zod';
import { WorkflowName } from '../workflows/workflow-names';
import { isConditionFailure } from './condition-failure';
import { parseStoredItems } from './stored-item';

/** An execution as found under one of its business keys. */
export interface WorkflowExecutionRecord {
  readonly businessKey: string;
  readonly workflow: WorkflowName;
  readonly executionName: string;
  readonly executionArn: string;
  readonly dedupeKey: string;
  readonly startedAt: string;
}

const StoredExecutionRecord: z.ZodType<WorkflowExecutionRecord> = z.object({
  businessKey: z.string(),
  workflow: z.enum(WorkflowName),
  executionName: z.string(),
  executionArn: z.string(),
  dedupeKey: z.string(),
  startedAt: z.string(),
});

/**
 * The workflow-executions table: one item per (business key, execution), so "the activation
 * of opportunity X" or "every workflow for client Y" is one Query, never a scan.
 * Sort key: `<workflow>#<executionName>`.
 */
export class WorkflowExecutionsTable implements ExecutionIndex {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(entry: ExecutionIndexEntry): Promise<void> {
    await Promise.all(
      entry.businessKeys.map(async (businessKey) => {
        try {
          await this.documents.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                businessKey,
                workflowExecution: `${entry.workflow}#${entry.executionName}`,
                workflow: entry.workflow,
                executionName: entry.executionName,
                executionArn: entry.executionArn,
                dedupeKey: entry.dedupeKey,
                startedAt: entry.startedAt,
              },
              // The first recording wins: a redelivery must not move startedAt forward.
              ConditionExpression: 'attribute_not_exists(businessKey)',
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }),
    );
  }

  /** Executions recorded under a business key, optionally of one workflow only. */
  async find(businessKey: string, workflow?: WorkflowName): Promise<WorkflowExecutionRecord[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: workflow
          ? 'businessKey = :key AND begins_with(workflowExecution, :workflow)'
          : 'businessKey = :key',
        ExpressionAttributeValues: workflow
          ? { ':key': businessKey, ':workflow': `${workflow}#` }
          : { ':key': businessKey },
      }),
    );
    return parseStoredItems(StoredExecutionRecord, Items, 'workflow execution record');
  }
}
