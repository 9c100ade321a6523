import './polyfills';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureSynthesized } from './cdk/synthesize';
import { ensureConsoleBuilt } from '../console/build-console';
import { runDemo } from '../demo/demo-scenario';
import { runProcurementDemo } from '../demo/procurement-demo';
import { runChangeControlDemo } from '../demo/change-control-demo';
import { LocalCloud } from './local-cloud';
import { seedDemoData } from './seed/seed-demo-data';

const HELP = `psflow local cloud: serves the synthesized CDK app (cdk.out) offline on one endpoint.

Usage: npm start -- [options]

Options:
  --port <n>          TCP port on 127.0.0.1 (default: $PSFLOW_PORT or 4566; 0 picks a free one)
  --data-dir <dir>    where DynamoDB data, journals and function logs live
                      (default: $PSFLOW_DATA_DIR or .psflow/<stage>)
  --stage <name>      CDK stage to synthesize and serve (default: dev)
  --cdk-out <dir>     cloud assembly to serve (default: cdk.out)
  --no-synth          serve the cloud assembly and the console build as they are, even if sources changed
  --reset             delete the data directory first
  --no-seed           do not seed the sandbox systems (CRM) with demo data
  --demo              once ready, move four demo deals to Closed Won and show what happened
  --schedule-interval <seconds>
                      fire every rate() schedule at this interval instead of its own
                      (for demos and tests; at() and cron() schedules keep their times)
  --lambda-concurrency <n>
                      execution environments per function (default: $PSFLOW_LAMBDA_CONCURRENCY or 4)
  --lambda-idle-timeout <seconds>
                      release an execution environment idle this long, as Lambda reclaims
                      idle ones (default: $PSFLOW_LAMBDA_IDLE_TIMEOUT or 60)
  --lambda-max-environments <n>
                      execution environments alive at once across all functions (20 to 35 MB
                      each when busy); at the limit an invocation queues behind its function's
                      own environments, or takes the slot of one idle elsewhere for a second
                      (default: $PSFLOW_LAMBDA_MAX_ENVIRONMENTS or 24)
  -h, --help          show this help

Served at one endpoint: DynamoDB, EventBridge (PutEvents, ListEventBuses, ListRules, ...),
Step Functions (StartExecution, DescribeExecution, GetExecutionHistory, SendTask*, ...),
SQS (to read dead letters) and Lambda Invoke. Point the AWS CLI or SDK at it:
  aws --endpoint-url http://127.0.0.1:4566 stepfunctions list-state-machines
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 node my-script.js
Any credentials and region are accepted. Stop with Ctrl-C (SIGINT) or SIGTERM.

HTTP APIs (API Gateway v2) are served under /api (several APIs: /api/<api name>/...).
JWT routes take a development identity instead of a verified token:
  curl -H 'X-Psflow-User: alice' http://127.0.0.1:4566/api/tasks
  curl -H "Authorization: Bearer $JWT" http://127.0.0.1:4566/api/tasks   (claims not verified)
EventBridge Scheduler schedules fire while the local cloud runs (logs/scheduler.log).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      stage: { type: 'string', default: 'dev' },
      'cdk-out': { type: 'string', default: 'cdk.out' },
      'no-synth': { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
      'no-seed': { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      'schedule-interval': { type: 'string' },
      'lambda-concurrency': { type: 'string' },
      'lambda-idle-timeout': { type: 'string' },
      'lambda-max-environments': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const projectRoot = path.resolve(__dirname, '..');
  const stage = values.stage as string;
  const portText = values.port ?? process.env.PSFLOW_PORT ?? '4566';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port "${portText}": use 0-65535`);
  const cdkOut = path.resolve(projectRoot, values['cdk-out'] as string);
  const dataDirectory = path.resolve(
    values['data-dir'] ?? process.env.PSFLOW_DATA_DIR ?? path.join(projectRoot, '.psflow', stage),
  );
  const intervalText = values['schedule-interval'];
  const scheduleIntervalSeconds = intervalText === undefined ? undefined : Number(intervalText);
  if (scheduleIntervalSeconds !== undefined && !(scheduleIntervalSeconds > 0))
    throw new Error(`Invalid schedule interval "${intervalText}": use a number of seconds above 0`);
  if (values.reset) fs.rmSync(dataDirectory, { recursive: true, force: true });

  // Handlers go in before anything starts, so a signal that races the ready line still stops cleanly.
  let cloud: LocalCloud | undefined = undefined;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping ...`);
    if (!cloud) process.exit(130);
    cloud.stop().then(
      () => {
        console.log('psflow local cloud stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  // The console first: the CDK app deploys its build.
  if (!values['no-synth']) await ensureConsoleBuilt(projectRoot, console.log);
  if (!values['no-synth']) await ensureSynthesized(projectRoot, cdkOut, stage, console.log);
  const concurrencyText = values['lambda-concurrency'] ?? process.env.PSFLOW_LAMBDA_CONCURRENCY;
  const lambdaConcurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (
    lambdaConcurrency !== undefined &&
    !(Number.isInteger(lambdaConcurrency) && lambdaConcurrency >= 1 && lambdaConcurrency <= 64)
  ) {
    throw new Error(`Invalid Lambda concurrency "${concurrencyText}": use a whole number from 1 to 64`);
  }
  const idleText = values['lambda-idle-timeout'] ?? process.env.PSFLOW_LAMBDA_IDLE_TIMEOUT;
  const lambdaIdleTimeoutSeconds = idleText === undefined ? undefined : Number(idleText);
  if (lambdaIdleTimeoutSeconds !== undefined && !(lambdaIdleTimeoutSeconds > 0))
    throw new Error(`Invalid Lambda idle timeout "${idleText}": use a number of seconds above 0`);
  const environmentsText = values['lambda-max-environments'] ?? process.env.PSFLOW_LAMBDA_MAX_ENVIRONMENTS;
  const lambdaMaxEnvironments = environmentsText === undefined ? undefined : Number(environmentsText);
  if (
    lambdaMaxEnvironments !== undefined &&
    !(Number.isInteger(lambdaMaxEnvironments) && lambdaMaxEnvironments >= 1 && lambdaMaxEnvironments <= 256)
  )
    throw new Error(`Invalid Lambda environment limit "${environmentsText}": use a whole number from 1 to 256`);
  cloud = await LocalCloud.start({
    cdkOut,
    dataDirectory,
    port,
    scheduleIntervalSeconds,
    lambdaConcurrency,
    lambdaIdleTimeoutSeconds,
    lambdaMaxEnvironments,
  });
  console.log(
    `psflow local cloud (stage ${stage}) serving ${path.relative(process.cwd(), cdkOut) || cdkOut}, data in ${path.relative(process.cwd(), dataDirectory) || dataDirectory}`,
  );
  for (const line of cloud.describe()) console.log(line);
  // The directory is seeded even with --no-seed: without people, no one may use the operations API.
  console.log(`  directory       ${await seedDemoData(cloud.url, stage, 'directory')}`);
  if (!values['no-seed']) console.log(`  sandbox data    ${await seedDemoData(cloud.url, stage, 'sandbox')}`);
  console.log(`psflow local cloud ready at ${cloud.url}`);
  console.log(`  try: aws --endpoint-url ${cloud.url} stepfunctions list-state-machines`);
  console.log(`  console: ${cloud.url}/console/`);
  if (values.demo) await runDemo(cloud.url, stage, console.log);
  if (values.demo) await runProcurementDemo(cloud.url, stage, console.log);
  if (values.demo) await runChangeControlDemo(cloud.url, stage, console.log);
}

main().catch((error: unknown) => {
  console.error(`psflow local cloud failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
