import './polyfills';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HttpApiService } from './apigateway/http-api-service';
import { readCloudAssembly } from './cdk/cloud-assembly';
import { buildResourceModel, type ResourceModel, type RuleTargetSpec } from './cdk/resource-model';
import { DynamoDbService } from './dynamodb/dynamodb-service';
import {
  deliveryExecutionName,
  EventBusService,
  type DeadLetterSink,
  type TargetDeliverer,
} from './eventbridge/event-bus-service';
import { AwsError, parseJsonBody, readBody, sendError, sendJson } from './http/aws-json';
import { LambdaService } from './lambda/lambda-service';
import { SchedulerService } from './scheduler/scheduler-service';
import { SecretsManagerService } from './secretsmanager/secrets-manager-service';
import { handleSqsQuery } from './sqs/query-protocol';
import { TopicService } from './sns/topic-service';
import { QueueService } from './sqs/queue-service';
import { AppendLog } from './store/append-log';
import { StepFunctionsService } from './stepfunctions/step-functions-service';
import { TaskDispatcher } from './stepfunctions/task-dispatcher';
import { TaskTokenRegistry } from './stepfunctions/task-tokens';
import { TargetInvoker } from './targets/target-invoker';
import { lifecyclesOf, type Recovery, type ServiceLifecycle } from './service-lifecycle';
import { localConsoleService, type ConsoleService } from './console/console-service';

/** How to start a local cloud. */
export interface LocalCloudOptions {
  /** The synthesized cloud assembly to serve. */
  readonly cdkOut: string;
  /** Where DynamoDB data, journals and function logs live. */
  readonly dataDirectory: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly region?: string;
  /** Delivery attempts per rule target before the event is dead-lettered. */
  readonly deliveryAttempts?: number;
  /** Execution environments per Lambda function. */
  readonly lambdaConcurrency?: number;
  /** Seconds an idle Lambda execution environment lives before it is released. */
  readonly lambdaIdleTimeoutSeconds?: number;
  /** Lambda execution environments alive at once across all functions; bounds the local cloud's memory. */
  readonly lambdaMaxEnvironments?: number;
  /** Fires every rate() schedule at this interval instead of its own (`--schedule-interval`), for demos and tests. */
  readonly scheduleIntervalSeconds?: number;
  /** Progress and warning lines; defaults to stdout. */
  readonly log?: (line: string) => void;
  /** The built operations console served at /console; defaults to console/dist. */
  readonly consoleDirectory?: string;
}

/** What was restored from disk at start. */
export interface RecoverySummary {
  readonly redeliveredEvents: number;
  readonly restartedExecutions: number;
}

const ACCOUNT_ID = '000000000000';

/**
 * The whole local cloud: one HTTP endpoint on 127.0.0.1 speaking the DynamoDB, EventBridge,
 * Step Functions, SQS and Lambda wire protocols, serving the HTTP APIs under `/api` and firing
 * the Scheduler schedules the cloud assembly declares.
 */
export class LocalCloud {
  private constructor(
    /** Base URL of the endpoint, e.g. `http://127.0.0.1:4566`. */
    readonly url: string,
    /** What is served, resolved from the templates. */
    readonly model: ResourceModel,
    readonly recovery: RecoverySummary,
    /** The parts in the order they were built, dependencies first. */
    private readonly parts: readonly ServiceLifecycle[],
    private readonly releaseLock: () => void,
  ) {}

  /** Starts every service and resolves once the endpoint answers requests. */
  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const log = options.log ?? ((line: string) => console.log(line));
    const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const intervalSeconds = options.scheduleIntervalSeconds;
    if (intervalSeconds !== undefined && !(intervalSeconds > 0))
      throw new Error(`Invalid schedule interval ${intervalSeconds}: use a number of seconds above 0`);
    fs.mkdirSync(options.dataDirectory, { recursive: true });
    const releaseLock = lockDataDirectory(options.dataDirectory);

