import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { reportFromDays } from '../../shared/kpis/kpi-engine';
import { KpiAggregatesTable, addDeltas, dayOf, deltasByItem, factDeltas } from '../../shared/kpis/kpi-aggregates-table';
import { Metric, trendFact, type KpiFact } from '../../shared/kpis/kpi-facts';
import { coveringPeriods } from '../../shared/kpis/kpi-periods';
import { KPI_ROUTE, KpiReport, type KpiQuery } from '../../shared/kpis/kpi-report';
import { queryKpis } from '../../shared/kpis/query-kpis';
import { clientConfig, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';
import { percentile } from './activation-benchmark';
import type { WorkflowBenchmark } from './workflow-sections';

const KPI_TABLE = 'psflow-dev-kpis';
const LAST_DAY = Date.parse('2026-11-30T00:00:00Z');
const HISTORY_DAYS = 180;
const WORKFLOWS = ['project-activation', 'staffing', 'billing-readiness', 'change-control', 'procurement'];
const REGIONS = ['EMEA', 'AMER', 'APAC'];
const PRACTICES = ['strategy', 'data-engineering', 'cloud', 'erp-advisory', 'managed-services', 'design'];
const ROLES = ['practice-lead', 'delivery-lead', 'finance-approver', 'cfo'];
const STEPS: ReadonlyArray<[string, string]> = [
  ['ProvisionErpProject', 'erp'],
  ['ProvisionPsaProject', 'psa'],
  ['OnboardClient', 'documents'],
  ['CheckPolicy', 'psflow'],
];
const QUERIES: ReadonlyArray<{ label: string; query: KpiQuery }> = [
  { label: 'all workflows, regions, practices', query: { from: '2026-09-02', to: '2026-11-30' } },
  { label: 'one region', query: { region: 'EMEA', from: '2026-09-02', to: '2026-11-30' } },
  {
    label: 'workflow × region × practice',
    query: { workflow: 'project-activation', region: 'AMER', practice: 'cloud', from: '2026-09-02', to: '2026-11-30' },
  },
];
const REPETITIONS = 40;
/**
 * Record counts measured in turn, each adding to the last: `PSFLOW_BENCH_KPI_RECORDS=10000`
 * measures 10k only (the 100k load takes long on a small machine).
 */
const SIZES = (process.env.PSFLOW_BENCH_KPI_RECORDS ?? '10000,100000').split(',').map(Number);

/** A small deterministic generator (mulberry32), so every run loads the same records. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Log-normal seconds around a median. */
function seconds(next: () => number, median: number): number {
  const normal = Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next());
  return Math.round(median * Math.exp(0.8 * normal));
}

/** One generated workflow record, as the facts its events would produce. */
interface WorkflowRecord {
  readonly id: string;
  readonly workflow: string;
  readonly region: string;
  readonly practice: string;
  readonly facts: KpiFact[];
}

