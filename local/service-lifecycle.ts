import type * as http from 'node:http';
import type { HttpApiService } from './apigateway/http-api-service';
import type { DynamoDbService } from './dynamodb/dynamodb-service';
import type { EventBusService } from './eventbridge/event-bus-service';
import type { LambdaService } from './lambda/lambda-service';
import type { SchedulerService } from './scheduler/scheduler-service';
import type { SecretsManagerService } from './secretsmanager/secrets-manager-service';
import type { TopicService } from './sns/topic-service';
import type { QueueService } from './sqs/queue-service';
import type { AppendLog } from './store/append-log';
import type { StepFunctionsService } from './stepfunctions/step-functions-service';

/**
 * One part of the local cloud as the cloud runs it. The cloud keeps its parts in the order they
 * are built, dependencies first: it starts them in that order once all are wired, lists them in
 * that order, and stops them in the reverse one, so nothing is stopped while a part that uses it
 * still runs.
 */
export interface ServiceLifecycle {
  /** Begins work once every part is wired: resumes a journal, arms timers. */
  start?(): void;
  /** Lines for the startup listing, each `  <label padded to 16><text>`. */
  describe?(): string[];
  /** Stops taking work and flushes what it holds. */
  stop(): Promise<void>;
}

/** What the cloud restored from disk as its parts started. */
export interface Recovery {
  redeliveredEvents: number;
  restartedExecutions: number;
}

/** The parts of a local cloud, as `lifecyclesOf` wraps them. */
export interface CloudParts {
  readonly dynamodb: DynamoDbService;
  /** The tables the model declares, and those this start created. */
  readonly tables: readonly string[];
  readonly tablesCreated: readonly string[];
  readonly lambda: LambdaService;
  readonly queues: QueueService;
  readonly topics: TopicService;
  readonly deadLetters: AppendLog<unknown>;
  readonly stepFunctions: StepFunctionsService;
  readonly events: EventBusService;
  readonly httpApi: HttpApiService;
  readonly server: http.Server;
  readonly scheduler: SchedulerService;
  /** Secrets Manager; absent in tests that wire parts by hand. */
  readonly secrets?: SecretsManagerService;
  /** The `--schedule-interval` override, for the listing. */
  readonly scheduleIntervalSeconds?: number;
}

const INDENT = ' '.repeat(18);

function listLine(label: string, items: readonly string[]): string {
  return `  ${label.padEnd(16)}${items.length > 0 ? items.join(', ') : '(none)'}`;
}

/**
 * The parts of a local cloud in the order they are built. Starting them fills in `recovery`;
 * the HTTP endpoint stops right after the scheduler, so no request arrives at a stopped part.
 */
export function lifecyclesOf(parts: CloudParts, recovery: Recovery): ServiceLifecycle[] {
  const { dynamodb, lambda, queues, topics, deadLetters, stepFunctions, events, httpApi, server, scheduler } = parts;
  return [
    {
      describe: () => [
        listLine(
          'tables',
          parts.tables.map((name) => `${name}${parts.tablesCreated.includes(name) ? ' (created)' : ''}`),
        ),
      ],
      stop: () => dynamodb.stop(),
    },
    { describe: () => [listLine('functions', lambda.functionNames)], stop: () => lambda.stop() },
    {
      describe: () => [
        listLine(
          'queues',
          queues.describe().map(({ name, messages }) => `${name} (${messages} messages)`),
        ),
      ],
      stop: () => queues.stop(),
    },
    {
      describe: () => [
        listLine(
          'topics',
          topics.describe().map(({ name, messages }) => `${name} (${messages} published)`),
        ),
      ],
      stop: () => topics.stop(),
    },
    { stop: () => deadLetters.close() },
    {
      describe: () => [listLine('secrets', parts.secrets?.names ?? [])],
      stop: async () => parts.secrets?.stop(),
    },
    {
      start: () => void (recovery.restartedExecutions = stepFunctions.resumeInterrupted()),
      describe: () => [listLine('state machines', stepFunctions.stateMachineNames)],
      stop: () => stepFunctions.shutdown(),
    },
    {
      start: () => void (recovery.redeliveredEvents = events.resumeUnsettled()),
      describe: () => [
        listLine(
          'event buses',
          events.describe().map(({ bus, rules }) => (rules.length > 0 ? `${bus} [rules: ${rules.join(', ')}]` : bus)),
        ),
      ],
      stop: () => events.stop(),
    },
    { describe: () => describeHttpApis(httpApi), stop: () => httpApi.close() },
    {
      stop: async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      },
    },
    {
      start: () => scheduler.start(),
      describe: () => describeSchedules(scheduler, parts.scheduleIntervalSeconds),
      stop: () => scheduler.stop(),
    },
  ];
}

function describeHttpApis(httpApi: HttpApiService): string[] {
  const lines: string[] = [];
  const apis = httpApi.describe();
  if (apis.length === 0) lines.push(listLine('http api', []));
  for (const api of apis) {
    const unserved = api.unservedRoutes > 0 ? `, ${api.unservedRoutes} not served (see below)` : '';
    lines.push(listLine('http api', [`${api.name} at ${api.endpoint} (${api.routes} routes${unserved})`]));
    if (api.corsConfigured)
      lines.push(
        `${INDENT}its CorsConfiguration is not applied locally: preflight (OPTIONS) requests get 404, responses no CORS headers`,
      );
  }
  if (apis.some((api) => api.jwtRoutes > 0)) {
    lines.push(
      `${INDENT}JWT routes take the development identity: X-Psflow-User: <name>, or a Bearer token decoded without verification`,
    );
  }
  if (apis.length > 0) {
    const formatNote = apis.some((api) => api.accessLogStages.length > 0)
      ? " (the stage's AccessLogSettings format is not applied)"
      : '';
    lines.push(`${INDENT}access log ${httpApi.accessLogFile}${formatNote}`);
  }
  return lines;
}

function describeSchedules(scheduler: SchedulerService, interval: number | undefined): string[] {
  return [
    listLine(
      'schedules',
      scheduler.describe().map(({ name, expression, enabled, next }) => {
        const override =
          interval !== undefined && expression.startsWith('rate(') ? ` every ${interval} s (--schedule-interval)` : '';
        const state = !enabled ? ' (disabled)' : next === undefined ? ' (will not fire again)' : '';
        return `${name} ${expression}${override}${state}`;
      }),
    ),
  ];
}
