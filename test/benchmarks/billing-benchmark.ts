import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { currentBillingPolicy } from '../../shared/billing/billing-policy';
import type { BillingProject, ProjectAssignment } from '../../shared/billing/billing-ports';
import { checkProjectReadiness, cycleExecutionName, draftInvoice, planCycle } from '../../shared/billing/billing-steps';
import { ReadyProject } from '../../shared/billing/billing-state';
import type { TimeEntry } from '../../shared/connectors/psa/psa-billing-records';
import { SandboxBillingAssignments } from '../../shared/connectors/sandbox/sandbox-billing-assignments';
import { SandboxBillingStore } from '../../shared/connectors/sandbox/sandbox-billing-store';
import { SandboxErpInvoices } from '../../shared/connectors/sandbox/sandbox-erp-invoices';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { BillingReadinessTable } from '../../shared/repositories/billing-readiness-table';
import { BillingTasksTable } from '../../shared/repositories/billing-tasks-table';
import { clientConfig, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';
import type { WorkflowBenchmark } from './workflow-sections';

/**
 * Billing readiness at scale. Each size loads its projects (T&M, CONSULTANTS consultants each,
 * assigned for the first two working weeks of November 2026, so ENTRIES approved time entries
 * per project: a million at 10,000 projects, the scale) in batched writes, then:
 * - `cloud`: the whole cycle on the local cloud: the parent fans out one child execution per
 *   project, every child checks and drafts; wall time from StartExecution to the last draft;
 * - `hot path`: the same per-project work (CheckProjectReadiness then DraftInvoice, the domain
 *   functions with the real DynamoDB adapters) called in-process against the local cloud's
 *   DynamoDB, 16 at a time, for sizes where driving every execution would take too long here.
 * DynamoDB reads and writes per project come from the local cloud's request counters.
 */

const DAYS = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'].map((day) => `2026-11-${day}`);
const CONSULTANTS = 10;
const ENTRIES = CONSULTANTS * DAYS.length;
const CONSULTANT_INDEXES = Array.from({ length: CONSULTANTS }, (_, index) => index);
const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
const READS = ['GetItem', 'Query', 'Scan', 'BatchGetItem'];
/** us-east-1 list prices, December 2026 (per unit). */
const PRICE = {
  transition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1_000_000,
  /** arm64, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  readRequestUnit: 0.125 / 1_000_000,
  writeRequestUnit: 0.625 / 1_000_000,
  event: 1 / 1_000_000,
};
/** How long a cloud run may go without a new check or draft before it counts as stalled. */
const STALL_MS = 5 * 60_000;
/** The cycle's cut-off: a week after the run starts. */
const BENCH_CUT_OFF = (): string => new Date(Date.now() + 7 * 86_400_000).toISOString();
const SIZES = (process.env.PSFLOW_BENCH_BILLING_SIZES ?? '1000:cloud,10000:cloud').split(',').map((size) => {
  const [count, mode] = size.split(':');
  return { projects: Number(count), mode: mode === 'hot' ? ('hot' as const) : ('cloud' as const) };
});

interface Health {
  readonly dynamodb: Record<string, number>;
}

interface Figures {
  readonly projects: number;
  readonly mode: 'cloud' | 'hot';
  readonly loadSeconds: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly readsPerProject: number;
  readonly writesPerProject: number;
  readonly parentHistoryEvents?: number;
  readonly childHistoryEvents?: number;
  readonly costPerCycle: number;
}

function project(index: number, region: 'EMEA' | 'APAC'): BillingProject {
  return {
    projectId: `B-${region}-${String(index).padStart(6, '0')}`,
    name: `Bench project ${index}`,
    clientId: `C-${index}`,
    region,
    country: 'DE',
    clientIsBusiness: true,
    currency: 'EUR',
    billingModel: 'time-and-materials',
    status: 'active',
    rateCard: [{ role: 'consultant', rate: 120 }],
    projectManager: 'pm.bench',
    deliveryLead: 'dl.bench',
  };
}

async function load(documents: DynamoDBDocumentClient, projects: readonly BillingProject[]): Promise<void> {
  const store = new SandboxBillingStore(documents, 'psflow-dev-sandbox-billing');
  const assignments = new SandboxBillingAssignments(documents, 'psflow-dev-sandbox-billing');
  // Small chunks keep the eight writers evenly busy to the end of a large load.
  const chunk = 20;
  const work: (() => Promise<void>)[] = [];
  for (let start = 0; start < projects.length; start += chunk) {
    const slice = projects.slice(start, start + chunk);
    work.push(async () => {
      await store.putProjects(slice);
      await assignments.putAssignments(
        slice.flatMap((item) =>
          CONSULTANT_INDEXES.map((consultant): ProjectAssignment => ({
            personId: `p-${item.projectId}-${consultant}`,
            projectId: item.projectId,
            roleLineId: 'L1',
            role: 'consultant',
            from: DAYS[0],
            to: DAYS[DAYS.length - 1],
            hoursPerDay: 8,
            leaveDates: [],
          })),
        ),
      );
      await store.putRecords({
        timeEntries: slice.flatMap((item) =>
          CONSULTANT_INDEXES.flatMap((consultant) =>
            DAYS.map((date): TimeEntry => ({
              entryId: `T-${item.projectId}-${consultant}-${date}`,
              personId: `p-${item.projectId}-${consultant}`,
              projectId: item.projectId,
              roleLineId: 'L1',
              role: 'consultant',
              date,
              hours: 8,
              billable: true,
              status: 'approved',
              rate: 120,
              currency: 'EUR',
            })),
          ),
        ),
      });
    });
  }
  await pool(work, 8);
}

async function pool(work: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) {
        const index = next;
        next += 1;
        await work[index]();
      }
    }),
  );
}

