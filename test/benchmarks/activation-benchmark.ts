import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SalesforceDetailType } from '../../shared/events/catalogue';
import { clientConfig, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';
import { deliverEvents, LOCAL_EVENT_RELAY_SOURCE } from '../support/partner-events';
import { salesforceId } from '../support/psflow-cli';
import { type Footprint, FootprintSampler, describeFootprint } from './footprint';

/** What one activation costs, measured on the local cloud. */
export interface ActivationFigures {
  readonly warmupActivations: number;
  /** Throughput of the warm-up, from a fresh local cloud: cold starts and JIT included. */
  readonly warmupPerSecond: number;
  readonly activations: number;
  readonly seconds: number;
  readonly perSecond: number;
  /**
   * Activations per second until the work they set off (staffing, KPI aggregation, events) has
   * drained too: the cloud quiet again, nothing queued for a function and no counter moving.
   */
  readonly drainedPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** The paced run: one event at a time at `pacedRate` per second, well under capacity. */
  readonly pacedActivations: number;
  readonly pacedRate: number;
  readonly pacedP50Ms: number;
  readonly pacedP95Ms: number;
  readonly transitionsPerActivation: number;
  readonly statesOfOne: string[];
  readonly lambdaInvocationsPerActivation: number;
  readonly dynamoWritesPerActivation: number;
  readonly dynamoReadsPerActivation: number;
  readonly eventsPerActivation: number;
  /** The local cloud's memory from start to the end of the run. */
  readonly footprint: Footprint;
}

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
const READS = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'];
const ACCOUNT_ID = '0018d00000MnP90AAB';
/**
 * Activations before the measured run. Each function runs in up to four execution environments,
 * each its own V8 isolate that optimises the SDK's hot code on its own: after 40 activations,
 * TurboFan was still compiling about 1,500 functions during the measured run and took a quarter
 * of the CPU. A thousand activations reach the steady state a long-running local cloud is in.
 */
const WARMUP = Number(process.env.PSFLOW_BENCH_ACTIVATION_WARMUP ?? 1000);
/** The paced run's size and rate: well under the throughput, so latency is one activation's own. */
const PACED_ACTIVATIONS = 200;
const PACED_RATE = 10;
/** How long the run may go without one more activation succeeding before it is called stuck. */
const STALL_MS = 60_000;

/** How long every counter must stand still, with nothing queued for a function, for the cloud to count as quiet. */
const QUIET_MS = 1500;

interface Health {
  readonly stepFunctions: Record<string, number>;
  readonly lambda: Record<string, { invocations: number; queued: number }>;
  readonly dynamodb: Record<string, number>;
  readonly eventBridge: Record<string, number>;
}

/** Every execution of a state machine, all pages. */
export async function listAllExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const found: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    found.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

/** The first failed executions of every state machine, with the error and cause Step Functions recorded. */
async function describeFailures(sfn: SFNClient): Promise<string> {
  const lines: string[] = [];
  for (const machine of (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []) {
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn, statusFilter: 'FAILED', maxResults: 3 }),
    );
    for (const execution of failed.executions ?? []) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
      lines.push(
        `${machine.name}/${execution.name}: ${described.error ?? '?'}: ${(described.cause ?? '').slice(0, 600)}`,
      );
    }
  }
  return lines.join('\n');
}

/** The p-th percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Activations end to end with auto-approval: a Salesforce change event (all fields, as Event
 * Relay sends them) → ingestion → the project-activation workflow → `Project Activated`.
 * Counts come from the local cloud's own counters: state transitions from execution history,
 * Lambda invocations, and every DynamoDB request the functions and integrations made.
 */
