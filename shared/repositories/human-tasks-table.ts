import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Role } from '../directory/roles';
import { HumanTask, type TaskDecision, type TaskStatus } from '../human-tasks/human-task';
import type { HumanTaskStore } from '../human-tasks/task-ports';
import { isConditionFailure } from './condition-failure';
import { parseStoredItem } from './stored-item';

/** Index of open (or other status) tasks per assignee role, by due time: "my open approvals". */
export const TASKS_BY_ROLE_STATUS_INDEX = 'byRoleStatus';
/** Index of tasks by status and due time: "overdue tasks" without a scan. */
export const TASKS_BY_STATUS_DUE_INDEX = 'byStatusDue';
/** Index of the levels of one approval request. */
export const TASKS_BY_REQUEST_INDEX = 'byRequest';

/**
 * The human-tasks table. Besides the task, each item carries `roleStatus`
 * (`<assigneeRole>#<status>`), kept in step with the two fields, for the role index.
 */
export class HumanTasksTable implements HumanTaskStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(taskId: string): Promise<HumanTask | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { taskId }, ConsistentRead: true }),
    );
    return Item ? strip(Item) : undefined;
  }

  async listByRequest(requestId: string): Promise<HumanTask[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TASKS_BY_REQUEST_INDEX,
        KeyConditionExpression: 'requestId = :id',
        ExpressionAttributeValues: { ':id': requestId },
      }),
    );
    return Items.map(strip);
  }

  async put(task: HumanTask): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...task, roleStatus: `${task.assigneeRole}#${task.status}` },
          ConditionExpression: 'attribute_not_exists(taskId)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // A retried request step re-arms its open task with the new token only: breaches and
      // escalations so far stand. A decided task stays decided.
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { taskId: task.taskId },
            UpdateExpression: 'SET #token = :token',
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#token': 'token', '#status': 'status' },
            ExpressionAttributeValues: { ':token': task.token, ':open': 'open' },
          }),
        );
      } catch (rearmError) {
        if (!isConditionFailure(rearmError)) throw rearmError;
      }
    }
  }

  async recordDecision(task: HumanTask, decision: TaskDecision): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId: task.taskId },
          UpdateExpression: 'SET #status = :status, decision = :decision, roleStatus = :roleStatus',
          // The role is part of the condition: an escalation between read and write changes who may decide.
          ConditionExpression:
            '#status = :open AND #token = :token AND assigneeRole = :role AND attribute_not_exists(decision)',
          ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
          ExpressionAttributeValues: {
            ':status': decision.outcome,
            ':decision': decision,
            ':roleStatus': `${task.assigneeRole}#${decision.outcome}`,
            ':open': 'open',
            ':token': task.token,
            ':role': task.assigneeRole,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markDelivered(taskId: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { taskId },
        UpdateExpression: 'SET decision.delivered = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async setStatus(taskId: string, status: TaskStatus): Promise<void> {
    const task = await this.get(taskId);
    if (!task) return;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { taskId },
        UpdateExpression: 'SET #status = :status, roleStatus = :roleStatus',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':roleStatus': `${task.assigneeRole}#${status}` },
      }),
    );
  }

  async listOverdue(now: string, limit: number): Promise<HumanTask[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TASKS_BY_STATUS_DUE_INDEX,
        KeyConditionExpression: '#status = :open AND dueAt <= :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':open': 'open', ':now': now },
        Limit: limit,
      }),
    );
    return Items.map(strip);
  }

  async listOpenByRole(role: Role, limit: number): Promise<HumanTask[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TASKS_BY_ROLE_STATUS_INDEX,
        KeyConditionExpression: 'roleStatus = :key',
        ExpressionAttributeValues: { ':key': `${role}#open` },
        Limit: limit,
      }),
    );
    return Items.map(strip);
  }

  async recordBreach(
    taskId: string,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: 'SET assigneeRole = :role, dueAt = :due, breaches = :breaches, roleStatus = :roleStatus',
          ConditionExpression: '#status = :open AND breaches = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':role': next.assigneeRole,
            ':due': next.dueAt,
            ':breaches': next.breaches,
            ':roleStatus': `${next.assigneeRole}#open`,
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

/** The index attribute is not part of the task; the schema strips it. */
function strip(item: Record<string, unknown>): HumanTask {
  return parseStoredItem(HumanTask, item, 'human task');
}