async function measureSize(
  size: { projects: number; mode: 'cloud' | 'hot' },
  progress: (message: string) => void,
): Promise<Figures> {
  const cloud = await startLocalCloud(temporaryDataDirectory(`billing-bench-${size.projects}`), ['--no-seed']);
  try {
    const config = clientConfig(cloud.url);
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const sfn = new SFNClient(config);
    const health = async (): Promise<Health> => (await (await fetch(`${cloud.url}/_psflow/health`)).json()) as Health;
    const count = (value: Health, names: string[]): number =>
      names.reduce((sum, name) => sum + (value.dynamodb[name] ?? 0), 0);
    const region = 'EMEA' as const;
    const projects = Array.from({ length: size.projects }, (_, index) => project(index, region));
    progress(`billing-readiness: loading ${size.projects} projects x ${ENTRIES} time entries`);
    const loadStart = Date.now();
    await load(documents, projects);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const readiness = new BillingReadinessTable(documents, 'psflow-dev-billing-readiness');
    const before = await health();
    const started = Date.now();
    let polls = 0;
    let parentHistoryEvents: number | undefined;
    let childHistoryEvents: number | undefined;
    if (size.mode === 'cloud') {
      const name = cycleExecutionName(region, '2026-11', 'bench');
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-billing-readiness',
          name,
          // A cut-off a week away, as a real close is: the parent waits for it here as on AWS.
          input: JSON.stringify({ region, period: '2026-11', runId: 'bench', cutOffAt: BENCH_CUT_OFF() }),
        }),
      );
      // Under load the children interleave, so drafts come late and in a burst: progress is judged on
      // checks and drafts together, and only a run that stops moving for STALL_MS counts as stalled.
      let lastProgress = { at: Date.now(), value: -1 };
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 3000));
        let drafted = 0;
        let checked = 0;
        let cursor: string | undefined;
        do {
          const page = await readiness.list(region, '2026-11', 1000, cursor);
          polls += 1;
          drafted += page.records.filter((record) => record.status === 'drafted').length;
          checked += page.records.length;
          cursor = page.cursor;
        } while (cursor);
        progress(`billing-readiness: ${checked}/${size.projects} checked, ${drafted} drafted`);
        if (drafted >= size.projects) break;
        if (checked + drafted > lastProgress.value) lastProgress = { at: Date.now(), value: checked + drafted };
        else if (Date.now() - lastProgress.at > STALL_MS)
          throw new Error(
            `billing benchmark stalled: ${checked} checked and ${drafted} drafted, no progress for ${STALL_MS / 60_000} min`,
          );
      }
      const history = async (arn: string): Promise<number> => {
        let events = 0;
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }),
          );
          events += page.events?.length ?? 0;
          nextToken = page.nextToken;
        } while (nextToken);
        return events;
      };
      if (executionArn) {
        parentHistoryEvents = await history(executionArn);
        const status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
        progress(
          `billing-readiness: parent ${status} with ${parentHistoryEvents} history events (waits for the cut-off)`,
        );
        childHistoryEvents = await history(
          `arn:aws:states:us-east-1:000000000000:execution:psflow-dev-billing-readiness-project:bill-${region}-2026-11-bench-${projects[0].projectId}`,
        );
      }
    } else {
      const store = new SandboxBillingStore(documents, 'psflow-dev-sandbox-billing');
      const assignments = new SandboxBillingAssignments(documents, 'psflow-dev-sandbox-billing');
      const erp = new SandboxErpInvoices(new SandboxRecordStore(documents, 'psflow-dev-sandbox-records'));
      const publisher = new EventBridgePublisher(new EventBridgeClient(config), 'psflow-dev');
      const cycle = await planCycle(
        {
          region,
          period: '2026-11',
          runId: 'bench',
          trigger: 'on-demand',
          requestedBy: 'bench',
          cutOffAt: BENCH_CUT_OFF(),
        },
        currentBillingPolicy(),
        readiness,
        new Date(),
      );
      const deps = {
        policy: currentBillingPolicy(),
        projects: store,
        records: store,
        assignments,
        calendar: assignments,
        store: readiness,
        tasks: new BillingTasksTable(documents, 'psflow-dev-billing-readiness'),
        publisher,
        now: () => new Date(),
      };
      let done = 0;
      await pool(
        projects.map((item) => async () => {
          const input = { cycle, projectId: item.projectId, trigger: { kind: 'cycle' as const, reason: 'bench' } };
          const outcome = await checkProjectReadiness(input, deps);
          if (outcome.status !== 'ready') throw new Error(`${item.projectId} is ${outcome.status}`);
          const state = ReadyProject.parse({ ...input, readiness: outcome });
          const draft = await draftInvoice(state, erp, new Date());
          await readiness.markDrafted(cycle, item.projectId, draft);
          done += 1;
          if (done % 1000 === 0) progress(`billing-readiness: ${done}/${size.projects} checked and drafted (hot path)`);
        }),
        16,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    const after = await health();
    const reads = count(after, READS) - count(before, READS) - polls;
    const writes = count(after, WRITES) - count(before, WRITES);
    const readsPerProject = reads / size.projects;
    const writesPerProject = writes / size.projects;
    // Per project: the child's transitions (about its history events / 2), four Lambda invocations
    // of about 300 ms at 256 MB, the check's reads and writes as request units (items here are
    // under 4 KB/1 KB except the month's records query), two events.
    const transitions = (childHistoryEvents ?? 22) / 2;
    const perProject =
      transitions * PRICE.transition +
      4 * PRICE.lambdaRequest +
      4 * 0.3 * 0.25 * PRICE.lambdaGbSecond +
      readsPerProject * PRICE.readRequestUnit * 2 +
      writesPerProject * PRICE.writeRequestUnit +
      2 * PRICE.event;
    return {
      projects: size.projects,
      mode: size.mode,
      loadSeconds,
      seconds,
      perSecond: size.projects / seconds,
      readsPerProject,
      writesPerProject,
      ...(parentHistoryEvents === undefined ? {} : { parentHistoryEvents, childHistoryEvents }),
      costPerCycle: perProject * size.projects,
    };
  } finally {
    await cloud.stop();
    fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  }
}

