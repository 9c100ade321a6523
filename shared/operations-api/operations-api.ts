import * as z from 'zod';
import { billingStatus } from '../billing/billing-status';
import type { ReadinessStore } from '../billing/readiness-store';
import { startBillingRun, type BillingCycleStarter } from '../billing/start-billing-run';
import type { AuditLog } from '../audit/audit-log';
import { grantCovers, UserId, type Directory } from '../directory/directory';
import { GrantChange, grantRole, revokeRole } from '../directory/manage-grants';
import { Role } from '../directory/roles';
import { actOnException } from '../exceptions/act-on-exception';
import { jsonDepth } from '../exceptions/json-limits';
import { ExceptionStatus, type ExceptionStore, type WorkflowException } from '../exceptions/workflow-exception';
import { decideTask } from '../human-tasks/decide-task';
import { delegateRole } from '../human-tasks/delegate-role';
import { TaskActionRefused, type HumanTask } from '../human-tasks/human-task';
import type { DelegationStore, HumanTaskStore, WorkflowTokens } from '../human-tasks/task-ports';
import type { EventPublisher } from '../events/event-publisher';
import { KPI_ROUTE, KpiQuery } from '../kpis/kpi-report';
import type { KpiAggregateStore } from '../kpis/kpi-store';
import { InvalidKpiQuery, queryKpis } from '../kpis/query-kpis';
import { ExternalId, SourceSystem } from '../model/primitives';
import type { ExecutionEvent, ExecutionReader } from '../workflows/execution-reader';
import type { StepContractLookup } from '../workflows/step-contract';
import { businessKey } from '../workflows/workflow-names';
import { actOnRejectedEvent, type EventReplayer, type RejectedEventQueue } from './rejected-event-actions';
import { executionDetail, findExecutions, type ExecutionViews } from './execution-views';
import { AbortBody, DecisionBody, DelegationBody, RejectedEventBody, RetryBody, SkipBody } from './operations-schemas';
import {
  listStaffingRequests,
  StaffingStatusFilter,
  staffingCandidates,
  type StaffingRequestReader,
} from '../staffing/staffing-request-views';

/** The HTTP API event fields the operations API reads (API Gateway payload format 2.0). */
export interface HttpApiEvent {
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string | undefined>;
  readonly queryStringParameters?: Record<string, string | undefined>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly authorizer?: { readonly jwt?: { readonly claims?: Record<string, unknown> } } };
}

/** An HTTP API answer. */
export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the operations API needs. */
export interface OperationsDependencies {
  readonly tasks: HumanTaskStore;
  readonly delegations: DelegationStore;
  readonly exceptions: ExceptionStore;
  readonly directory: Directory;
  readonly tokens: WorkflowTokens;
  readonly audit: AuditLog & {
    list(
      subjectType: 'task' | 'exception' | 'delegation' | 'rejected-event' | 'user' | 'billing-cycle',
      subjectId: string,
    ): Promise<unknown[]>;
  };
  /** Reads executions, for the real outcome of a retry. */
  readonly executions: ExecutionReader;
  readonly contracts: StepContractLookup;
  readonly rejectedEvents: RejectedEventQueue;
  readonly replayer: EventReplayer;
  readonly now: () => Date;
  /** Announces decisions and resolved exceptions for the KPIs. */
  readonly events?: EventPublisher;
  /** The KPI day items, for `GET /kpis`. */
  readonly kpis?: KpiAggregateStore;
  /** Finds and reads executions for the console's Executions page; without it those routes answer 404. */
  readonly executionViews?: ExecutionViews;
  /** Billing readiness per cycle, for `GET /billing/{region}/{period}`; absent where billing is not served. */
  readonly billing?: ReadinessStore;
  /** Starts billing cycles, for `POST /billing/runs`; absent where billing is not served. */
  readonly billingCycles?: BillingCycleStarter;
  /** Staffing requests, for `GET /staffing/requests...`; absent where staffing is not served. */
  readonly staffing?: StaffingRequestReader;
}

type Route = (request: {
  actor: string;
  event: HttpApiEvent;
  body: unknown;
  deps: OperationsDependencies;
}) => Promise<unknown>;

