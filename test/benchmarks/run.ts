import '../../local/polyfills';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { ensureConsoleBuilt } from '../../console/build-console';
import { readCloudAssembly } from '../../local/cdk/cloud-assembly';
import { buildResourceModel } from '../../local/cdk/resource-model';
import { ensureSynthesized } from '../../local/cdk/synthesize';
import { computeProbeResult } from '../../shared/diagnostics/probe';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import { DiagnosticsProbeState } from '../../state-machines/diagnostics-probe';
import { clientConfig, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';
import { listAllExecutions, measureActivations, percentile, type ActivationFigures } from './activation-benchmark';
import { type BundleFigures, measureBundles, measureReferenceBundles } from './bundle-benchmark';
import { SERVICE_FUNCTION_ALIASES, SERVICE_FUNCTION_BUNDLING } from '../../infra/platform/service-function';
import { DEFAULT_MAX_ENVIRONMENTS } from '../../local/lambda/lambda-service';
import { type Footprint, FootprintSampler, describeFootprint } from './footprint';
import { BUNDLE_BUDGET_BYTES, MODULE_LOAD_BUDGET_MS, bundleCeiling, shortFunctionName } from './bundle-budget';
import { WORKFLOW_BENCHMARKS } from './workflow-sections';

/**
 * `npm run bench`: the local cloud end to end (PutEvents → rule → state machine → Lambda →
 * DynamoDB write) against its floor, the same definition run directly by
 * aws-local-stepfunctions with in-process handlers, in the same run on the same machine.
 */

const projectRoot = path.resolve(__dirname, '..', '..');
const EXECUTIONS = Number(process.env.PSFLOW_BENCH_EXECUTIONS ?? 3000);
const WARMUP = 200;
const IN_FLIGHT_BATCHES = 8;
const PACED_RATE = 200;
const PACED_EXECUTIONS = 1000;
const TARGET_THROUGHPUT = 500;
const TARGET_RATIO = 10;
const ACTIVATIONS = Number(process.env.PSFLOW_BENCH_ACTIVATIONS ?? 500);
const TARGET_ACTIVATIONS_PER_SECOND = 30;
const TARGET_TRANSITIONS = 30;
const TARGET_WRITES = 15;
/** Fresh processes per bundle for the module load time; the report gives the median. */
const LOAD_RUNS = 7;
/** The local cloud's resident memory at the benchmark's peak, worker threads included. */
const TARGET_PEAK_MB = 1536;

/** AWS list prices, us-east-1, as published in November 2026; the report states them. */
const PRICES = {
  stateTransitionPerThousand: 0.025,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  assumedLambdaGbSeconds: 0.5 * 0.1,
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  eventBridgePerMillion: 1.0,
} as const;

interface Figures {
  readonly executions: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

function summarise(latencies: number[], seconds: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    executions: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
  };
}

function progress(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** The floor: the deployed probe definition, interpreted in-process with local handlers. */
async function measureFloor(definitionText: string, count: number): Promise<Figures> {
  const machine = new StateMachine(JSON.parse(definitionText) as ConstructorParameters<typeof StateMachine>[0]);
  const table = new Map<string, unknown>();
  type JsonValue = Parameters<StateMachine['run']>[0];
  const handlers: Record<string, (input: JsonValue) => JsonValue> = {
    [DiagnosticsProbeState.ComputeProbeResult]: (input) => ({
      Payload: { ...computeProbeResult((input as { Payload: { detail: unknown } }).Payload.detail) },
    }),
    [DiagnosticsProbeState.StoreProbeResult]: (input) => {
      const item = (input as { Item: { probeId: { S: string } } }).Item;
      table.set(item.probeId.S, item);
      return {};
    },
  };
  const runOne = async (): Promise<number> => {
    const started = performance.now();
    const event = { id: randomUUID(), detail: { probeId: randomUUID(), requestedAt: new Date().toISOString() } };
    await machine.run(event, { overrides: { taskResourceLocalHandlers: handlers } }).result;
    return performance.now() - started;
  };
  for (let index = 0; index < WARMUP; index++) await runOne();
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  // Same concurrency as the end-to-end run: IN_FLIGHT_BATCHES PutEvents calls of 10 entries.
  await Promise.all(
    Array.from({ length: IN_FLIGHT_BATCHES * 10 }, async () => {
      while (next < count) {
        next++;
        latencies.push(await runOne());
      }
    }),
  );
  if (table.size < count) throw new Error(`floor stored ${table.size} of ${count} results`);
  return summarise(latencies, (performance.now() - started) / 1000);
}

/** End to end through the local cloud, running as `npm start` runs it, driven over the SDK. */
async function measureEndToEnd(count: number): Promise<{ saturated: Figures; paced: Figures; footprint: Footprint }> {
  const cloud = await startLocalCloud(temporaryDataDirectory('bench'));
  const sampler = await FootprintSampler.start('diagnostics probe', cloud.pid);
  const events = new EventBridgeClient({ ...clientConfig(cloud.url), maxAttempts: 1 });
  const sfn = new SFNClient(clientConfig(cloud.url));
  const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-diagnostics-probe';
  try {
    const putTimes = new Map<string, number>();
    const send = async (total: number, label: string): Promise<{ firstPut: number }> => {
      let sent = 0;
      const firstPut = Date.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT_BATCHES }, async () => {
          while (sent < total) {
            const size = Math.min(10, total - sent);
            sent += size;
            const entries = Array.from({ length: size }, () => ({
              EventBusName: 'psflow-dev',
              Source: PsflowSource.Diagnostics,
              DetailType: DiagnosticsDetailType.ProbeRequested,
              Detail: JSON.stringify({
                probeId: randomUUID(),
                requestedAt: new Date().toISOString(),
                requestedBy: 'bench',
              }),
            }));
            const putAt = Date.now();
            const result = await events.send(new PutEventsCommand({ Entries: entries }));
            if (result.FailedEntryCount)
              throw new Error(
                `${label}: ${result.FailedEntryCount} entries refused: ${JSON.stringify(result.Entries)}`,
              );
            for (const entry of result.Entries ?? []) putTimes.set(entry.EventId as string, putAt);
          }
        }),
      );
      return { firstPut };
    };
    const waitFor = async (succeeded: number): Promise<void> => {
      let lastReport = 0;
      for (;;) {
        const health = (await (await fetch(`${cloud.url}/_psflow/health`)).json()) as {
          stepFunctions: Record<string, number>;
        };
        const { SUCCEEDED = 0, FAILED = 0, ABORTED = 0, TIMED_OUT = 0 } = health.stepFunctions;
        if (FAILED + ABORTED + TIMED_OUT > 0)
          throw new Error(`executions did not succeed: ${JSON.stringify(health.stepFunctions)}`);
        if (SUCCEEDED >= succeeded) return;
        if (Date.now() - lastReport > 2000) {
          progress(`  ... ${SUCCEEDED}/${succeeded} executions succeeded`);
          lastReport = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    /** Latencies from PutEvents to the stop date of the given events, and their throughput. */
    const latenciesOf = async (eventIds: Set<string>, firstPut: number): Promise<Figures> => {
      const latencies: number[] = [];
      let lastStop = 0;
      for (const execution of await listAllExecutions(sfn, machineArn)) {
        const eventId = (execution.name as string).slice(0, 36);
        const putAt = putTimes.get(eventId);
        if (!eventIds.has(eventId) || putAt === undefined || !execution.stopDate) continue;
        latencies.push(execution.stopDate.getTime() - putAt);
        lastStop = Math.max(lastStop, execution.stopDate.getTime());
      }
      if (latencies.length !== eventIds.size)
        throw new Error(`expected ${eventIds.size} measured executions, found ${latencies.length}`);
      return summarise(latencies, (lastStop - firstPut) / 1000);
    };
    const idsSince = (before: Set<string>): Set<string> =>
      new Set([...putTimes.keys()].filter((id) => !before.has(id)));

    progress(`warming up with ${WARMUP} executions (Lambda cold starts happen here) ...`);
    await send(WARMUP, 'warm-up');
    await waitFor(WARMUP);

    progress(`saturated: ${count} executions as fast as the endpoint accepts them ...`);
    let before = new Set(putTimes.keys());
    const { firstPut } = await send(count, 'saturated');
    await waitFor(WARMUP + count);
    const saturated = await latenciesOf(idsSince(before), firstPut);
    progress(
      `  ${saturated.perSecond.toFixed(0)} executions/s, p50 ${saturated.p50Ms.toFixed(1)} ms, p95 ${saturated.p95Ms.toFixed(1)} ms`,
    );

    progress(`paced: ${PACED_EXECUTIONS} executions at ${PACED_RATE} events/s ...`);
    before = new Set(putTimes.keys());
    const pacedStart = Date.now();
    const batches = PACED_EXECUTIONS / 10;
    const ticks: Array<Promise<unknown>> = [];
    for (let batch = 0; batch < batches; batch++) {
      const due = pacedStart + (batch * 10 * 1000) / PACED_RATE;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      ticks.push(send(10, 'paced'));
    }
    await Promise.all(ticks);
    await waitFor(WARMUP + count + PACED_EXECUTIONS);
    const paced = await latenciesOf(idsSince(before), pacedStart);
    return { saturated, paced, footprint: sampler.finish() };
  } finally {
    progress(`  memory: ${describeFootprint(sampler.finish())}`);
    events.destroy();
    sfn.destroy();
    await cloud.stop();
    fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  }
}

/** How the report words a target against its figure. */
function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function row(label: string, figures: Figures): string {
  return `| ${label} | ${figures.executions} | ${figures.perSecond.toFixed(0)} | ${figures.p50Ms.toFixed(1)} | ${figures.p95Ms.toFixed(1)} |`;
}

/** Runs the workflow sections; with `--only NAME`, just that one. */
async function measureWorkflows(only: string | undefined): Promise<string[]> {
  const chosen = WORKFLOW_BENCHMARKS.filter((benchmark) => only === undefined || benchmark.name === only);
  if (only !== undefined && chosen.length === 0) {
    const known = WORKFLOW_BENCHMARKS.map((benchmark) => benchmark.name).join(', ') || 'none';
    throw new Error(`no workflow benchmark is named "${only}"; known: ${known}`);
  }
  const lines: string[] = [];
  for (const benchmark of chosen) {
    progress(`workflow benchmark: ${benchmark.name} ...`);
    lines.push(...(await benchmark.measure(progress)), '');
  }
  return lines;
}

async function main(): Promise<void> {
  // The stack serves the built console, so synth needs it, on a fresh clone too.
  await ensureConsoleBuilt(projectRoot, progress);
  await ensureSynthesized(projectRoot, path.join(projectRoot, 'cdk.out'), 'dev', progress);
  const onlyIndex = process.argv.indexOf('--only');
  if (onlyIndex >= 0 && process.argv[onlyIndex + 1] === 'activation') {
    // A quick look at activations and the local cloud's footprint under them, as the full run reports them.
    const activation = await measureActivations(ACTIVATIONS, progress);
    progress([...activationSection(activation), ...footprintSection([activation.footprint])].join('\n'));
    return;
  }
  if (onlyIndex >= 0) {
    // A quick look at one workflow; docs/benchmarks.md only ever holds a full run.
    progress((await measureWorkflows(process.argv[onlyIndex + 1])).join('\n'));
    return;
  }
  const model = buildResourceModel(readCloudAssembly(path.join(projectRoot, 'cdk.out')), {
    region: 'us-east-1',
    accountId: '000000000000',
    endpoint: 'http://127.0.0.1',
  });

  progress(
    `bundles: weighing each function's bundle in cdk.out and loading it ${LOAD_RUNS} times in a fresh Node process ...`,
  );
  const bundles = await measureBundles(model.functions, LOAD_RUNS);
  progress(
    'bundles: building and loading the reference bundles (an empty one, the DynamoDB client, the handler factory) ...',
  );
  const references = await measureReferenceBundles(SERVICE_FUNCTION_BUNDLING, SERVICE_FUNCTION_ALIASES, LOAD_RUNS);
  const bundleReport = bundleSection(bundles, references);
  if (process.argv.includes('--bundles-only')) {
    // A quick look while working on bundles; docs/benchmarks.md only ever holds a full run.
    progress(bundleReport.join('\n'));
    return;
  }
  const probe = model.stateMachines.find((machine) => machine.name === 'psflow-dev-diagnostics-probe');
  if (!probe) throw new Error('the diagnostics probe state machine is missing from cdk.out');

  progress(
    `floor: ${EXECUTIONS} executions of the probe definition in aws-local-stepfunctions, in-process handlers ...`,
  );
  const floor = await measureFloor(probe.definition, EXECUTIONS);
  progress(
    `  ${floor.perSecond.toFixed(0)} executions/s, p50 ${floor.p50Ms.toFixed(1)} ms, p95 ${floor.p95Ms.toFixed(1)} ms`,
  );

  const { saturated: endToEnd, paced, footprint: probeFootprint } = await measureEndToEnd(EXECUTIONS);
  progress(`  paced: p50 ${paced.p50Ms.toFixed(1)} ms, p95 ${paced.p95Ms.toFixed(1)} ms`);

  const activation = await measureActivations(ACTIVATIONS, progress);
  progress(
    `  ${activation.perSecond.toFixed(1)} activations/s, p50 ${activation.p50Ms.toFixed(0)} ms, p95 ${activation.p95Ms.toFixed(0)} ms; paced at ${activation.pacedRate}/s: p50 ${activation.pacedP50Ms.toFixed(0)} ms, p95 ${activation.pacedP95Ms.toFixed(0)} ms`,
  );

  const workflowReport = await measureWorkflows(undefined);

  const ratio = floor.perSecond / endToEnd.perSecond;
  const cpus = os.cpus();
  const report = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`; each run replaces this file. Figures from one run on one machine.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}`,
    '',
    '## Local cloud: PutEvents → rule → state machine → Lambda → DynamoDB write',
    '',
    `The diagnostics probe (4 states: ${Object.values(DiagnosticsProbeState).join(', ')}), run as \`npm start\` runs it and driven`,
    `over the AWS SDK from a second process. After ${WARMUP} warm-up executions (Lambda cold starts), the saturated run puts`,
    `${EXECUTIONS} events with ${IN_FLIGHT_BATCHES} PutEvents calls of 10 entries in flight; its latency is mostly queueing behind`,
    `the events ahead. The paced run puts ${PACED_EXECUTIONS} events at ${PACED_RATE}/s, which shows the latency of one event on a`,
    "busy but not saturated endpoint. Latency runs from sending PutEvents to the execution's stop date. The floor runs the same",
    'synthesized definition in aws-local-stepfunctions with in-process handlers (the same domain function, an in-memory table),',
    `${IN_FLIGHT_BATCHES * 10} executions in flight.`,
    '',
    '| run | executions | executions/s | p50 ms | p95 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('floor (interpreter only)', floor),
    row('end to end, saturated', endToEnd),
    row(`end to end, paced at ${PACED_RATE}/s`, paced),
    '',
    `- Throughput target, at least ${TARGET_THROUGHPUT} executions/s end to end: ${endToEnd.perSecond.toFixed(0)}/s, ${verdict(endToEnd.perSecond >= TARGET_THROUGHPUT)}.`,
    `- Ratio to the floor, no worse than ${TARGET_RATIO}x: ${ratio.toFixed(1)}x (floor ${floor.perSecond.toFixed(0)}/s over end to end ${endToEnd.perSecond.toFixed(0)}/s), ${verdict(ratio <= TARGET_RATIO)}.`,
    '',
    ...activationSection(activation),
    ...workflowReport,
    ...bundleReport,
    ...footprintSection([probeFootprint, activation.footprint]),
  ].join('\n');
  fs.mkdirSync(path.join(projectRoot, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(projectRoot, 'docs', 'benchmarks.md'), report);
  progress(`ratio to floor ${ratio.toFixed(1)}x; written to docs/benchmarks.md`);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

/** The bundle section of the report: each function's bundle size and module load time against the budgets. */
function bundleSection(bundles: readonly BundleFigures[], references: readonly BundleFigures[]): string[] {
  const rows = [...bundles, ...references].map((bundle) => {
    const { ceilingBytes, reason } = bundleCeiling(bundle.functionName);
    const size =
      bundle.bundleBytes <= BUNDLE_BUDGET_BYTES
        ? 'met'
        : reason === undefined
          ? 'NOT met'
          : `over: ${bundle.bundleBytes <= ceilingBytes ? 'within' : 'ABOVE'} its ${kb(ceilingBytes)} ceiling`;
    const load = bundle.loadMedianMs <= MODULE_LOAD_BUDGET_MS ? 'met' : 'NOT met';
    return `| ${shortFunctionName(bundle.functionName)} | ${kb(bundle.bundleBytes)} | ${size} | ${kb(bundle.sourceMapBytes)} | ${bundle.loadMedianMs.toFixed(1)} | ${bundle.loadCpuMedianMs.toFixed(1)} | ${load} | ${bundle.rssAfterLoadMb.toFixed(0)} |`;
  });
  const reasons = [
    ...new Set(
      bundles.map((bundle) => bundleCeiling(bundle.functionName).reason).filter((reason) => reason !== undefined),
    ),
  ];
  return [
    '## Lambda bundles',
    '',
    `Each function's handler file in cdk.out (the bytes that deploy, and that the local cloud runs), minified by esbuild with the AWS SDK`,
    `inside. Module load is \`require\` of that file until the handler is exported, in a fresh Node.js process with the function's environment,`,
    `${LOAD_RUNS} times one after another; the table gives the median wall time and, because other work on a shared machine stretches wall`,
    "time, the median CPU time too. Memory is the loading process's resident set, Node.js itself included. Before issue 11 every bundle was",
    'about 2.8 MB unminified with a 4.7 MB source map loaded on every error (`--enable-source-maps`), and loading one took about 110 ms.',
    '',
    `| function | bundle | at most ${kb(BUNDLE_BUDGET_BYTES)} | source map | load p50 ms | load CPU p50 ms | at most ${MODULE_LOAD_BUDGET_MS} ms | RSS after load MB |`,
    '| --- | ---: | --- | ---: | ---: | ---: | --- | ---: |',
    ...rows,
    '',
    ...reasons.map(
      (reason) =>
        `- Over the budget because it ${reason}; see test/benchmarks/bundle-budget.ts for the measured breakdown.`,
    ),
    ...floorLines(bundles, references),
    '- Source maps ship beside each bundle and are not loaded: Node reads one only with `--enable-source-maps`, which no function sets.',
    '  Stack traces keep function names (esbuild `keepNames`); turn the flag on for one function to map frames to TypeScript lines.',
    '',
  ];
}

/** What the reference bundles say about the load-time target, from this run's figures. */
function floorLines(bundles: readonly BundleFigures[], references: readonly BundleFigures[]): string[] {
  const [empty, client, factory] = references;
  const loads = bundles.map((bundle) => bundle.loadMedianMs).sort((a, b) => a - b);
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  return [
    `- The reference rows are built here with the functions' esbuild options. Node loads an empty bundle in ${ms(empty.loadMedianMs)};`,
    `  the AWS SDK's DynamoDB document client alone takes ${ms(client.loadMedianMs)} (${kb(client.bundleBytes)}), and a handler built by the house factory`,
    `  (logger, metrics, tracer, middy, zod) around it ${ms(factory.loadMedianMs)} (${kb(factory.bundleBytes)}). Functions load in ${ms(loads[0])} to`,
    `  ${ms(loads[loads.length - 1])}, median ${ms(percentile(loads, 50))}: ${(percentile(loads, 50) / factory.loadMedianMs).toFixed(2)}× the handler-factory floor.`,
    `  ${client.loadMedianMs > MODULE_LOAD_BUDGET_MS ? `No function that reads DynamoDB can load within ${MODULE_LOAD_BUDGET_MS} ms while the SDK is bundled, since the client alone takes longer; an SDK left to the runtime loads the same code from its node_modules.` : `The SDK alone fits within ${MODULE_LOAD_BUDGET_MS} ms.`}`,
  ];
}

/** The footprint section: the local cloud's resident memory, idle after start and at each phase's peak. */
function footprintSection(footprints: readonly Footprint[]): string[] {
  const peak = Math.max(...footprints.map((footprint) => footprint.highWaterMb));
  const peakAnonymous = Math.max(...footprints.map((footprint) => footprint.peakAnonymousMb));
  return [
    "## The local cloud's footprint",
    '',
    "Resident memory of the local cloud's process (`/proc/<pid>/status`), which holds every Lambda execution environment as a worker",
    'thread and dynalite: idle a few seconds after the ready line (sandbox data seeded), then sampled every 200 ms through the phase; the',
    "high-water mark is the kernel's (VmHWM), short spikes included. Each phase runs its own local cloud. Before issue 11 the peak was",
    "about 3.5 GB with 50 threads: every environment parsed and held its bundle's 4.7 MB source map, and loaded 2.8 MB of code.",
    '',
    'Of the resident set, anonymous memory (RssAnon) is what the threads allocate: V8 heaps, compiled code, native buffers.',
    "File-backed memory (RssFile) is mapped files' pages: Node's binary, and the LevelDB table files dynalite's store maps to",
    'read them (at most 64 open, see docs/local-cloud.md). Those pages are clean page cache that the kernel drops under memory',
    "pressure, but they count in the resident set and its high-water mark. Until dynalite's iterators were closed, every Query",
    'and Scan pinned the table files it read: after the activation phase 1.2 GB of them were kept, and the peak was about 3 GB.',
    '',
    '| local cloud | idle after start MB | peak sampled MB | high-water mark MB | anonymous at most MB | file-backed at most MB | threads at most |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...footprints.map(
      (footprint) =>
        `| ${footprint.label} | ${footprint.idleMb.toFixed(0)} | ${footprint.peakSampledMb.toFixed(0)} | ${footprint.highWaterMb.toFixed(0)} | ${footprint.peakAnonymousMb.toFixed(0)} | ${footprint.peakFileBackedMb.toFixed(0)} | ${footprint.peakThreads} |`,
    ),
    '',
    `- Target, at most ${(TARGET_PEAK_MB / 1024).toFixed(1)} GB at the benchmark's peak: ${peak.toFixed(0)} MB, ${peak <= TARGET_PEAK_MB ? 'met' : 'NOT met'}; anonymous memory alone peaked at ${peakAnonymous.toFixed(0)} MB, ${peakAnonymous <= TARGET_PEAK_MB ? 'within' : 'over'} it.`,
    '- An execution environment idle for 60 s (`--lambda-idle-timeout`) is released, as Lambda reclaims idle ones; the peak is set while',
    '  they are all busy, so that bounds the memory of a local cloud left running rather than this peak.',
    '',
  ];
}

/** The activation section of the report: throughput, latency, what one activation costs. */
function activationSection(figures: ActivationFigures): string[] {
  const perThousand = {
    transitions: (figures.transitionsPerActivation * 1000 * PRICES.stateTransitionPerThousand) / 1000,
    lambda:
      figures.lambdaInvocationsPerActivation *
      1000 *
      (PRICES.lambdaRequestPerMillion / 1e6 + PRICES.assumedLambdaGbSeconds * PRICES.lambdaArmGbSecond),
    writes: (figures.dynamoWritesPerActivation * 1000 * PRICES.dynamoWritePerMillion) / 1e6,
    reads: (figures.dynamoReadsPerActivation * 1000 * PRICES.dynamoReadPerMillion) / 1e6,
    events: (figures.eventsPerActivation * 1000 * PRICES.eventBridgePerMillion) / 1e6,
  };
  const total = Object.values(perThousand).reduce((sum, value) => sum + value, 0);
  const usd = (value: number): string => `$${value.toFixed(4)}`;
  return [
    '## Project activation, end to end, auto-approved',
    '',
    `${figures.activations} won deals as Salesforce Event Relay change events: ingestion → project-activation → \`Project Activated\`, measured after`,
    `${figures.warmupActivations} warm-up activations on the same local cloud. Each function runs in up to four execution environments, and the local`,
    `cloud keeps at most \`--lambda-max-environments\` (default ${DEFAULT_MAX_ENVIRONMENTS}) alive across functions: at the limit an invocation queues behind`,
    "its function's own environments (each is a V8 isolate that optimises the AWS SDK's hot code on its own, so a new one costs a cold start and JIT again). The",
    'warm-up row shows a fresh local cloud, cold starts and JIT included.',
    "Latency runs from PutEvents to the execution's stop (the state after `AnnounceProjectActivated`). In the saturated run it is mostly",
    "queueing behind the deals ahead; the paced run then puts one deal at a time, which shows one activation's own latency. Per-activation counts come from",
    "the local cloud's counters for the measured run, which starts and ends with the cloud quiet (nothing queued for a function, no counter",
    'moving), so they hold all the work the activations set off (staffing requests, KPI aggregation): transitions from the execution histories (a sample of 20), Lambda invocations',
    '(ingestion and steps), every DynamoDB request the functions and direct integrations made, and events put on the bus. The DynamoDB',
    'figures include the sandbox systems of record (ERP, PSA and documents records, and each environment reading its fault settings at',
    'most every 500 ms), which a deployment against real systems replaces with their API calls; the cost below counts them all.',
    '',
    '| measure | value | target |',
    '| --- | ---: | --- |',
    `| activations/s | ${figures.perSecond.toFixed(1)} | at least ${TARGET_ACTIVATIONS_PER_SECOND}: ${verdict(figures.perSecond >= TARGET_ACTIVATIONS_PER_SECOND)} |`,
    `| activations/s with the work they set off drained (staffing, KPIs, events) | ${figures.drainedPerSecond.toFixed(1)} | |`,
    `| activations/s during the warm-up (fresh cloud) | ${figures.warmupPerSecond.toFixed(1)} | |`,
    `| p50 event → Project Activated | ${figures.p50Ms.toFixed(0)} ms | |`,
    `| p95 event → Project Activated | ${figures.p95Ms.toFixed(0)} ms | |`,
    `| p50 paced at ${figures.pacedRate}/s (${figures.pacedActivations} deals) | ${figures.pacedP50Ms.toFixed(0)} ms | |`,
    `| p95 paced at ${figures.pacedRate}/s | ${figures.pacedP95Ms.toFixed(0)} ms | |`,
    `| state transitions per activation | ${figures.transitionsPerActivation.toFixed(1)} | at most ${TARGET_TRANSITIONS}: ${verdict(figures.transitionsPerActivation <= TARGET_TRANSITIONS)} |`,
    `| Lambda invocations per activation | ${figures.lambdaInvocationsPerActivation.toFixed(1)} | |`,
    `| DynamoDB writes per activation | ${figures.dynamoWritesPerActivation.toFixed(1)} | at most ${TARGET_WRITES}: ${verdict(figures.dynamoWritesPerActivation <= TARGET_WRITES)} |`,
    `| DynamoDB reads per activation | ${figures.dynamoReadsPerActivation.toFixed(1)} | |`,
    `| events put per activation | ${figures.eventsPerActivation.toFixed(1)} | |`,
    '',
    `States of one activation (${figures.statesOfOne.length}): ${figures.statesOfOne.join(' → ')}.`,
    '',
    `Cost per 1,000 activations at AWS list prices (us-east-1): ${usd(total)} — state transitions ${usd(perThousand.transitions)}`,
    `($${PRICES.stateTransitionPerThousand} per 1,000, Standard), Lambda ${usd(perThousand.lambda)} ($${PRICES.lambdaRequestPerMillion} per million requests plus`,
    `arm64 duration at $${PRICES.lambdaArmGbSecond} per GB-second, assuming 512 MB for 100 ms each, not measured here), DynamoDB writes`,
    `${usd(perThousand.writes)} ($${PRICES.dynamoWritePerMillion} per million on-demand write units, one unit per write) and reads ${usd(perThousand.reads)}`,
    `($${PRICES.dynamoReadPerMillion} per million read units), EventBridge ${usd(perThousand.events)} ($${PRICES.eventBridgePerMillion} per million events). Logs, X-Ray and`,
    'data transfer are left out.',
    '',
  ];
}

main().catch((error: unknown) => {
  console.error(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