/** The `billing-readiness` section of `npm run bench`. */
export const BILLING_BENCHMARK: WorkflowBenchmark = {
  name: 'billing-readiness',
  measure: async (progress) => {
    const figures: Figures[] = [];
    for (const size of SIZES) figures.push(await measureSize(size, progress));
    return [
      '## billing-readiness',
      '',
      `One EMEA cycle (2026-11), T&M projects with ${CONSULTANTS} consultants and ${ENTRIES} approved time entries each, every project ready and drafted. ` +
        '`cloud`: the whole cycle on the local cloud (parent fan-out, one child execution per project, Lambda steps, ERP sandbox). ' +
        '`hot path`: CheckProjectReadiness and DraftInvoice called in-process against the local cloud DynamoDB, 16 at a time, without Step Functions. ' +
        'Sizes via `PSFLOW_BENCH_BILLING_SIZES` (`1000:cloud,10000:cloud`).',
      '',
      '| projects | time entries | mode | load s | wall s | projects/s | DynamoDB reads/project | writes/project | parent history events | child history events | cost per cycle (USD, list) |',
      '| -------: | -----------: | ---- | -----: | -----: | ---------: | ---------------------: | -------------: | --------------------: | -------------------: | -------------------------: |',
      ...figures.map(
        (row) =>
          `| ${row.projects} | ${row.projects * ENTRIES} | ${row.mode} | ${row.loadSeconds.toFixed(1)} | ${row.seconds.toFixed(1)} | ${row.perSecond.toFixed(1)} | ${row.readsPerProject.toFixed(2)} | ${row.writesPerProject.toFixed(2)} | ${row.parentHistoryEvents ?? '-'} | ${row.childHistoryEvents ?? '-'} | ${row.costPerCycle.toFixed(2)} |`,
      ),
      '',
      'Cost per cycle: Standard transitions ($0.025/1k, half the child history events), 4 Lambda invocations per project (300 ms at 256 MB arm64), DynamoDB on demand ($0.125/M read units counted as 2 per read request, $0.625/M write units, 1 per write request), 2 events ($1/M); the parent adds about 7 transitions per 100 projects.',
    ];
  },
};