/** Route keys served; the CDK construct creates one API route per key. */
export const OPERATIONS_ROUTES: Readonly<Record<string, Route>> = {
  'GET /me': async ({ actor, deps }) => (await deps.directory.find(actor)) ?? { userId: actor, grants: [] },
  'GET /users': async ({ deps }) => deps.directory.all(),
  'GET /executions': async ({ event, deps }) => findExecutions(event.queryStringParameters ?? {}, deps.executionViews),
  'GET /executions/{executionArn}': async ({ event, deps }) =>
    executionDetail(pathParameter(event, 'executionArn'), deps.executionViews),
  'POST /users/{userId}/grants': async ({ actor, event, body, deps }) =>
    grantRole(actor, UserId.parse(pathParameter(event, 'userId')), GrantChange.parse(body), deps),
  'POST /users/{userId}/grants/revoke': async ({ actor, event, body, deps }) =>
    revokeRole(actor, UserId.parse(pathParameter(event, 'userId')), GrantChange.parse(body), deps),
  'GET /tasks': async ({ actor, event, deps }) => listTasks(actor, event, deps),
  'GET /tasks/{taskId}': async ({ event, deps }) =>
    publicTask(await found(deps.tasks.get(pathParameter(event, 'taskId')), 'task')),
  'POST /tasks/{taskId}/decision': async ({ actor, event, body, deps }) => {
    const request = DecisionBody.parse(body);
    const result = await decideTask(
      {
        taskId: pathParameter(event, 'taskId'),
        outcome: request.decision === 'approve' ? 'approved' : 'rejected',
        comment: request.comment,
        token: request.token,
        actor,
      },
      deps,
    );
    return { repeated: result.repeated, task: publicTask(result.task) };
  },
  'POST /delegations': async ({ actor, body, deps }) =>
    delegateRole({ ...DelegationBody.parse(body), delegator: actor }, deps),
  'GET /exceptions': async ({ event, deps }) =>
    (await deps.exceptions.list(exceptionFilter(event), limitOf(event))).map(publicException),
  'GET /exceptions/{exceptionId}': async ({ event, deps }) =>
    publicException(await found(deps.exceptions.get(pathParameter(event, 'exceptionId')), 'exception')),
  'GET /exceptions/{exceptionId}/outcome': async ({ event, deps }) =>
    exceptionOutcome(await found(deps.exceptions.get(pathParameter(event, 'exceptionId')), 'exception'), deps),
  'POST /exceptions/{exceptionId}/retry': async ({ actor, event, body, deps }) => {
    const request = RetryBody.parse(body ?? {});
    return publicException(
      await actOnException(
        pathParameter(event, 'exceptionId'),
        actor,
        { action: 'retry', patch: request.patch, note: request.note },
        deps,
      ),
    );
  },
  'POST /exceptions/{exceptionId}/skip': async ({ actor, event, body, deps }) => {
    const request = SkipBody.parse(body);
    return publicException(
      await actOnException(pathParameter(event, 'exceptionId'), actor, { action: 'skip', ...request }, deps),
    );
  },
  'POST /exceptions/{exceptionId}/abort': async ({ actor, event, body, deps }) => {
    const request = AbortBody.parse(body);
    return publicException(
      await actOnException(pathParameter(event, 'exceptionId'), actor, { action: 'abort', note: request.note }, deps),
    );
  },
  'GET /rejected-events': async ({ event, deps }) => {
    const status = z.enum(['open', 'replayed', 'resolved']).parse(event.queryStringParameters?.status ?? 'open');
    return (await deps.rejectedEvents.list(status, limitOf(event))).map(({ rawEvent: _raw, ...summary }) => summary);
  },
  'GET /rejected-events/{rejectionId}': async ({ event, deps }) => {
    const rejectionId = pathParameter(event, 'rejectionId');
    const item = await deps.rejectedEvents.get(rejectionId);
    if (!item)
      throw new TaskActionRefused('NotFound', `no rejected event ${rejectionId}; list them with: psflow rejected list`);
    return item;
  },
  'POST /rejected-events/{rejectionId}/replay': async ({ actor, event, body, deps }) => {
    const request = RejectedEventBody.parse(body ?? {});
    return actOnRejectedEvent(
      pathParameter(event, 'rejectionId'),
      actor,
      { action: 'replay', note: request.note },
      deps,
    );
  },
  'POST /rejected-events/{rejectionId}/resolve': async ({ actor, event, body, deps }) => {
    const request = RejectedEventBody.parse(body ?? {});
    return actOnRejectedEvent(
      pathParameter(event, 'rejectionId'),
      actor,
      { action: 'resolve', note: request.note ?? '' },
      deps,
    );
  },
  [KPI_ROUTE.key]: async ({ event, deps }) => {
    if (!deps.kpis) throw new TaskActionRefused('NotFound', 'this stage serves no KPIs');
    const query = KpiQuery.parse(
      Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).filter(([, value]) => value !== undefined)),
    );
    try {
      return await queryKpis(query, { store: deps.kpis, now: deps.now });
    } catch (error) {
      if (error instanceof InvalidKpiQuery) throw new TaskActionRefused('InvalidRequest', error.message);
      throw error;
    }
  },
  'GET /audit/{subjectType}/{subjectId}': async ({ event, deps }) => {
    const subjectType = z
      .enum(['task', 'exception', 'delegation', 'rejected-event', 'user', 'billing-cycle'])
      .parse(pathParameter(event, 'subjectType'));
    return deps.audit.list(subjectType, pathParameter(event, 'subjectId'));
  },
  'GET /billing/{region}/{period}': async ({ event, deps }) => {
    if (!deps.billing) throw new Error('billing readiness is not served by this API');
    return billingStatus(
      {
        region: pathParameter(event, 'region'),
        period: pathParameter(event, 'period'),
        project: event.queryStringParameters?.project,
      },
      deps.billing,
    );
  },
  'POST /billing/runs': async ({ actor, body, deps }) => {
    if (!deps.billingCycles) throw new TaskActionRefused('NotFound', 'this stage serves no billing cycles');
    return startBillingRun(actor, body, { ...deps, cycles: deps.billingCycles });
  },
  'GET /staffing/requests': async ({ event, deps }) =>
    listStaffingRequests(
      staffingOf(deps),
      StaffingStatusFilter.parse(event.queryStringParameters?.status ?? 'open'),
      limitOf(event),
    ),
  'GET /staffing/requests/{requestId}': async ({ event, deps }) =>
    found(staffingOf(deps).get(pathParameter(event, 'requestId')), 'staffing request'),
  'GET /staffing/requests/{requestId}/candidates': async ({ event, deps }) =>
    staffingCandidates(await found(staffingOf(deps).get(pathParameter(event, 'requestId')), 'staffing request')),
};