    let handler: ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined;
    const server = http.createServer((request, response) => {
      if (handler) handler(request, response);
      else sendError(response, new AwsError('ServiceUnavailable', 'The local cloud is starting', 503));
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `Port ${options.port} on 127.0.0.1 is already in use (set PSFLOW_PORT or --port to another one)`,
              )
            : error,
        ),
      );
      server.listen(options.port, '127.0.0.1', () => resolve());
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    let dynamodb: DynamoDbService | undefined;
    try {
      const model = buildResourceModel(readCloudAssembly(options.cdkOut), {
        region,
        accountId: ACCOUNT_ID,
        endpoint: url,
      });
      dynamodb = new DynamoDbService(path.join(options.dataDirectory, 'dynamodb'), log);
      const { created } = await dynamodb.start(model.tables);
      // A const, so the dispatcher built below sees the started service, not the variable the cleanup reads.
      const database = dynamodb;
      const lambda = new LambdaService(model.functions, {
        endpoint: url,
        dynamoDbEndpoint: dynamodb.endpoint,
        region,
        accountId: ACCOUNT_ID,
        logDirectory: path.join(options.dataDirectory, 'logs'),
        maxConcurrencyPerFunction: options.lambdaConcurrency ?? 4,
        idleTimeoutMs:
          options.lambdaIdleTimeoutSeconds === undefined ? undefined : options.lambdaIdleTimeoutSeconds * 1000,
        maxEnvironments: options.lambdaMaxEnvironments,
      });
      const queues = new QueueService(model.queues, options.dataDirectory);
      const topics = new TopicService(model.topics, options.dataDirectory);
      const deadLetters = AppendLog.open<unknown>(path.join(options.dataDirectory, 'dead-letters.log')).log;
      const tokens = new TaskTokenRegistry();
      const stepFunctions = new StepFunctionsService(model.stateMachines, {
        dataDirectory: options.dataDirectory,
        region,
        accountId: ACCOUNT_ID,
        tokens,
        dispatcher: (children) =>
          new TaskDispatcher({
            lambda,
            dynamodb: database,
            queues,
            topics,
            tokens,
            region,
            children,
            // The bus is built after Step Functions (it delivers to state machines); a task reaches it only once everything is running.
            events: { putEvents: (request) => events.putEvents(request) },
          }),
      });
      checkTargets(model);
      const targets = new TargetInvoker({ stepFunctions, lambda, queues });
      const deliver: TargetDeliverer = (target, input, delivery) =>
        targets.invoke({
          arn: target.arn,
          input,
          executionName: deliveryExecutionName(delivery.eventId, delivery.ruleName, target.id),
          alreadyStartedIsDelivered: true,
        });
      const deadLetter: DeadLetterSink = async (target, event, rule, error) => {
        const attributes = {
          RULE_ARN: rule.arn,
          TARGET_ARN: target.arn,
          ERROR_CODE: error.name,
          ERROR_MESSAGE: error.message,
        };
        if (target.deadLetterArn) await queues.send(target.deadLetterArn, JSON.stringify(event), attributes);
        else await deadLetters.append({ event, ...attributes, at: new Date().toISOString() });
        log(
          `warning: event ${event.id} could not be delivered to ${target.arn} (rule ${rule.name}): ${error.message}; parked in ${target.deadLetterArn ?? 'dead-letters.log'}`,
        );
      };
      const events = new EventBusService(model.eventBuses, model.rules, {
        dataDirectory: options.dataDirectory,
        region,
        accountId: ACCOUNT_ID,
        retry: { maxAttempts: options.deliveryAttempts ?? 3, baseDelayMs: 200 },
        deliver,
        deadLetter,
      });
      const logDirectory = path.join(options.dataDirectory, 'logs');
      const httpApi = new HttpApiService(model.httpApis, {
        accountId: ACCOUNT_ID,
        accessLogFile: path.join(logDirectory, 'api-access.log'),
        invoke: (functionArn, event) => lambda.invoke(functionArn, event),
      });
      const scheduler = new SchedulerService(model.schedules, {
        logFile: path.join(logDirectory, 'scheduler.log'),
        rateOverrideMs: intervalSeconds === undefined ? undefined : intervalSeconds * 1000,
        // The execution id is unique per firing, so it names the execution.
        deliver: (target, input, fire) => targets.invoke({ arn: target.arn, input, executionName: fire.executionId }),
      });
      const secrets = new SecretsManagerService(options.dataDirectory, region, ACCOUNT_ID);
      const operationsConsole = localConsoleService(
        model.functions,
        database.endpoint,
        region,
        options.consoleDirectory ?? path.resolve(__dirname, '..', 'console', 'dist'),
      );
      const services = {
        dynamodb,
        lambda,
        events,
        stepFunctions,
        queues,
        topics,
        deadLetters,
        httpApi,
        scheduler,
        secrets,
      };
      handler = (request, response) => void route({ ...services, operationsConsole }, request, response);
      const recovery: Recovery = { redeliveredEvents: 0, restartedExecutions: 0 };
      const tables = model.tables.map((table) => table.name);
      const parts = lifecyclesOf(
        { ...services, tables, tablesCreated: created, server, scheduleIntervalSeconds: intervalSeconds },
        recovery,
      );
      for (const part of parts) part.start?.();
      return new LocalCloud(url, model, recovery, parts, releaseLock);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dynamodb?.stop();
      releaseLock();
      throw error;
    }
  }

  /** Human-readable listing of what is served and what is not. */
  describe(): string[] {
    const lines = this.parts.flatMap((part) => part.describe?.() ?? []);
    // Grouped by type and reason: one type can be left out for different reasons (a route's authorization, an integration's kind).
    const byReason = new Map<string, { type: string; count: number; reason: string }>();
    for (const resource of this.model.notEmulated) {
      const key = `${resource.type}\u0000${resource.reason}`;
      const entry = byReason.get(key) ?? { type: resource.type, count: 0, reason: resource.reason };
      entry.count++;
      byReason.set(key, entry);
    }
    lines.push('  not emulated:');
    for (const { type, count, reason } of byReason.values()) lines.push(`    ${type} x${count}: ${reason}`);
    lines.push(
      `  recovered       ${this.recovery.redeliveredEvents} undelivered events, ${this.recovery.restartedExecutions} interrupted executions restarted`,
    );
    return lines;
  }

  /** Stops accepting requests, flushes every journal and terminates the workers: the parts in the reverse order of their building. */
  async stop(): Promise<void> {
    for (const part of [...this.parts].reverse()) await part.stop();
    this.releaseLock();
  }
}