export function generateWorkflowRecords(from: number, count: number): WorkflowRecord[] {
  const next = random(from + 1);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const records: WorkflowRecord[] = [];
  for (let index = from; index < from + count; index++) {
    const workflow = pick(WORKFLOWS);
    const where = { workflow, region: pick(REGIONS), practice: pick(PRACTICES) };
    const started = LAST_DAY - Math.floor(next() * HISTORY_DAYS * 86_400_000);
    const at = (offsetSeconds: number) => new Date(started + offsetSeconds * 1000).toISOString();
    const facts: KpiFact[] = [{ ...where, at: at(0), counters: { [Metric.started(workflow)]: 1 } }];
    let elapsed = seconds(next, 1800);
    // End-to-end stages, as `Project Activated` reports them: they add up to the cycle time.
    const stages: Record<string, number> = { Prepare: elapsed, Approval: 0, Provisioning: 0 };
    if (next() < 0.6) {
      const role = pick(ROLES);
      const waited = seconds(next, 6 * 3600);
      elapsed += waited;
      stages.Approval = waited;
      facts.push({
        ...where,
        at: at(elapsed),
        counters: {
          [Metric.approvalsDecided(workflow, role)]: 1,
          ...(waited <= 86_400 ? { [Metric.approvalsWithinSla(workflow, role)]: 1 } : {}),
        },
        durations: { [Metric.approvalTime(role)]: waited, [Metric.wait(workflow, 'Approval')]: waited },
      });
    }
    if (next() < 0.15) {
      const [step, system] = pick(STEPS);
      facts.push({ ...where, at: at(elapsed), counters: { [Metric.exceptionsFiled(workflow, step, system)]: 1 } });
      if (next() < 0.8) {
        const waited = seconds(next, 3 * 3600);
        elapsed += waited;
        stages.Provisioning = waited;
        facts.push({
          ...where,
          at: at(elapsed),
          counters: { [Metric.exceptionsResolved(workflow, step, system)]: 1 },
          durations: {
            [Metric.exceptionTimeToResolve(workflow, step, system)]: waited,
            [Metric.wait(workflow, 'ExceptionHandling')]: waited,
          },
        });
      }
    }
    if (next() < 0.9) {
      const onboarding = seconds(next, 900);
      elapsed += onboarding;
      const stageDurations =
        workflow === 'project-activation'
          ? Object.fromEntries(
              Object.entries({ ...stages, Onboarding: onboarding }).map(([stage, value]) => [
                Metric.stage(workflow, stage),
                value,
              ]),
            )
          : {};
      facts.push({
        ...where,
        at: at(elapsed),
        counters: { [Metric.completed(workflow)]: 1 },
        durations: { [Metric.cycleTime(workflow)]: elapsed, ...stageDurations },
      });
    }
    records.push({ id: `r${String(index).padStart(7, '0')}`, ...where, facts });
  }
  return records;
}

/** The same report computed the slow way: Scan every raw record, keep the matching facts, merge. */
async function reportByScan(
  documents: DynamoDBDocumentClient,
  query: KpiQuery,
): Promise<{ report: Omit<KpiReport, 'query' | 'generatedAt' | 'itemsRead' | 'marginAnomalies'>; scanned: number }> {
  const facts: KpiFact[] = [];
  let scanned = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: KPI_TABLE,
        FilterExpression: 'begins_with(pk, :raw)',
        ExpressionAttributeValues: { ':raw': 'RAW#' },
        ExclusiveStartKey: startKey,
      }),
    );
    scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      if (query.workflow && item.workflow !== query.workflow) continue;
      if (query.region && item.region !== query.region) continue;
      if (query.practice && item.practice !== query.practice) continue;
      facts.push(...(JSON.parse(String(item.facts)) as KpiFact[]));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  // Each matching fact goes to the period of the range its day falls in, computed here from the
  // raw facts. These periods only add up, where the query's may subtract days from a month, so
  // the comparison also checks the subtraction.
  const periods = coveringPeriods(query.from ?? '', query.to ?? '');
  // The daily trend from the same facts, one group per day.
  const perPeriod = new Map<string, Map<string, number>>();
  const perDay = new Map<string, Map<string, number>>();
  for (const fact of facts) {
    const day = new Date(fact.at).toISOString().slice(0, 10);
    const period = periods.find((candidate) => candidate.from <= day && day <= candidate.to);
    if (!period) continue;
    const deltas = factDeltas(fact);
    perPeriod.set(period.sk, addDeltas(perPeriod.get(period.sk) ?? new Map(), deltas));
    // Trend items exist only for days where a fact moved the trend.
    const trend = trendFact(fact);
    if (trend) perDay.set(day, addDeltas(perDay.get(day) ?? new Map(), factDeltas(trend)));
  }
  const itemsOf = (groups: Map<string, Map<string, number>>) =>
    [...groups].map(([sk, deltas]) => dayOf({ sk, ...Object.fromEntries(deltas) }));
  return { report: reportFromDays(itemsOf(perPeriod), itemsOf(perDay)), scanned };
}

async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await action();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

async function latencies(action: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let warm = 0; warm < 3; warm++) await action();
  const samples: number[] = [];
  for (let run = 0; run < REPETITIONS; run++) samples.push((await timed(action)).ms);
  samples.sort((left, right) => left - right);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