function staffingOf(deps: OperationsDependencies): StaffingRequestReader {
  if (!deps.staffing) throw new Error('staffing requests are not served by this API');
  return deps.staffing;
}

/** The one route an identity outside the directory may call: it answers who the caller is (no one). */
const OPEN_TO_ANYONE = new Set(['GET /me']);

/** Serves one HTTP API request: identity from the JWT claims, a route, errors as status codes with a message. */
export async function handleOperationsRequest(
  event: HttpApiEvent,
  deps: OperationsDependencies,
): Promise<HttpApiResult> {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  const subject = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  if (!subject)
    return answer(401, {
      error: 'Unauthorized',
      message: 'no identity in the request; sign in (locally: send X-Psflow-User)',
    });
  const route = OPERATIONS_ROUTES[event.routeKey];
  if (!route) return answer(404, { error: 'NotFound', message: `no route ${event.routeKey}` });
  // The token's subject names a directory entry; the entry's userId is who acts from here on.
  // Tasks, step inputs, rejected events and audit trails hold client and deal data: a signed-in
  // identity that the directory does not know holds no role and reads none of it.
  const user = await deps.directory.findBySubject(subject);
  if (!user && !OPEN_TO_ANYONE.has(event.routeKey)) {
    return answer(403, {
      error: 'NotAuthorized',
      message: `token subject ${subject} is not in the directory; ask an admin to add you (psflow users list shows who is)`,
    });
  }
  const actor = user?.userId ?? subject;
  try {
    const body = parseBody(event);
    return answer(200, await route({ actor, event, body, deps }));
  } catch (error) {
    if (error instanceof TaskActionRefused)
      return answer(error.httpStatus, { error: error.code, message: error.message });
    if (error instanceof z.ZodError)
      return answer(400, {
        error: 'InvalidRequest',
        message: error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
      });
    if (error instanceof BadRequest) return answer(400, { error: 'InvalidRequest', message: error.message });
    throw error;
  }
}

class BadRequest extends Error {}

function answer(statusCode: number, value: unknown): HttpApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** Longest id a path may carry; ours are far shorter, and DynamoDB refuses keys over 2048 bytes. */
export const MAX_ID_LENGTH = 256;

/**
 * Deepest body accepted. The routes check what they store against DynamoDB's 32 levels with a
 * precise message; this bound only keeps a hostile body from reaching them at all.
 */
export const MAX_BODY_DEPTH = 64;

function parseBody(event: HttpApiEvent): unknown {
  if (!event.body) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest('the body is not JSON');
  }
  if (jsonDepth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH)
    throw new BadRequest(`the body nests more than ${MAX_BODY_DEPTH} levels deep`);
  return body;
}

function pathParameter(event: HttpApiEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new BadRequest(`missing path parameter ${name}`);
  if (value.length > MAX_ID_LENGTH)
    throw new BadRequest(`${name} is ${value.length} characters long; an id has at most ${MAX_ID_LENGTH}`);
  return value;
}

