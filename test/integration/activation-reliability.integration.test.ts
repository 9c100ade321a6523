import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { type SandboxRecord, SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { CrmDetailType, PsflowSource, SalesforceDetailType } from '../../shared/events/catalogue';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { executionNameFor, projectIdFor } from '../../shared/workflows/workflow-names';
import { deliverEvents, LOCAL_EVENT_RELAY_SOURCE } from '../support/partner-events';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * Reliability of project activation end to end, in a local cloud: duplicated deliveries,
 * transient and permanent connector faults, conservation of a mixed run of 200 activations,
 * and a hard crash in the middle of a burst. Every outcome is read back from the real
 * sources: Step Functions, the sandbox systems, the human-tasks table and the exception queue.
 */

const BUS = 'psflow-dev';
const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-project-activation';
const CRM_TABLE = 'psflow-dev-sandbox-crm';
const RECORDS_TABLE = 'psflow-dev-sandbox-records';
const TASKS_TABLE = 'psflow-dev-human-tasks';
// The partner bus the local stage listens on, as a deployment names its org's (-c partnerEventBuses).
const EVENT_RELAY_SOURCE = LOCAL_EVENT_RELAY_SOURCE;
const ABORTED = 'psflow.Aborted';
/** Sandbox functions cache fault settings for 500 ms (`FAULT_CACHE_MS`); a change applies after that. */
const FAULT_CACHE_EXPIRY_MS = 700;
const PSFLOW_BIN = path.resolve(__dirname, '..', '..', 'bin', 'psflow.js');
const run = promisify(execFile);

type PublicException = Omit<WorkflowException, 'token'>;
type Bucket = 'succeeded' | 'approval' | 'exception' | 'aborted';

/** What a staged deal looks like in the CRM. */
interface DealOptions {
  /** Major units of the deal's currency. */
  readonly amount: number;
  readonly currency?: string;
  /** As the CRM spells it; ingestion slugifies it. */
  readonly practice?: string;
  /** False stages a deal without a statement of work, which PrepareEngagement refuses. */
  readonly withStatementOfWork?: boolean;
}

/** A staged deal and the names psflow gives its activation. */
interface Deal {
  readonly opportunityId: string;
  readonly accountId: string;
  readonly transactionKey: string;
  readonly projectId: string;
  readonly executionArn: string;
  readonly options: Required<DealOptions>;
}

/** Where one execution stands, read from Step Functions. */
interface ExecutionState {
  readonly executionArn: string;
  readonly status: string;
  /** For a RUNNING execution: the kind of person it waits for, if it waits. */
  readonly waitingFor?: 'approval' | 'exception';
}

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A Salesforce-shaped 18-character id with a key prefix (`006` opportunity, `001` account). */
function salesforceId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 15)}`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function newDeal(options: DealOptions): Deal {
  const opportunityId = salesforceId('006');
  const opportunity = { system: 'salesforce' as const, id: opportunityId };
  return {
    opportunityId,
    accountId: salesforceId('001'),
    transactionKey: randomUUID(),
    projectId: projectIdFor(opportunity).id,
    executionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${executionNameFor('opportunity', opportunity)}`,
    options: { currency: 'EUR', practice: 'Data Engineering', withStatementOfWork: true, ...options },
  };
}

/** The CRM items of a deal: account, opportunity and (unless left out) its statement of work. */
function crmItems(deal: Deal): Record<string, unknown>[] {
  const { amount, currency, practice, withStatementOfWork } = deal.options;
  const account = {
    recordKey: `Account#${deal.accountId}`,
    accountId: deal.accountId,
    name: `Reliability Client ${deal.accountId.slice(-6)}`,
    region: 'EMEA',
    isNewClient: false,
  };
  const opportunity = {
    recordKey: `Opportunity#${deal.opportunityId}`,
    opportunityId: deal.opportunityId,
    accountId: deal.accountId,
    name: `Reliability ${deal.opportunityId}`,
    stage: 'Closed Won',
    isWon: true,
    isClosed: true,
    amount,
    currency,
    closeDate: '2026-11-20',
    region: 'EMEA',
    practice,
    billingModel: 'Time and Materials',
    startDate: '2027-01-11',
    endDate: '2027-03-31',
    discountPercent: 0,
    dealType: 'Existing Customer - Upgrade',
  };
  // Two role lines in the deal's currency that add up to the amount: half at 100, half at 125 an hour.
  const line = (lineId: string, role: string, rate: number) => ({
    lineId,
    role,
    skills: ['delivery'],
    hours: amount / 2 / rate,
    rate: { amountMinor: rate * 100, currency },
    startDate: '2027-01-11',
    endDate: '2027-03-31',
  });
  const sow = {
    recordKey: `Sow#${deal.opportunityId}`,
    opportunityId: deal.opportunityId,
    roleLines: [line('L1', 'Consultant', 100), line('L2', 'Senior Consultant', 125)],
  };
  return withStatementOfWork ? [account, opportunity, sow] : [account, opportunity];
}