/**
 * Claims the data directory for this process. Two local clouds on one directory would corrupt
 * each other's journals (and LevelDB refuses the second with an obscure error), so say so plainly.
 * A lock left by a process that no longer runs (a crash) is taken over.
 */
function lockDataDirectory(dataDirectory: string): () => void {
  const lockFile = path.join(dataDirectory, 'psflow.lock');
  try {
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
      throw new Error(
        `Data directory ${dataDirectory} is in use by another local cloud (pid ${holder}); stop it or choose another --data-dir`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.writeFileSync(lockFile, String(process.pid));
  return () => fs.rmSync(lockFile, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fails at start, naming the rule, when a target is of a kind or name the local cloud cannot reach. */
function checkTargets(model: ResourceModel): void {
  const known = new Set([
    ...model.stateMachines.map((m) => m.arn),
    ...model.functions.map((f) => f.arn),
    ...model.queues.map((q) => q.arn),
  ]);
  const problem = (target: RuleTargetSpec): string | undefined => {
    if (!/:(states|lambda|sqs):/.test(target.arn))
      return 'only Step Functions, Lambda and SQS targets are served locally';
    if (!known.has(target.arn)) return 'the target is not declared in the cloud assembly';
    if (target.deadLetterArn && !model.queues.some((queue) => queue.arn === target.deadLetterArn))
      return `dead-letter queue ${target.deadLetterArn} is not declared`;
    return undefined;
  };
  for (const rule of model.rules) {
    for (const target of rule.targets) {
      const reason = problem(target);
      if (reason) throw new Error(`Rule ${rule.name}, target ${target.id} (${target.arn}): ${reason}`);
    }
  }
}

interface Services {
  readonly dynamodb: DynamoDbService;
  readonly lambda: LambdaService;
  readonly events: EventBusService;
  readonly stepFunctions: StepFunctionsService;
  readonly queues: QueueService;
  readonly topics: TopicService;
  readonly httpApi: HttpApiService;
  readonly scheduler: SchedulerService;
  readonly secrets: SecretsManagerService;
  readonly operationsConsole?: ConsoleService;
}

async function statistics(services: Services): Promise<Record<string, unknown>> {
  return {
    eventBridge: services.events.statistics(),
    stepFunctions: services.stepFunctions.statistics(),
    lambda: services.lambda.statistics(),
    scheduler: services.scheduler.statistics(),
    dynamodb: await services.dynamodb.statistics(),
  };
}

async function route(services: Services, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const target = request.headers['x-amz-target'];
  const pathname = (request.url ?? '/').split('?')[0];
  // First: an API client may POST a form, which would otherwise look like an SQS query request.
  if (services.httpApi.serves(pathname)) {
    await services.httpApi.handle(request, response);
    return;
  }
  if (services.operationsConsole?.serves(pathname)) {
    await services.operationsConsole.handle(request, response, pathname);
    return;
  }
  if (typeof target === 'string') {
    const [prefix, action] = target.split('.', 2);
    if (prefix === 'DynamoDB_20120810') {
      services.dynamodb.handle(request, response);
      return;
    }
    const jsonServices: Record<
      string,
      { contentType: string; handle: (action: string, body: Record<string, unknown>) => Promise<unknown> }
    > = {
      AWSEvents: { contentType: 'application/x-amz-json-1.1', handle: (a, b) => services.events.handle(a, b) },
      AWSStepFunctions: {
        contentType: 'application/x-amz-json-1.0',
        handle: (a, b) => services.stepFunctions.handle(a, b),
      },
      AmazonSQS: { contentType: 'application/x-amz-json-1.0', handle: (a, b) => services.queues.handle(a, b) },
      secretsmanager: { contentType: 'application/x-amz-json-1.1', handle: (a, b) => services.secrets.handle(a, b) },
    };
    const service = jsonServices[prefix];
    if (service) {
      try {
        const body = parseJsonBody(await readBody(request));
        sendJson(response, await service.handle(action ?? '', body), service.contentType);
      } catch (error) {
        sendError(response, error, service.contentType);
      }
      return;
    }
    sendError(
      response,
      new AwsError(
        'UnknownOperationException',
        `Service ${prefix} is not served by the local cloud (served: DynamoDB, EventBridge, Step Functions, SQS, Secrets Manager, Lambda Invoke, HTTP APIs under /api)`,
        400,
      ),
    );
    return;
  }
  if (pathname.startsWith('/2015-03-31/functions/')) {
    await services.lambda.handleHttp(request, response, pathname);
    return;
  }
  if (
    request.method === 'POST' &&
    String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')
  ) {
    const form = (await readBody(request)).toString('utf8');
    if (TopicService.isSnsQuery(form)) await services.topics.handleQuery(form, response);
    else await handleSqsQuery(services.queues, form, response);
    return;
  }
  const published = /^\/_psflow\/sns\/([^/]+)$/.exec(pathname);
  if (request.method === 'GET' && published) {
    const messages = services.topics.published(decodeURIComponent(published[1]));
    if (messages) sendJson(response, { messages }, 'application/json');
    else
      sendError(
        response,
        new AwsError('NotFound', `No topic named ${published[1]} is served`, 404),
        'application/json',
      );
    return;
  }
  if (pathname === '/_psflow/partner-events' && request.method === 'POST') {
    // Local only: plays a SaaS partner delivering to its partner event bus (see EventBusService.putPartnerEvents).
    try {
      sendJson(
        response,
        await services.events.putPartnerEvents(parseJsonBody(await readBody(request))),
        'application/json',
      );
    } catch (error) {
      sendError(response, error, 'application/json');
    }
    return;
  }
  if (pathname === '/_psflow/health') {
    // A DynamoDB thread being restarted makes the cloud degraded, not unresponsive.
    const counts = await statistics(services);
    const dynamodbThread = services.dynamodb.status;
    const status = dynamodbThread.state === 'running' ? 'ready' : 'degraded';
    sendJson(response, { status, dynamodbThread, ...counts }, 'application/json');
    return;
  }
  sendError(
    response,
    new AwsError(
      'UnknownOperationException',
      `Nothing is served at ${request.method} ${pathname}; send AWS API requests with an X-Amz-Target header`,
      404,
    ),
    'application/json',
  );
}