function limitOf(event: HttpApiEvent): number {
  const limit = Number(event.queryStringParameters?.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('limit must be 1 to 500');
  return limit;
}

async function found<T>(value: Promise<T | undefined>, what: string): Promise<T> {
  const result = await value;
  if (result === undefined) throw new TaskActionRefused('NotFound', `no such ${what}`);
  return result;
}

/** Tokens stay on the server: a leaked token would let anyone answer the workflow directly. */
function publicTask(task: HumanTask): Omit<HumanTask, 'token'> {
  const { token: _token, ...rest } = task;
  return rest;
}

function publicException(exception: WorkflowException): Omit<WorkflowException, 'token'> {
  const { token: _token, ...rest } = exception;
  return rest;
}

/**
 * Open tasks the caller may decide now, by their own grants or by a delegation in force.
 * With `?role=`, every open task of that role, for whoever watches that queue.
 */
async function listTasks(actor: string, event: HttpApiEvent, deps: OperationsDependencies): Promise<unknown[]> {
  const requested = event.queryStringParameters?.role;
  const user = await deps.directory.find(actor);
  const roles = requested ? [Role.parse(requested)] : [...new Set((user?.grants ?? []).map((grant) => grant.role))];
  const at = deps.now().toISOString();
  const listed = await Promise.all(
    roles.map(async (role) => {
      const delegations = await deps.delegations.activeFor(actor, role, at);
      const delegators = (
        await Promise.all(delegations.map((delegation) => deps.directory.find(delegation.delegator)))
      ).filter((found) => found !== undefined);
      const grants = [user, ...delegators].flatMap((person) => person?.grants ?? []);
      const tasks = await deps.tasks.listOpenByRole(role, limitOf(event));
      if (requested) return tasks;
      return tasks.filter((task) =>
        grants.some((grant) =>
          grantCovers(grant, role, { practice: task.subject.practice, region: task.subject.region }),
        ),
      );
    }),
  );
  return listed
    .flat()
    .sort((left, right) => left.dueAt.localeCompare(right.dueAt))
    .map(publicTask);
}

function exceptionFilter(event: HttpApiEvent): Parameters<ExceptionStore['list']>[0] {
  const query = event.queryStringParameters ?? {};
  const system = SourceSystem.parse(query.system ?? 'salesforce');
  const key = (kind: 'client' | 'project', id: string | undefined): string | undefined =>
    id
      ? businessKey(kind, ExternalId.parse({ system: kind === 'project' ? (query.system ?? 'psflow') : system, id }))
      : undefined;
  return {
    status: query.status ? ExceptionStatus.parse(query.status) : undefined,
    ownerRole: query.owner ? Role.parse(query.owner) : undefined,
    workflow: query.workflow,
    clientKey: key('client', query.client),
    projectKey: key('project', query.project),
  };
}

/** What became of an exception after its owner acted: the real outcome of a retry, read from the execution. */
export async function exceptionOutcome(
  exception: WorkflowException,
  deps: OperationsDependencies,
): Promise<{ exceptionId: string; outcome: string; detail?: string; nextExceptionId?: string }> {
  const base = { exceptionId: exception.exceptionId };
  if (exception.status === 'open') return { ...base, outcome: 'waiting-for-owner' };
  if (exception.status !== 'retrying') return { ...base, outcome: exception.status };
  const latest = await deps.exceptions.latestAttempt(exception.executionArn, exception.step);
  if (latest && latest.attempt > exception.attempt)
    return {
      ...base,
      outcome: 'failed-again',
      nextExceptionId: latest.exceptionId,
      detail: `${latest.reasonCode}: ${latest.message}`,
    };
  const retriedAt = Date.parse(exception.resolution?.at ?? exception.createdAt);
  const events = await deps.executions.history(exception.executionArn);
  // The step succeeded only if, after the retry, it exited into something other than filing another
  // exception: a failure that is caught also exits the step, straight into File<Step>Exception.
  const entered = (event: ExecutionEvent): boolean => event.type.endsWith('StateEntered');
  const later = events.filter((event) => event.at.getTime() >= retriedAt);
  for (const [index, event] of later.entries()) {
    if (event.type !== 'TaskStateExited' || event.stateName !== exception.step) continue;
    const next = later.slice(index + 1).find(entered)?.stateName;
    if (next !== undefined && next !== `File${exception.step}Exception`) return { ...base, outcome: 'succeeded' };
  }
  const status = await deps.executions.status(exception.executionArn);
  return status === 'RUNNING'
    ? { ...base, outcome: 'running' }
    : { ...base, outcome: `execution-${String(status).toLowerCase()}` };
}
