import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { businessKey } from '../workflows/workflow-names';
import type { Role } from '../directory/roles';
import {
  WorkflowException,
  type ExceptionFilter,
  type ExceptionResolution,
  type ExceptionStatus,
  type ExceptionStore,
} from '../exceptions/workflow-exception';
import { isConditionFailure } from './condition-failure';
import { parseStoredItem } from './stored-item';

/** Indexes of the exceptions table, one per way operators list exceptions. */
export const EXCEPTION_INDEXES = {
  byStatus: { name: 'byStatus', partitionKey: 'status', sortKey: 'createdAt' },
  byStatusDue: { name: 'byStatusDue', partitionKey: 'status', sortKey: 'dueAt' },
  byOwnerStatus: { name: 'byOwnerStatus', partitionKey: 'ownerStatus', sortKey: 'createdAt' },
  byWorkflowStatus: { name: 'byWorkflowStatus', partitionKey: 'workflowStatus', sortKey: 'createdAt' },
  byClient: { name: 'byClient', partitionKey: 'clientKey', sortKey: 'createdAt' },
  byProject: { name: 'byProject', partitionKey: 'projectKey', sortKey: 'createdAt' },
  byExecutionStep: { name: 'byExecutionStep', partitionKey: 'executionStep', sortKey: 'attemptKey' },
} as const;

/** Attributes the indexes read, derived from the exception so they never drift from it. */
function indexAttributes(
  exception: Pick<
    WorkflowException,
    'status' | 'ownerRole' | 'workflow' | 'clientId' | 'projectId' | 'executionArn' | 'step' | 'attempt'
  >,
  status = exception.status,
): Record<string, string> {
  return {
    ownerStatus: `${exception.ownerRole}#${status}`,
    workflowStatus: `${exception.workflow}#${status}`,
    executionStep: `${exception.executionArn}#${exception.step}`,
    attemptKey: String(exception.attempt).padStart(6, '0'),
    ...(exception.clientId ? { clientKey: businessKey('client', exception.clientId) } : {}),
    ...(exception.projectId ? { projectKey: businessKey('project', exception.projectId) } : {}),
  };
}

/** The index attributes are not part of the exception; the schema strips them. */
function strip(item: Record<string, unknown>): WorkflowException {
  return parseStoredItem(WorkflowException, item, 'exception');
}

/** The exceptions table: the business-owned exception queue. */
export class ExceptionsTable implements ExceptionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(exceptionId: string): Promise<WorkflowException | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { exceptionId }, ConsistentRead: true }),
    );
    return Item ? strip(Item) : undefined;
  }

  async put(exception: WorkflowException): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...exception, ...indexAttributes(exception) },
          ConditionExpression: 'attribute_not_exists(exceptionId)',
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Filed before: only the token is renewed, in one conditional write, so an SLA breach the
    // sweeper records meanwhile is never overwritten.
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { exceptionId: exception.exceptionId },
          UpdateExpression: 'SET #token = :token',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
          ExpressionAttributeValues: { ':token': exception.token, ':open': 'open' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async resolve(
    exceptionId: string,
    status: Exclude<ExceptionStatus, 'open'>,
    resolution: ExceptionResolution,
  ): Promise<boolean> {
    const exception = await this.get(exceptionId);
    if (!exception) return false;
    const derived = indexAttributes(exception, status);
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { exceptionId },
          UpdateExpression:
            'SET #status = :status, resolution = :resolution, ownerStatus = :ownerStatus, workflowStatus = :workflowStatus',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':resolution': resolution,
            ':ownerStatus': derived.ownerStatus,
            ':workflowStatus': derived.workflowStatus,
            ':open': 'open',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async list(filter: ExceptionFilter, limit: number): Promise<WorkflowException[]> {
    const status = filter.status;
    const query = ((): { index: string; key: string; value: string } => {
      if (filter.projectKey)
        return { index: EXCEPTION_INDEXES.byProject.name, key: 'projectKey', value: filter.projectKey };
      if (filter.clientKey)
        return { index: EXCEPTION_INDEXES.byClient.name, key: 'clientKey', value: filter.clientKey };
      if (filter.ownerRole)
        return {
          index: EXCEPTION_INDEXES.byOwnerStatus.name,
          key: 'ownerStatus',
          value: `${filter.ownerRole}#${status ?? 'open'}`,
        };
      if (filter.workflow)
        return {
          index: EXCEPTION_INDEXES.byWorkflowStatus.name,
          key: 'workflowStatus',
          value: `${filter.workflow}#${status ?? 'open'}`,
        };
      return { index: EXCEPTION_INDEXES.byStatus.name, key: 'status', value: status ?? 'open' };
    })();
    const items: WorkflowException[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: query.index,
          KeyConditionExpression: '#key = :value',
          ExpressionAttributeNames: { '#key': query.key },
          ExpressionAttributeValues: { ':value': query.value },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map(strip));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    // The index answers one key; the other filters narrow its answer.
    return items
      .filter(
        (item) =>
          (!status || item.status === status) &&
          (!filter.ownerRole || item.ownerRole === filter.ownerRole) &&
          (!filter.workflow || item.workflow === filter.workflow),
      )
      .slice(0, limit);
  }

  async latestAttempt(executionArn: string, step: string): Promise<WorkflowException | undefined> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: EXCEPTION_INDEXES.byExecutionStep.name,
        KeyConditionExpression: 'executionStep = :key',
        ExpressionAttributeValues: { ':key': `${executionArn}#${step}` },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items[0] ? strip(Items[0]) : undefined;
  }

  async listOverdue(now: string, limit: number): Promise<WorkflowException[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: EXCEPTION_INDEXES.byStatusDue.name,
        KeyConditionExpression: '#status = :open AND dueAt <= :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':open': 'open', ':now': now },
        Limit: limit,
      }),
    );
    return Items.map(strip);
  }

  async recordBreach(
    exceptionId: string,
    expectedBreaches: number,
    next: { ownerRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { exceptionId },
          UpdateExpression: 'SET ownerRole = :owner, ownerStatus = :ownerStatus, dueAt = :due, breaches = :breaches',
          // Exceptions filed before breaches were counted have none recorded.
          ConditionExpression:
            expectedBreaches === 0
              ? '#status = :open AND (attribute_not_exists(breaches) OR breaches = :expected)'
              : '#status = :open AND breaches = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':owner': next.ownerRole,
            ':ownerStatus': `${next.ownerRole}#open`,
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