/** The Salesforce Event Relay change event of a deal moving to Closed Won; the CRM supplies the rest. */
function changeEvent(deal: Deal): PutEventsRequestEntry {
  const payload = {
    ChangeEventHeader: {
      entityName: 'Opportunity',
      recordIds: [deal.opportunityId],
      changeType: 'UPDATE',
      transactionKey: deal.transactionKey,
      sequenceNumber: 1,
      commitTimestamp: Date.now(),
      changedFields: ['StageName', 'IsWon', 'IsClosed'],
    },
    StageName: 'Closed Won',
    IsWon: true,
    IsClosed: true,
  };
  return {
    EventBusName: BUS,
    Source: EVENT_RELAY_SOURCE,
    DetailType: SalesforceDetailType.OpportunityChangeEvent,
    Detail: JSON.stringify({ payload, id: randomUUID() }),
  };
}

/** The same win as psflow's own CRM integration reports it: a canonical `Opportunity Won`. */
function canonicalWonEvent(deal: Deal): PutEventsRequestEntry {
  const { amount, currency, practice } = deal.options;
  const detail = {
    opportunity: {
      opportunityId: { system: 'salesforce', id: deal.opportunityId },
      client: {
        clientId: { system: 'salesforce', id: deal.accountId },
        name: `Reliability Client ${deal.accountId.slice(-6)}`,
        region: 'EMEA',
        isNew: false,
      },
      name: `Reliability ${deal.opportunityId}`,
      stage: 'Closed Won',
      amount: { amountMinor: Math.round(amount * 100), currency },
      billingModel: 'time-and-materials',
      region: 'EMEA',
      practice: slug(practice),
      discountPercent: 0,
      closeDate: '2026-11-20',
      startDate: '2027-01-11',
      endDate: '2027-03-31',
    },
    wonAt: new Date().toISOString(),
    dedupeKey: `crm-sync-${deal.transactionKey}`,
  };
  return {
    EventBusName: BUS,
    Source: PsflowSource.Crm,
    DetailType: CrmDetailType.OpportunityWon,
    Detail: JSON.stringify(detail),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const CALLBACK_STATE = /^(Request\w*Approval|File\w*Exception)$/;

/**
 * What an execution waits for, from its history: a callback task (`Request…Approval` or
 * `File…Exception`) was submitted and not yet answered, and every state still open is such a
 * task or a Map or Parallel around one. Usually the newest event is the submitted task; in the
 * Parallel of ProvisionProjects the other branch may have finished after it.
 */
function waitingKind(history: readonly HistoryEvent[]): 'approval' | 'exception' | undefined {
  const open = new Map<string, number>();
  const containers = new Set<string>();
  let callbacks = 0;
  for (const event of history) {
    const type = event.type ?? '';
    const entered = type.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : undefined;
    const exited = type.endsWith('StateExited') ? event.stateExitedEventDetails?.name : undefined;
    if (entered) open.set(entered, (open.get(entered) ?? 0) + 1);
    if (exited) open.set(exited, (open.get(exited) ?? 0) - 1);
    if (entered && (type === 'MapStateEntered' || type === 'ParallelStateEntered')) containers.add(entered);
    if (type === 'TaskSubmitted') callbacks += 1;
    const answered =
      event.taskSucceededEventDetails?.resource ??
      event.taskFailedEventDetails?.resource ??
      event.taskTimedOutEventDetails?.resource;
    if (answered?.endsWith('waitForTaskToken')) callbacks -= 1;
  }
  const active = [...open].filter(([, count]) => count > 0).map(([name]) => name);
  const waiting = active.filter((name) => CALLBACK_STATE.test(name));
  const moving = active.filter((name) => !CALLBACK_STATE.test(name) && !containers.has(name));
  if (callbacks <= 0 || waiting.length === 0 || moving.length > 0) return undefined;
  return waiting.some((name) => name.startsWith('Request')) ? 'approval' : 'exception';
}

/** Clients and helpers bound to one running local cloud. */
class CloudDriver {
  readonly documents: DynamoDBDocumentClient;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;

  constructor(readonly url: string) {
    this.documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(url)));
    this.events = new EventBridgeClient(clientConfig(url));
    this.sfn = new SFNClient(clientConfig(url));
  }

  destroy(): void {
    this.documents.destroy();
    this.events.destroy();
    this.sfn.destroy();
  }

  async stage(deals: readonly Deal[]): Promise<void> {
    const items = deals.flatMap(crmItems);
    for (const batch of chunks(items, 25)) {
      await this.batchPut(CRM_TABLE, batch);
    }
  }

  async batchPut(tableName: string, items: readonly Record<string, unknown>[]): Promise<void> {
    let request: BatchWriteCommandInput['RequestItems'] = {
      [tableName]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length > 0) {
      const answer: BatchWriteCommandOutput = await this.documents.send(
        new BatchWriteCommand({ RequestItems: request }),
      );
      request = answer.UnprocessedItems;
    }
  }

  /** Puts entries, ten per PutEvents call, and fails on any refused entry. */
  async put(entries: readonly PutEventsRequestEntry[]): Promise<void> {
    for (const batch of chunks(entries, 10)) {
      // Salesforce events arrive on their partner bus, as Event Relay delivers them.
      const { FailedEntryCount } = await deliverEvents(this.url, batch);
      expect(FailedEntryCount ?? 0).toBe(0);
    }
  }

  async psflow(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [PSFLOW_BIN, ...args], {
        env: { ...process.env, PSFLOW_ENDPOINT: this.url },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  async setFaults(system: 'erp' | 'psa' | 'documents', faults: unknown): Promise<void> {
    const result = await this.psflow('sandbox', 'faults', system, '--set', JSON.stringify(faults), '--json');
    expect(result).toMatchObject({ code: 0 });
  }

  async clearFaults(): Promise<void> {
    for (const system of ['erp', 'psa', 'documents']) {
      const result = await this.psflow('sandbox', 'faults', system, '--clear', '--json');
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('{}') });
    }
    await pause(FAULT_CACHE_EXPIRY_MS);
  }

  /** Every execution of project activation, newest first. */
  async executions(): Promise<ExecutionListItem[]> {
    const all: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN, maxResults: 1000, nextToken }),
      );
      all.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  }

  async describe(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    return this.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  /** What a RUNNING execution waits for, read from its history (see {@link waitingKind}). */
  async waitingFor(executionArn: string): Promise<'approval' | 'exception' | undefined> {
    return waitingKind(await this.history(executionArn));
  }

  /** The state of each execution, once every one of them has finished or waits for a person. */
  async settled(executionArns: readonly string[], timeoutMs: number): Promise<Map<string, ExecutionState>> {
    const wanted = new Set(executionArns);
    return eventually(
      async () => {
        const listed = (await this.executions()).filter((execution) => wanted.has(execution.executionArn ?? ''));
        const states = new Map<string, ExecutionState>();
        for (const execution of listed) {
          const executionArn = execution.executionArn as string;
          const status = execution.status as string;
          if (status !== 'RUNNING') {
            states.set(executionArn, { executionArn, status });
            continue;
          }
          const waitingFor = await this.waitingFor(executionArn);
          if (!waitingFor) break;
          states.set(executionArn, { executionArn, status, waitingFor });
        }
        if (states.size === wanted.size) return states;
        // Pace the polling: histories of hundreds of executions are not free for a 2-core machine.
        await pause(400);
        return undefined;
      },
      timeoutMs,
      `all ${wanted.size} executions to finish or wait for a person`,
    );
  }

  async recordsOf(projectId: string): Promise<SandboxRecord[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: RECORDS_TABLE,
        IndexName: 'byReference',
        KeyConditionExpression: '#reference = :reference',
        ExpressionAttributeNames: { '#reference': 'reference' },
        ExpressionAttributeValues: { ':reference': projectId },
      }),
    );
    return Items as SandboxRecord[];
  }

  /** How many records of each `system#type` a project holds in the sandbox systems. */
  async recordCounts(projectId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const record of await this.recordsOf(projectId))
      counts[record.systemType] = (counts[record.systemType] ?? 0) + 1;
    return counts;
  }

  /** Open human tasks, grouped by execution. */
  async openTasksByExecution(): Promise<Map<string, HumanTask[]>> {
    const byExecution = new Map<string, HumanTask[]>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: TASKS_TABLE,
          FilterExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': 'open' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const task of (page.Items ?? []) as HumanTask[])
        byExecution.set(task.executionArn, [...(byExecution.get(task.executionArn) ?? []), task]);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return byExecution;
  }

  /** Exceptions through the operations API, as an owner lists them. */
  async exceptions(query: Record<string, string>, as = 'fiona.finance'): Promise<PublicException[]> {
    const response = await fetch(
      `${this.url}/api/exceptions?${new URLSearchParams({ limit: '500', ...query }).toString()}`,
      { headers: { 'X-Psflow-User': as } },
    );
    expect(response.status).toBe(200);
    return (await response.json()) as PublicException[];
  }

  /** Open exceptions, grouped by execution. */
  async openExceptionsByExecution(): Promise<Map<string, PublicException[]>> {
    const byExecution = new Map<string, PublicException[]>();
    for (const exception of await this.exceptions({ status: 'open' }))
      byExecution.set(exception.executionArn, [...(byExecution.get(exception.executionArn) ?? []), exception]);
    return byExecution;
  }

  async abortViaApi(exceptionId: string, as: string, note: string): Promise<void> {
    const response = await fetch(`${this.url}/api/exceptions/${encodeURIComponent(exceptionId)}/abort`, {
      method: 'POST',
      headers: { 'X-Psflow-User': as, 'content-type': 'application/json' },
      body: JSON.stringify({ note }),
    });
    expect(response.status).toBe(200);
  }

  /**
   * Sorts executions into the buckets of a settled run, each from its own source: Step Functions
   * statuses, open human tasks, open exceptions, and FAILED-with-psflow.Aborted histories that
   * ran CompensateActivation. An execution may land in none or several; the caller asserts one.
   */
  async buckets(executionArns: readonly string[]): Promise<Map<string, Bucket[]>> {
    const wanted = new Set(executionArns);
    const listed = (await this.executions()).filter((execution) => wanted.has(execution.executionArn ?? ''));
    const tasks = await this.openTasksByExecution();
    const exceptions = await this.openExceptionsByExecution();
    const result = new Map<string, Bucket[]>();
    for (const execution of listed) {
      const executionArn = execution.executionArn as string;
      const buckets: Bucket[] = [];
      if (execution.status === 'SUCCEEDED') buckets.push('succeeded');
      if (execution.status === 'RUNNING' && (tasks.get(executionArn)?.length ?? 0) > 0) buckets.push('approval');
      if (execution.status === 'RUNNING' && (exceptions.get(executionArn)?.length ?? 0) > 0) buckets.push('exception');
      if (execution.status === 'FAILED') {
        const described = await this.describe(executionArn);
        const history = await this.history(executionArn);
        const compensated = history.some(
          (event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'CompensateActivation',
        );
        if (described.error === ABORTED && compensated) buckets.push('aborted');
      }
      result.set(executionArn, buckets);
    }
    return result;
  }
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** One of each record an activation writes; onboarding files the contract and the SOW. */
const ONE_ACTIVATION = {
  'erp#project': 1,
  'erp#budget': 1,
  'erp#billing': 1,
  'psa#project': 1,
  'documents#document': 2,
  'documents#task-list': 1,
};

/** Transient faults on every operation of a system: 30% in all, split evenly. */
const TRANSIENT_FAULTS = { '*': { throttleRate: 0.1, unavailableRate: 0.1, timeoutRate: 0.1 } };

/** The failed connector calls a history shows: Lambda failures retried by the workflow. */
function retriedFailures(history: readonly HistoryEvent[]): string[] {
  return history
    .filter((event) => event.type === 'LambdaFunctionFailed')
    .map((event) => event.lambdaFunctionFailedEventDetails?.error ?? '');
}

/** Causes of CompensateActivation's failed attempts. */
function compensationFailures(history: readonly HistoryEvent[]): string[] {
  const start = history.findIndex((event) => event.stateEnteredEventDetails?.name === 'CompensateActivation');
  if (start < 0) return [];
  return history
    .slice(start)
    .filter((event) => event.type === 'LambdaFunctionFailed')
    .map((event) => event.lambdaFunctionFailedEventDetails?.cause ?? '');
}

/** Names of the states an execution entered, in order. */
function enteredStates(history: readonly HistoryEvent[]): string[] {
  return history
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '');
}