/** The KPI query benchmark: pre-aggregated day, week and month items against a scan of the raw records. */
export const KPIS_BENCHMARK: WorkflowBenchmark = {
  name: 'kpis',
  measure: async (progress) => {
    const cloud = await startLocalCloud(temporaryDataDirectory('bench-kpis'));
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    const table = new KpiAggregatesTable(documents, KPI_TABLE);
    const rows: string[] = [];
    let loaded = 0;
    const aggregates = new Map<string, Map<string, number>>();
    try {
      for (const size of SIZES) {
        const records = generateWorkflowRecords(loaded, size - loaded);
        loaded = size;
        const loadStart = Date.now();
        await table.batchPut(
          records.map((record) => ({
            pk: `RAW#${record.id}`,
            sk: 'RAW',
            workflow: record.workflow,
            region: record.region,
            practice: record.practice,
            facts: JSON.stringify(record.facts),
          })),
        );
        for (const [key, deltas] of deltasByItem(records.flatMap((record) => record.facts)))
          aggregates.set(key, addDeltas(aggregates.get(key) ?? new Map<string, number>(), deltas));
        await table.loadItems(aggregates);
        progress(
          `kpis: ${size} records and ${aggregates.size} day, week and month items loaded in ${((Date.now() - loadStart) / 1000).toFixed(0)} s`,
        );
        for (const { label, query } of QUERIES) {
          const now = () => new Date(LAST_DAY);
          const fast = await latencies(() => queryKpis(query, { store: table, now }));
          const answer = await queryKpis(query, { store: table, now });
          const search = new URLSearchParams(
            Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]),
          );
          const api = await latencies(async () => {
            const response = await fetch(`${cloud.url}/api${KPI_ROUTE.path}?${search}`, {
              headers: { 'x-psflow-user': 'pat.practice' },
            });
            if (!response.ok) throw new Error(`GET /kpis answered ${response.status}: ${await response.text()}`);
            KpiReport.parse(await response.json());
          });
          const scan = await timed(() => reportByScan(documents, query));
          const { query: _query, generatedAt: _at, itemsRead, marginAnomalies: _anomalies, ...fromItems } = answer;
          const same = JSON.stringify(fromItems) === JSON.stringify(scan.value.report);
          if (!same) {
            const differing = Object.entries(fromItems).find(
              ([section, value]) =>
                JSON.stringify(value) !== JSON.stringify(scan.value.report[section as keyof typeof scan.value.report]),
            );
            throw new Error(
              `the scan and the stored items disagree for "${label}" at ${size} records, first in ${differing?.[0]}: ${JSON.stringify(differing?.[1]).slice(0, 400)}`,
            );
          }
          rows.push(
            `| ${size.toLocaleString('en')} | ${label} | ${itemsRead} | ${fast.p50.toFixed(1)} | ${fast.p95.toFixed(1)} | ${api.p50.toFixed(1)} | ${api.p95.toFixed(1)} | ${scan.ms.toFixed(0)} (${scan.value.scanned.toLocaleString('en')} items) | ${(scan.ms / fast.p95).toFixed(0)}× |`,
          );
          progress(
            `kpis: ${size} ${label}: query p95 ${fast.p95.toFixed(1)} ms, API p95 ${api.p95.toFixed(1)} ms, scan ${scan.ms.toFixed(0)} ms`,
          );
        }
      }
    } finally {
      documents.destroy();
      await cloud.stop();
      fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
    }
    return [
      '## KPI queries',
      '',
      `Generated workflow records (${WORKFLOWS.length} workflows, ${REGIONS.length} regions, ${PRACTICES.length} practices, ${HISTORY_DAYS} days of history)`,
      "are written to the local cloud's KPI table twice: as raw records, and as the day, week and month items the aggregator keeps (the",
      'same `deltasByItem` code path, merged in memory and batch-written, instead of one event per fact through the bus).',
      `Each 90-day query runs ${REPETITIONS} times after 3 warm-ups: directly (BatchGetItem of the months, weeks and days`,
      'whose signed sum is the range in one partition, a Query of its trend items, and the merge, in this process) and',
      'through `GET /kpis` of the local operations API (HTTP, Lambda worker). The scan computes the same report from every',
      'raw record once, grouping the facts into periods that only add up (so it also checks the subtraction of days from a',
      'month); the benchmark fails if the two reports differ. How many items a 90-day range takes is in docs/kpis.md.',
      '',
      '| records | filters | items read | query p50 ms | query p95 ms | API p50 ms | API p95 ms | scan ms | scan / query p95 |',
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ];
  },
};
