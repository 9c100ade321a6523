import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BillingTask, type BillingTaskStore } from '../billing/billing-tasks';
import type { Role } from '../directory/roles';
import { isConditionFailure } from './condition-failure';

/** The sparse index of open billing tasks by due time: only open tasks carry `openTask`. */
export const BILLING_TASKS_OPEN_DUE_INDEX = 'byOpenDue';

/** Record ids kept per task: far below the 400 KB item limit. */
const MAX_RECORD_IDS = 50;

/**
 * Billing tasks in the billing readiness table, next to the cycle they belong to: pk
 * `cycle#<region>#<period>`, sk `task#<project>#<taskId>`, so a project's tasks are one Query.
 * Open tasks also carry `openTask` (always `open`) for the sparse `byOpenDue` index the SLA
 * sweeper queries; closing a task removes it from the index. Nothing scans.
 */
export class BillingTasksTable implements BillingTaskStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async tasksOf(region: string, period: string, projectId: string): Promise<BillingTask[]> {
    const tasks: BillingTask[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': cycleKey(region, period), ':prefix': `task#${projectId}#` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      tasks.push(...(page.Items ?? []).map(toTask));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return tasks;
  }

  async open(task: BillingTask): Promise<void> {
    const recordIds = task.recordIds.slice(0, MAX_RECORD_IDS);
    try {
      // A task still open keeps its due time, reminders and creation; only what it lists is refreshed.
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(task),
          UpdateExpression: 'SET message = :message, recordIds = :records',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':message': task.message, ':records': recordIds, ':open': 'open' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // New, or closed before and missing again: (re)opened with a fresh due time.
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(task), ...task, recordIds, status: 'open', openTask: 'open' },
        }),
      );
    }
  }

  async close(task: BillingTask, closedAt: string, because: string): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(task),
          UpdateExpression: 'SET #status = :closed, closedAt = :at, closedBecause = :because REMOVE openTask',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':closed': 'closed', ':open': 'open', ':at': closedAt, ':because': because },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listOverdue(now: string, limit: number): Promise<BillingTask[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BILLING_TASKS_OPEN_DUE_INDEX,
        KeyConditionExpression: 'openTask = :open AND dueAt <= :now',
        ExpressionAttributeValues: { ':open': 'open', ':now': now },
        Limit: limit,
      }),
    );
    return Items.map(toTask);
  }

  async recordBreach(
    task: BillingTask,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(task),
          UpdateExpression: 'SET assigneeRole = :role, dueAt = :due, breaches = :breaches',
          ConditionExpression: '#status = :open AND breaches = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':role': next.assigneeRole,
            ':due': next.dueAt,
            ':breaches': next.breaches,
            ':open': 'open',
            ':expected': expectedBreaches,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function cycleKey(region: string, period: string): string {
  return `cycle#${region}#${period}`;
}

function keyOf(task: Pick<BillingTask, 'region' | 'period' | 'projectId' | 'taskId'>): { pk: string; sk: string } {
  return { pk: cycleKey(task.region, task.period), sk: `task#${task.projectId}#${task.taskId}` };
}

/** The item as the port's task; a malformed item fails loudly, naming the table. */
function toTask(item: Record<string, unknown>): BillingTask {
  const { pk: _pk, sk: _sk, openTask: _open, ...task } = item;
  return BillingTask.parse(task);
}