/** An ERP project stored under the key an activation's createProject uses, for a different payload: the ERP will refuse the activation's write. */
function conflictingErpProject(deal: Deal): Record<string, unknown> {
  const idempotencyKey = `${deal.projectId}:erp-project`;
  const id = SandboxRecordStore.idFor('ERP', idempotencyKey);
  return {
    recordKey: `erp#project#${id}`,
    systemType: 'erp#project',
    id,
    createdAt: new Date().toISOString(),
    idempotencyKey,
    fingerprint: 'a-project-someone-else-created',
    name: 'Booked by hand',
    status: 'open',
  };
}

describe('project activation under duplicate deliveries and connector faults', () => {
  let cloud: LocalCloudProcess;
  let driver: CloudDriver;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('reliability'));
    driver = new CloudDriver(cloud.url);
  });

  afterEach(async () => {
    await driver.clearFaults();
  });

  afterAll(async () => {
    driver?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  it('activates each opportunity exactly once when every win is delivered four times', async () => {
    // Prepare: five small deals; each win is put three times as the same change and once as a canonical event.
    const deals = Array.from({ length: 5 }, (_, index) => newDeal({ amount: 20_000 + index * 1_000 }));
    await driver.stage(deals);

    // Act
    for (let round = 0; round < 3; round++) await driver.put(deals.map(changeEvent));
    await driver.put(deals.map(canonicalWonEvent));
    const states = await driver.settled(
      deals.map((deal) => deal.executionArn),
      60_000,
    );

    // Assess
    const ours = new Set(deals.map((deal) => deal.executionArn));
    const executions = (await driver.executions()).filter((execution) => ours.has(execution.executionArn ?? ''));
    expect(executions.map((execution) => execution.executionArn).sort()).toEqual([...ours].sort());
    expect([...states.values()].map((state) => state.status)).toEqual(deals.map(() => 'SUCCEEDED'));
    for (const deal of deals) expect(await driver.recordCounts(deal.projectId)).toEqual(ONE_ACTIVATION);
    // The PSA project carries its work breakdown: both lines share one window, so one package holds both roles.
    const [psaProject] = (await driver.recordsOf(deals[0].projectId)).filter(
      (record) => record.systemType === 'psa#project',
    );
    expect(psaProject.workBreakdown).toEqual([
      {
        code: '1',
        name: 'Consultant, Senior Consultant (2027-01-11 to 2027-03-31)',
        startDate: '2027-01-11',
        endDate: '2027-03-31',
        plannedHours: 20_000 / 2 / 100 + 20_000 / 2 / 125,
        roleLineIds: ['L1', 'L2'],
      },
    ]);
    expect(
      (psaProject.roles as { lineId: string; workPackage: string }[]).map((role) => [role.lineId, role.workPackage]),
    ).toEqual([
      ['L1', '1'],
      ['L2', '1'],
    ]);
  });

  it('completes every activation under 30% transient faults, with one record of each kind per project', async () => {
    // Prepare
    for (const system of ['erp', 'psa', 'documents'] as const) await driver.setFaults(system, TRANSIENT_FAULTS);
    await pause(FAULT_CACHE_EXPIRY_MS);
    const deals = Array.from({ length: 20 }, (_, index) => newDeal({ amount: 10_000 + index * 500 }));
    await driver.stage(deals);

    // Act: a step fails only when three calls in a row fault (p = 0.027 per call), so a run of 20
    // shows a workflow retry with p ≈ 0.98; a few more deals, only if needed, make that certain.
    await driver.put(deals.map(changeEvent));
    let states = await driver.settled(
      deals.map((deal) => deal.executionArn),
      60_000,
    );
    let histories = await Promise.all(deals.map((deal) => driver.history(deal.executionArn)));
    for (let extra = 0; extra < 4 && histories.every((history) => retriedFailures(history).length === 0); extra++) {
      const more = Array.from({ length: 5 }, () => newDeal({ amount: 12_345 }));
      await driver.stage(more);
      await driver.put(more.map(changeEvent));
      deals.push(...more);
      states = await driver.settled(
        deals.map((deal) => deal.executionArn),
        30_000,
      );
      histories = await Promise.all(deals.map((deal) => driver.history(deal.executionArn)));
    }

    // Assess: all succeeded, the timeouts that wrote and lost the answer left no second record, and the workflow retried visibly.
    expect(countBy(states.values(), (state) => state.status)).toEqual({ SUCCEEDED: deals.length });
    for (const deal of deals)
      expect({ deal: deal.opportunityId, records: await driver.recordCounts(deal.projectId) }).toEqual({
        deal: deal.opportunityId,
        records: ONE_ACTIVATION,
      });
    const retried = histories.filter((history) => retriedFailures(history).length > 0);
    expect(retried.length).toBeGreaterThan(0);
    for (const history of retried) {
      expect(new Set(retriedFailures(history))).toEqual(new Set(['RetryableConnectorError']));
      expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    }
  });

  it('files a permanent ERP refusal for finance while PSA completes, and succeeds once retried after the fault is fixed', async () => {
    // Prepare
    await driver.setFaults('erp', { createProject: { rejectRate: 1 } });
    await pause(FAULT_CACHE_EXPIRY_MS);
    const deal = newDeal({ amount: 30_000 });
    await driver.stage([deal]);

    // Act
    await driver.put([changeEvent(deal)]);
    const filed = await eventually(
      async () => {
        const listed = await driver.psflow(
          'exceptions',
          'list',
          '--project',
          deal.projectId,
          '--as',
          'fiona.finance',
          '--json',
        );
        return (JSON.parse(listed.stdout) as PublicException[])[0];
      },
      30_000,
      'the ERP exception',
    );
    const psaBeforeRetry = await eventually(
      async () => {
        const counts = await driver.recordCounts(deal.projectId);
        return counts['psa#project'] ? counts : undefined;
      },
      20_000,
      'the PSA project',
    );
    await driver.clearFaults();
    const retried = await driver.psflow('exceptions', 'retry', filed.exceptionId, '--as', 'fiona.finance', '--json');
    const states = await driver.settled([deal.executionArn], 30_000);

    // Assess
    expect(filed).toMatchObject({
      executionArn: deal.executionArn,
      step: 'ProvisionErpProject',
      ownerRole: 'finance-ops',
      reasonCode: 'PermanentConnectorError',
      status: 'open',
    });
    expect(filed.message).toContain('erp.createProject');
    expect(psaBeforeRetry).toEqual({ 'psa#project': 1 });
    expect(retried).toMatchObject({ code: 0 });
    expect(states.get(deal.executionArn)?.status).toBe('SUCCEEDED');
    expect(await driver.recordCounts(deal.projectId)).toEqual(ONE_ACTIVATION);
    expect(
      (await driver.exceptions({ project: deal.projectId, status: 'retrying' })).map(
        (exception) => exception.exceptionId,
      ),
    ).toEqual([filed.exceptionId]);
  });

  it("retries a failed step with the owner's patch, and the ERP receives the patched engagement", async () => {
    // Prepare
    await driver.setFaults('erp', { createProject: { rejectRate: 1 } });
    await pause(FAULT_CACHE_EXPIRY_MS);
    const deal = newDeal({ amount: 30_000 });
    await driver.stage([deal]);
    await driver.put([changeEvent(deal)]);
    const filed = await eventually(
      async () => (await driver.exceptions({ project: deal.projectId, status: 'open' }))[0],
      30_000,
      'the ERP exception',
    );
    await driver.clearFaults();
    const patchedName = `Patched ${deal.opportunityId}`;

    // Act
    const response = await fetch(`${driver.url}/api/exceptions/${encodeURIComponent(filed.exceptionId)}/retry`, {
      method: 'POST',
      headers: { 'X-Psflow-User': 'fiona.finance', 'content-type': 'application/json' },
      body: JSON.stringify({
        patch: [{ op: 'replace', path: '/engagement/name', value: patchedName }],
        note: 'the project name was wrong',
      }),
    });
    const states = await driver.settled([deal.executionArn], 30_000);

    // Assess
    expect(filed).toMatchObject({ step: 'ProvisionErpProject', status: 'open' });
    expect(response.status).toBe(200);
    expect(states.get(deal.executionArn)?.status).toBe('SUCCEEDED');
    const erpProjects = (await driver.recordsOf(deal.projectId)).filter(
      (record) => record.systemType === 'erp#project',
    );
    expect(erpProjects.map((record) => record.name)).toEqual([patchedName]);
    const history = await driver.history(deal.executionArn);
    const correction = history.find(
      (event) =>
        event.type === 'PassStateExited' && event.stateExitedEventDetails?.name === 'CorrectProvisionErpProjectInput',
    );
    const corrected = JSON.parse(correction?.stateExitedEventDetails?.output ?? '{}') as Record<string, unknown>;
    expect(corrected).not.toHaveProperty('$');
    expect(corrected).toMatchObject({ engagement: { name: patchedName } });
  });

  it('aborts an activation on its ERP exception by compensating: the PSA project is closed and nothing is deleted', async () => {
    // Prepare
    await driver.setFaults('erp', { createProject: { rejectRate: 1 } });
    await pause(FAULT_CACHE_EXPIRY_MS);
    const deal = newDeal({ amount: 25_000 });
    await driver.stage([deal]);
    await driver.put([changeEvent(deal)]);
    const filed = await eventually(
      async () => (await driver.exceptions({ project: deal.projectId }))[0],
      30_000,
      'the ERP exception',
    );
    await eventually(
      async () => ((await driver.recordCounts(deal.projectId))['psa#project'] ? true : undefined),
      20_000,
      'the PSA project',
    );
    await driver.settled([deal.executionArn], 20_000);
    const keysBeforeAbort = (await driver.recordsOf(deal.projectId)).map((record) => record.recordKey);

    // Act
    const aborted = await driver.psflow(
      'exceptions',
      'abort',
      filed.exceptionId,
      '--note',
      'the client cancelled before kickoff',
      '--as',
      'fiona.finance',
      '--json',
    );
    const finished = await eventually(
      async () => {
        const described = await driver.describe(deal.executionArn);
        return described.status === 'RUNNING' ? undefined : described;
      },
      30_000,
      'the aborted activation to end',
    );

    // Assess
    expect(aborted).toMatchObject({ code: 0 });
    expect(finished).toMatchObject({ status: 'FAILED', error: ABORTED });
    const history = await driver.history(deal.executionArn);
    expect(enteredStates(history)).toEqual(
      expect.arrayContaining(['FileProvisionErpProjectException', 'CompensateActivation', 'ActivationAborted']),
    );
    const records = await driver.recordsOf(deal.projectId);
    expect(records.map((record) => [record.systemType, record.status])).toEqual([['psa#project', 'closed']]);
    expect(records.map((record) => record.recordKey)).toEqual(keysBeforeAbort);
    expect(records[0]).toMatchObject({ closedReason: expect.stringContaining('aborted') });
    expect(compensationFailures(history)).toEqual([]);
    for (const record of records.filter((each) => each.recordKey.startsWith('erp#')))
      expect(['closed', 'void']).toContain(record.status);
  });

  it('aborts an activation whose statement of work is missing without its compensation failing', async () => {
    // Prepare: PrepareEngagement refuses a deal without a statement of work; integration owns it.
    const deal = newDeal({ amount: 18_000, withStatementOfWork: false });
    await driver.stage([deal]);
    await driver.put([changeEvent(deal)]);
    const filed = await eventually(
      async () => (await driver.exceptions({ project: deal.projectId }, 'ian.integration'))[0],
      30_000,
      'the PrepareEngagement exception',
    );
    await driver.settled([deal.executionArn], 20_000);

    // Act
    const aborted = await driver.psflow(
      'exceptions',
      'abort',
      filed.exceptionId,
      '--note',
      'duplicate deal, closed in the CRM',
      '--as',
      'ian.integration',
      '--json',
    );
    // Until it ends, or its compensation has failed once (its retries would take another 30 s).
    const history = await eventually(
      async () => {
        const events = await driver.history(deal.executionArn);
        const ended = events.at(-1)?.type?.startsWith('Execution') === true && events.length > 1;
        return ended || compensationFailures(events).length > 0 ? events : undefined;
      },
      30_000,
      'the aborted activation to end or fail compensating',
    );

    // Assess
    expect(filed).toMatchObject({
      step: 'PrepareEngagement',
      ownerRole: 'integration-ops',
      reasonCode: 'PermanentConnectorError',
    });
    expect(aborted).toMatchObject({ code: 0 });
    expect(compensationFailures(history)).toEqual([]);
    expect(await driver.describe(deal.executionArn)).toMatchObject({ status: 'FAILED', error: ABORTED });
    expect(enteredStates(history)).toEqual(expect.arrayContaining(['CompensateActivation', 'ActivationAborted']));
  });

  it('accounts for every one of 200 mixed activations in exactly one outcome', async () => {
    // Prepare: 170 small deals, 15 needing a practice lead, 10 without a statement of work, and 5
    // the ERP refuses (it holds another project under their key) that finance will abort.
    const practices = ['Data Engineering', 'ERP Advisory', 'Cloud Strategy', 'Operations Research'];
    const plan: Array<{ deal: Deal; expected: Bucket }> = [
      ...Array.from({ length: 170 }, (_, index) => ({
        deal: newDeal({ amount: 5_000 + index * 250, practice: practices[index % 4] }),
        expected: 'succeeded' as const,
      })),
      ...Array.from({ length: 15 }, (_, index) => ({
        deal: newDeal({ amount: 60_000 + index * 10_000, practice: practices[index % 4] }),
        expected: 'approval' as const,
      })),
      ...Array.from({ length: 10 }, (_, index) => ({
        deal: newDeal({ amount: 15_000 + index * 100, withStatementOfWork: false }),
        expected: 'exception' as const,
      })),
      ...Array.from({ length: 5 }, (_, index) => ({
        deal: newDeal({ amount: 22_000 + index * 100 }),
        expected: 'aborted' as const,
      })),
    ];
    // Interleaved with a stride of 7 (coprime with 200), so the kinds arrive mixed.
    const order = plan.map((_, index) => (index * 7) % plan.length);
    expect(new Set(order).size).toBe(plan.length);
    const deals = plan.map((item) => item.deal);
    const toAbort = plan.filter((item) => item.expected === 'aborted').map((item) => item.deal);
    await driver.stage(deals);
    await driver.batchPut(RECORDS_TABLE, toAbort.map(conflictingErpProject));
    const arns = deals.map((deal) => deal.executionArn);

    // Act
    await driver.put(order.map((index) => changeEvent(plan[index].deal)));
    // The budget is the cloud's capacity, not a speed target: with the staffing and KPI work each
    // activation sets off, two cores drain about 3 activations/s (docs/benchmarks.md), so 200 take
    // about a minute alone and twice that beside another suite.
    const firstSettle = await driver.settled(arns, 180_000);
    const toAbortArns = new Set(toAbort.map((deal) => deal.executionArn));
    const abortable = (await driver.exceptions({ status: 'open', owner: 'finance-ops' })).filter((exception) =>
      toAbortArns.has(exception.executionArn),
    );
    for (const exception of abortable)
      await driver.abortViaApi(
        exception.exceptionId,
        'fiona.finance',
        'the ERP already holds this project; booked by hand',
      );
    const states = await driver.settled(arns, 30_000);
    // A callback task is submitted before its function has written the task or the exception: wait for both sources.
    const buckets = await eventually(
      async () => {
        const sorted = await driver.buckets(arns);
        return [...sorted.values()].every((each) => each.length > 0) ? sorted : undefined;
      },
      10_000,
      'every settled execution to show in its source',
    ).catch(() => driver.buckets(arns));

    // Assess: started = succeeded + waiting on approval + waiting on exception + aborted and compensated.
    const started = (await driver.executions()).filter((execution) => arns.includes(execution.executionArn ?? ''));
    expect(started).toHaveLength(200);
    expect(countBy(firstSettle.values(), (state) => state.waitingFor ?? state.status)).toEqual({
      SUCCEEDED: 170,
      approval: 15,
      exception: 15,
    });
    expect(abortable.map((exception) => exception.step)).toEqual(toAbort.map(() => 'ProvisionErpProject'));
    const inNone = [...buckets]
      .filter(([, each]) => each.length === 0)
      .map(([arn]) => `${arn} ${states.get(arn)?.status}`);
    const inSeveral = [...buckets]
      .filter(([, each]) => each.length > 1)
      .map(([arn, each]) => `${arn} ${each.join('+')}`);
    expect({ inNone, inSeveral }).toEqual({ inNone: [], inSeveral: [] });
    const counts = countBy(buckets.values(), (each) => each.join('+'));
    expect(counts).toEqual({ succeeded: 170, approval: 15, exception: 10, aborted: 5 });
    expect(counts.succeeded + counts.approval + counts.exception + counts.aborted).toBe(started.length);
    expect(
      plan
        .filter((item) => buckets.get(item.deal.executionArn)?.[0] !== item.expected)
        .map((item) => item.deal.opportunityId),
    ).toEqual([]);
    const tasks = await driver.openTasksByExecution();
    for (const { deal } of plan.filter((item) => item.expected === 'approval')) {
      expect((tasks.get(deal.executionArn) ?? []).map((task) => task.assigneeRole)).toEqual(['practice-lead']);
    }
    const exceptions = await driver.openExceptionsByExecution();
    for (const { deal } of plan.filter((item) => item.expected === 'exception')) {
      expect((exceptions.get(deal.executionArn) ?? []).map((exception) => exception.step)).toEqual([
        'PrepareEngagement',
      ]);
    }
    for (const deal of toAbort) {
      const records = await driver.recordsOf(deal.projectId);
      expect(records.map((record) => [record.systemType, record.status])).toEqual([['psa#project', 'closed']]);
    }
  }, 260_000);
});