export async function measureActivations(count: number, progress: (line: string) => void): Promise<ActivationFigures> {
  const cloud = await startLocalCloud(temporaryDataDirectory('bench-activation'));
  const sampler = await FootprintSampler.start('project activation', cloud.pid);
  const config = clientConfig(cloud.url);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  const sfn = new SFNClient(config);
  const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-project-activation';
  const health = async (): Promise<Health> => (await (await fetch(`${cloud.url}/_psflow/health`)).json()) as Health;
  try {
    const stage = async (total: number): Promise<string[]> => {
      const ids = Array.from({ length: total }, () => salesforceId('006'));
      const items = ids.flatMap((opportunityId) => [
        // Ingestion checks that the CRM knows a won opportunity before it starts an activation.
        {
          recordKey: `Opportunity#${opportunityId}`,
          opportunityId,
          accountId: ACCOUNT_ID,
          name: `Bench deal ${opportunityId}`,
          stage: 'Closed Won',
          isWon: true,
          isClosed: true,
        },
        {
          recordKey: `Sow#${opportunityId}`,
          opportunityId,
          roleLines: [
            {
              lineId: 'L1',
              role: 'Consultant',
              skills: ['sql'],
              hours: 100,
              rate: { amountMinor: 20000, currency: 'USD' },
              startDate: '2027-01-04',
              endDate: '2027-01-29',
            },
          ],
        },
      ]);
      for (let start = 0; start < items.length; start += 25) {
        await documents.send(
          new BatchWriteCommand({
            RequestItems: {
              'psflow-dev-sandbox-crm': items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
            },
          }),
        );
      }
      return ids;
    };
    const putTimes = new Map<string, number>();
    const entryFor = (opportunityId: string): PutEventsRequestEntry => ({
      // Salesforce delivers to its partner bus; the local cloud plays the partner (test/support/partner-events.ts).
      Source: LOCAL_EVENT_RELAY_SOURCE,
      DetailType: SalesforceDetailType.OpportunityChangeEvent,
      Detail: JSON.stringify({
        payload: {
          ChangeEventHeader: {
            entityName: 'Opportunity',
            recordIds: [opportunityId],
            changeType: 'UPDATE',
            transactionKey: randomUUID(),
            sequenceNumber: 1,
            commitTimestamp: Date.now(),
            changedFields: ['StageName', 'IsWon'],
          },
          StageName: 'Closed Won',
          IsWon: true,
          IsClosed: true,
          Name: `Bench deal ${opportunityId}`,
          AccountId: ACCOUNT_ID,
          Amount: 20000,
          CurrencyIsoCode: 'USD',
          CloseDate: '2026-11-20',
          Region__c: 'AMER',
          Practice__c: 'Data Engineering',
          Billing_Model__c: 'Time and Materials',
          Contract_Start__c: '2027-01-04',
          Contract_End__c: '2027-01-29',
        },
      }),
    });
    /** One event at a time at a steady rate, each put on its own schedule so a slow answer does not bunch the next ones. */
    const sendPaced = async (ids: string[], perSecond: number): Promise<void> => {
      const start = Date.now();
      await Promise.all(
        ids.map(async (opportunityId, index) => {
          await new Promise((resolve) => setTimeout(resolve, start + (index * 1000) / perSecond - Date.now()));
          const putAt = Date.now();
          const result = await deliverEvents(cloud.url, [entryFor(opportunityId)]);
          if (result.FailedEntryCount) throw new Error(`activation event for ${opportunityId} refused`);
          putTimes.set(opportunityId, putAt);
        }),
      );
    };
    const send = async (ids: string[]): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < ids.length) {
            const batch = ids.slice(next, next + 10);
            next += batch.length;
            const entries = batch.map(entryFor);
            const putAt = Date.now();
            const result = await deliverEvents(cloud.url, entries);
            if (result.FailedEntryCount) throw new Error(`${result.FailedEntryCount} activation events refused`);
            for (const opportunityId of batch) putTimes.set(opportunityId, putAt);
          }
        }),
      );
    };
    const waitForSucceeded = async (total: number): Promise<void> => {
      let lastReport = 0;
      let lastSucceeded = -1;
      let lastProgress = Date.now();
      for (;;) {
        const { SUCCEEDED = 0, FAILED = 0, RUNNING = 0 } = (await health()).stepFunctions;
        if (FAILED > 0) throw new Error(`${FAILED} executions failed: ${await describeFailures(sfn)}`);
        if (SUCCEEDED >= total) return;
        if (SUCCEEDED > lastSucceeded) {
          lastSucceeded = SUCCEEDED;
          lastProgress = Date.now();
        } else if (Date.now() - lastProgress > STALL_MS) {
          throw new Error(
            `no activation finished for ${STALL_MS / 1000} s: ${SUCCEEDED}/${total} succeeded, ${RUNNING} still running (waiting on approval or an exception?)`,
          );
        }
        if (Date.now() - lastReport > 2000) {
          progress(`  ... ${SUCCEEDED}/${total} activations done`);
          lastReport = Date.now();
        }
        // Latency comes from the executions' stop dates, so polling often would only take CPU from the run.
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    // Work still under way from the activations before (staffing requests, KPI aggregation, events
    // on the bus) would otherwise land in the counts of the run after them, or out of the run's.
    const waitForQuiet = async (): Promise<number> => {
      const fingerprint = (value: Health): string =>
        JSON.stringify([
          Object.values(value.lambda).map((stats) => [stats.invocations, stats.queued]),
          value.dynamodb,
          value.eventBridge,
        ]);
      let last = '';
      let since = Date.now();
      const deadline = Date.now() + 10 * STALL_MS;
      for (;;) {
        const current = await health();
        const queued = Object.values(current.lambda).some((stats) => stats.queued > 0);
        const now = fingerprint(current);
        if (now !== last || queued) {
          last = now;
          since = Date.now();
        } else if (Date.now() - since >= QUIET_MS) return since;
        if (Date.now() > deadline)
          throw new Error(`the local cloud did not fall quiet within ${(10 * STALL_MS) / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    progress(`activation warm-up: ${WARMUP} activations (cold starts, then V8 optimising each environment) ...`);
    const warmupIds = await stage(WARMUP);
    const warmupStart = Date.now();
    await send(warmupIds);
    await waitForSucceeded(WARMUP);
    const warmupSeconds = (Date.now() - warmupStart) / 1000;

    const ids = await stage(count);
    await waitForQuiet();
    const before = await health();
    progress(`activations: ${count} won deals, auto-approved, as fast as the endpoint accepts them ...`);
    const firstPut = Date.now();
    await send(ids);
    await waitForSucceeded(WARMUP + count);
    const quietAt = await waitForQuiet();
    const after = await health();

    const pacedIds = await stage(PACED_ACTIVATIONS);
    progress(
      `paced: ${PACED_ACTIVATIONS} won deals at ${PACED_RATE}/s, for the latency of one activation on a busy, unsaturated cloud ...`,
    );
    await sendPaced(pacedIds, PACED_RATE);
    await waitForSucceeded(WARMUP + count + PACED_ACTIVATIONS);

    const allExecutions = await listAllExecutions(sfn, machineArn);
    /** PutEvents → stop latencies of the given deals, sorted, and their executions. */
    const latenciesOf = (wanted: string[]): { sorted: number[]; lastStop: number; executions: ExecutionListItem[] } => {
      const names = new Set(wanted);
      const executions = allExecutions.filter((execution) =>
        names.has(String(execution.name).replace('opportunity-salesforce-', '')),
      );
      if (executions.length !== wanted.length)
        throw new Error(`expected ${wanted.length} activations, found ${executions.length}`);
      let lastStop = 0;
      const latencies = executions.map((execution) => {
        const stop = execution.stopDate?.getTime() ?? 0;
        lastStop = Math.max(lastStop, stop);
        return stop - (putTimes.get(String(execution.name).replace('opportunity-salesforce-', '')) as number);
      });
      return { sorted: latencies.sort((a, b) => a - b), lastStop, executions };
    };
    const { sorted, lastStop, executions } = latenciesOf(ids);
    const paced = latenciesOf(pacedIds).sorted;
    const sample = executions.slice(0, 20);
    const histories = await Promise.all(
      sample.map((execution) =>
        sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 })),
      ),
    );
    const entered = histories.map((history) =>
      (history.events ?? []).filter((event) => event.type?.endsWith('StateEntered')),
    );
    const diff = (pick: (value: Health) => Record<string, number>, names?: string[]): number =>
      Object.entries(pick(after))
        .filter(([name]) => !names || names.includes(name))
        .reduce((total, [name, value]) => total + value - (pick(before)[name] ?? 0), 0);
    const lambdaCounts = (value: Health): Record<string, number> =>
      Object.fromEntries(Object.entries(value.lambda).map(([name, stats]) => [name, stats.invocations]));
    const seconds = (lastStop - firstPut) / 1000;
    return {
      warmupActivations: WARMUP,
      warmupPerSecond: WARMUP / warmupSeconds,
      activations: count,
      seconds,
      perSecond: count / seconds,
      drainedPerSecond: (count * 1000) / (quietAt - firstPut),
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      pacedActivations: PACED_ACTIVATIONS,
      pacedRate: PACED_RATE,
      pacedP50Ms: percentile(paced, 50),
      pacedP95Ms: percentile(paced, 95),
      transitionsPerActivation: entered.reduce((total, list) => total + list.length, 0) / entered.length,
      statesOfOne: (entered[0] ?? []).map((event) => String(event.stateEnteredEventDetails?.name)),
      lambdaInvocationsPerActivation: diff(lambdaCounts) / count,
      dynamoWritesPerActivation: diff((value) => value.dynamodb, WRITES) / count,
      dynamoReadsPerActivation: diff((value) => value.dynamodb, READS) / count,
      eventsPerActivation: ((after.eventBridge.accepted ?? 0) - (before.eventBridge.accepted ?? 0)) / count,
      footprint: sampler.finish(),
    };
  } finally {
    progress(`  memory: ${describeFootprint(sampler.finish())}`);
    documents.destroy();
    sfn.destroy();
    await cloud.stop();
    fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  }
}
