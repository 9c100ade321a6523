import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { eventually } from './local-cloud-process';

const DRILL_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-operations-drill';
const TASKS_TABLE = 'psflow-dev-human-tasks';
const EXCEPTIONS_TABLE = 'psflow-dev-exceptions';
const LEDGER_TABLE = 'psflow-dev-drill-ledger';
/** The drill's approval step: its tasks' request id is `<execution ARN>#<this>`. */
export const DRILL_APPROVAL_STEP = 'CollectDrillApprovals';
/** The drill's guarded step, whose failures file exceptions. */
export const DRILL_GUARDED_STEP = 'PostDrillEntry';

/** An answer of the operations API: the HTTP status and the parsed body. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** What the operations API says when it refuses. */
export interface Refusal {
  readonly error?: string;
  readonly message: string;
}

/** How to start a drill; every field has the default of an approval at one level that succeeds. */
export interface DrillOptions {
  readonly amountMinor?: number;
  readonly region?: 'EMEA' | 'AMER' | 'APAC';
  readonly practice?: string;
  readonly requestedBy?: string;
  readonly failWith?: 'none' | 'permanent' | 'transient';
  readonly clientId?: string;
}

/** A started drill. */
export interface Drill {
  readonly drillId: string;
  readonly executionArn: string;
}

/** 5,000 EUR in cents: the drill policy's band of one approval level. */
export const ONE_LEVEL_AMOUNT = 500_000;

/**
 * Drives the operations drill on a local cloud, as the approvals and hardening suites do:
 * starts drills, calls the operations API as a user, and reads back tasks, exceptions,
 * executions and ledger entries through the SDK, waiting for what the workflow does next.
 */
export class OperationsDrillDriver {
  constructor(
    private readonly url: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly sfn: SFNClient,
  ) {}

  /** Calls the operations API as `as` (the local identity header), with a JSON body. */
  async api<T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: unknown): Promise<ApiAnswer<T>> {
    return this.rawApi<T>(method, route, as, body === undefined ? undefined : JSON.stringify(body));
  }

  /** Calls the operations API with a body sent exactly as given, hostile or not. */
  async rawApi<T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: string): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (as !== undefined) headers['x-psflow-user'] = as;
    const response = await fetch(`${this.url}/api${route}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Starts a drill with a fresh id. */
  async start(options: DrillOptions = {}): Promise<Drill> {
    const drillId = `drill-${randomUUID()}`;
    const input = {
      drillId,
      requestedBy: options.requestedBy ?? 'sally.sales',
      title: `Drill ${drillId}`,
      amount: { amountMinor: options.amountMinor ?? ONE_LEVEL_AMOUNT, currency: 'EUR' },
      region: options.region ?? 'EMEA',
      practice: options.practice ?? 'cloud-strategy',
      clientId: { system: 'salesforce', id: options.clientId ?? `client-${randomUUID()}` },
      failWith: options.failWith ?? 'none',
    };
    const { executionArn } = await this.sfn.send(
      new StartExecutionCommand({ stateMachineArn: DRILL_MACHINE_ARN, name: drillId, input: JSON.stringify(input) }),
    );
    if (!executionArn) throw new Error(`StartExecution of ${drillId} returned no execution ARN`);
    return { drillId, executionArn };
  }

  /** The task of one approval level of a drill, once the workflow has opened it. */
  async taskOf(drill: Drill, level = 1): Promise<HumanTask> {
    return eventually(
      async () => {
        const { Items = [] } = await this.documents.send(
          new QueryCommand({
            TableName: TASKS_TABLE,
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${drill.executionArn}#${DRILL_APPROVAL_STEP}` },
          }),
        );
        return (Items as HumanTask[]).find((task) => task.level === level);
      },
      20_000,
      `the level ${level} task of ${drill.drillId}`,
    );
  }

  /** A task as stored now. */
  async storedTask(taskId: string): Promise<HumanTask> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: TASKS_TABLE, Key: { taskId }, ConsistentRead: true }),
    );
    return Item as HumanTask;
  }

  /** The exception filed for the drill's guarded step, for the given attempt, once filed. */
  async exceptionOf(drill: Drill, attempt = 1): Promise<WorkflowException> {
    return eventually(
      async () => {
        const { Items = [] } = await this.documents.send(
          new QueryCommand({
            TableName: EXCEPTIONS_TABLE,
            IndexName: 'byExecutionStep',
            KeyConditionExpression: 'executionStep = :key',
            ExpressionAttributeValues: { ':key': `${drill.executionArn}#${DRILL_GUARDED_STEP}` },
          }),
        );
        return (Items as WorkflowException[]).find((item) => item.attempt === attempt);
      },
      20_000,
      `exception attempt ${attempt} of ${drill.drillId}`,
    );
  }

  /** The execution, once it stopped running. */
  async finished(drill: Drill): Promise<DescribeExecutionCommandOutput> {
    return eventually(
      async () => {
        const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn: drill.executionArn }));
        return described.status === 'RUNNING' ? undefined : described;
      },
      20_000,
      `${drill.drillId} to finish`,
    );
  }

  /** The execution's whole history, every page. */
  async historyOf(drill: Drill): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn: drill.executionArn, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  /** A drill ledger item by its key, read consistently. */
  async ledgerItem(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: LEDGER_TABLE, Key: { ledgerKey: key }, ConsistentRead: true }),
    );
    return Item;
  }
}