describe('project activation across a crash of the local cloud', () => {
  let cloud: LocalCloudProcess | undefined;
  let driver: CloudDriver | undefined;

  afterAll(async () => {
    driver?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  it('settles every accepted activation exactly once after a hard kill and a restart on the same data', async () => {
    // Prepare: 24 small deals, 3 needing a practice lead, 3 without a statement of work.
    const dataDirectory = temporaryDataDirectory('reliability-crash');
    cloud = await startLocalCloud(dataDirectory);
    driver = new CloudDriver(cloud.url);
    const plan: Array<{ deal: Deal; expected: Bucket }> = [
      ...Array.from({ length: 24 }, (_, index) => ({
        deal: newDeal({ amount: 8_000 + index * 1_000 }),
        expected: 'succeeded' as const,
      })),
      ...Array.from({ length: 3 }, (_, index) => ({
        deal: newDeal({ amount: 90_000 + index * 1_000, practice: 'Cloud Strategy' }),
        expected: 'approval' as const,
      })),
      ...Array.from({ length: 3 }, (_, index) => ({
        deal: newDeal({ amount: 9_000 + index * 100, withStatementOfWork: false }),
        expected: 'exception' as const,
      })),
    ];
    const deals = plan.map((item) => item.deal);
    const arns = deals.map((deal) => deal.executionArn);
    await driver.stage(deals);

    // Act: the events are accepted, the first activations are under way, and the process dies.
    await driver.put(deals.map(changeEvent));
    const runningAtCrash = await eventually(
      async () => {
        const listed = await driver?.executions();
        return listed && listed.length > 0 ? listed.length : undefined;
      },
      20_000,
      'the first activation to start',
    );
    await cloud.kill();
    driver.destroy();
    cloud = await startLocalCloud(dataDirectory);
    driver = new CloudDriver(cloud.url);
    const restarted = driver;
    await restarted.settled(arns, 60_000);
    const buckets = await eventually(
      async () => {
        const sorted = await restarted.buckets(arns);
        return [...sorted.values()].every((each) => each.length > 0) ? sorted : undefined;
      },
      10_000,
      'every settled execution to show in its source',
    ).catch(() => restarted.buckets(arns));

    // Assess: one execution per accepted event, each in exactly one outcome, one ERP project per activation.
    expect(runningAtCrash).toBeGreaterThan(0);
    expect(cloud.output()).toMatch(/recovered\s+\d+ undelivered events, \d+ interrupted executions restarted/);
    const executions = await restarted.executions();
    expect(executions.map((execution) => execution.executionArn).sort()).toEqual([...arns].sort());
    expect(
      plan
        .filter((item) => (buckets.get(item.deal.executionArn) ?? []).join('+') !== item.expected)
        .map((item) => `${item.deal.opportunityId}: ${buckets.get(item.deal.executionArn)?.join('+')}`),
    ).toEqual([]);
    expect(countBy(buckets.values(), (each) => each.join('+'))).toEqual({ succeeded: 24, approval: 3, exception: 3 });
    for (const { deal } of plan.filter((item) => item.expected === 'succeeded')) {
      expect({ deal: deal.opportunityId, records: await restarted.recordCounts(deal.projectId) }).toEqual({
        deal: deal.opportunityId,
        records: ONE_ACTIVATION,
      });
    }
    const tasks = await restarted.openTasksByExecution();
    const exceptions = await restarted.openExceptionsByExecution();
    for (const { deal } of plan.filter((item) => item.expected === 'approval'))
      expect(tasks.get(deal.executionArn)).toHaveLength(1);
    for (const { deal } of plan.filter((item) => item.expected === 'exception'))
      expect(exceptions.get(deal.executionArn)).toHaveLength(1);
  }, 90_000);
});
