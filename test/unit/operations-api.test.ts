import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { DEMO_USERS } from '../../shared/directory/demo-directory';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type {
  EventReplayer,
  RejectedEventQueue,
  ReplayableEvent,
} from '../../shared/operations-api/rejected-event-actions';
import type { RejectedEvent, RejectedEventStatus } from '../../shared/repositories/rejected-events-table';
import {
  exceptionOutcome,
  handleOperationsRequest,
  OPERATIONS_ROUTES,
  type HttpApiEvent,
  type HttpApiResult,
  type OperationsDependencies,
} from '../../shared/operations-api/operations-api';
import {
  NOW,
  approvalTask,
  drillException,
  drillStepInput,
  hoursAfterNow,
  taskWorld,
  type TaskWorld,
} from '../support/human-task-fakes';
import { StepFunctionsExecutionReader } from '../../shared/workflows/step-functions-execution-reader';
import type { StaffingRequestRecord } from '../../shared/staffing/staffing-request-store';

/** Canned Step Functions answers: history pages and the execution status; records each command. */
class FakeStepFunctions {
  readonly commands: Array<{ name: string; input: unknown }> = [];
  constructor(
    private readonly historyPages: HistoryEvent[][] = [[]],
    private readonly status: ExecutionStatus = 'RUNNING',
  ) {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof GetExecutionHistoryCommand) {
      this.commands.push({ name: 'GetExecutionHistory', input: command.input });
      const index = command.input.nextToken === undefined ? 0 : Number(command.input.nextToken);
      const next = index + 1 < this.historyPages.length ? String(index + 1) : undefined;
      return { events: this.historyPages[index] ?? [], nextToken: next };
    }
    if (command instanceof DescribeExecutionCommand) {
      this.commands.push({ name: 'DescribeExecution', input: command.input });
      return { executionArn: command.input.executionArn, status: this.status };
    }
    throw new Error('unexpected command');
  }

  asClient(): SFNClient {
    return this as unknown as SFNClient;
  }
}

/** Rejected events in memory. */
class InMemoryRejectedEvents implements RejectedEventQueue {
  readonly items = new Map<string, RejectedEvent>();

  seed(item: RejectedEvent): void {
    this.items.set(item.rejectionId, structuredClone(item));
  }

  async get(rejectionId: string): Promise<RejectedEvent | undefined> {
    const item = this.items.get(rejectionId);
    return item ? structuredClone(item) : undefined;
  }

  async list(status: RejectedEventStatus, limit: number): Promise<RejectedEvent[]> {
    return [...this.items.values()].filter((item) => item.status === status).slice(0, limit);
  }

  async markActed(
    rejectionId: string,
    status: Exclude<RejectedEventStatus, 'open'>,
    actedBy: string,
    note: string,
    at: string,
  ): Promise<void> {
    const item = this.items.get(rejectionId);
    if (!item) throw new Error(`no rejected event ${rejectionId}`);
    this.items.set(rejectionId, { ...item, status, actedBy, note, actedAt: at });
  }
}

/** Records what would be put on the bus again. */
class RecordingReplayer implements EventReplayer {
  readonly replayed: ReplayableEvent[] = [];

  async replay(event: ReplayableEvent): Promise<{ eventId: string }> {
    this.replayed.push(event);
    return { eventId: `event-${this.replayed.length}` };
  }
}

/** A won-opportunity event ingestion rejected because the CRM did not know its account. */
function rejectedEvent(): RejectedEvent {
  const raw = {
    version: '0',
    id: 'evt-1',
    source: 'psflow.crm',
    'detail-type': 'Opportunity Won',
    detail: { opportunityId: '0068d00000B7kQwAAJ' },
  };
  return {
    rejectionId: 'rej-0001',
    status: 'open',
    reason: 'CrmRecordNotFound',
    message: 'account 0018d00000XyZ12AAB is unknown to the CRM',
    issues: [],
    source: 'psflow.crm',
    detailType: 'Opportunity Won',
    eventId: 'evt-1',
    receivedAt: NOW.toISOString(),
    lastSeenAt: NOW.toISOString(),
    occurrences: 1,
    rawEvent: JSON.stringify(raw),
    rawEventBytes: JSON.stringify(raw).length,
    rawEventTruncated: false,
  };
}

interface ApiWorld extends TaskWorld {
  readonly sfn: FakeStepFunctions;
  readonly rejected: InMemoryRejectedEvents;
  readonly replayer: RecordingReplayer;
  readonly api: OperationsDependencies;
}

function apiWorld(sfn = new FakeStepFunctions()): ApiWorld {
  const world = taskWorld();
  const rejected = new InMemoryRejectedEvents();
  const replayer = new RecordingReplayer();
  return {
    ...world,
    sfn,
    rejected,
    replayer,
    api: {
      ...world.deps,
      executions: new StepFunctionsExecutionReader(sfn.asClient()),
      rejectedEvents: rejected,
      replayer,
    },
  };
}

interface RequestOptions {
  readonly as?: string;
  readonly claims?: Record<string, unknown>;
  readonly path?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly rawBody?: string;
}

function request(routeKey: string, options: RequestOptions = {}): HttpApiEvent {
  const claims = options.claims ?? (options.as ? { sub: options.as } : undefined);
  return {
    routeKey,
    pathParameters: options.path,
    queryStringParameters: options.query,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    requestContext: claims ? { authorizer: { jwt: { claims } } } : {},
  };
}

async function call(
  world: ApiWorld,
  routeKey: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: unknown; raw: HttpApiResult }> {
  const raw = await handleOperationsRequest(request(routeKey, options), world.api);
  return { status: raw.statusCode, body: JSON.parse(raw.body) as unknown, raw };
}

function stateExited(name: string, at: Date): HistoryEvent {
  return { type: 'TaskStateExited', id: 10, previousEventId: 9, timestamp: at, stateExitedEventDetails: { name } };
}

function stateEntered(name: string, at: Date): HistoryEvent {
  return { type: 'TaskStateEntered', id: 11, previousEventId: 10, timestamp: at, stateEnteredEventDetails: { name } };
}

describe('handleOperationsRequest', () => {
  describe('identity', () => {
    it('answers 401 without identity claims', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /me');

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: 'Unauthorized', message: expect.stringContaining('no identity') });
      expect(answer.raw.headers).toEqual({ 'content-type': 'application/json' });
    });

    it.each([
      ['empty claims', {}],
      ['an empty sub', { sub: '' }],
      ['a sub that is not a string', { sub: 42 }],
      ['a username but no sub', { username: 'pat.practice' }],
    ])('answers 401 with %s', async (_label, claims) => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /me', { claims });

      // Assess
      expect(answer.status).toBe(401);
    });

    it('maps the token subject to its directory entry, whatever the username claims say', async () => {
      // Prepare: a Cognito user whose sub is bound to pat.practice.
      const world = apiWorld();
      const pat = await world.directory.find('pat.practice');
      if (pat) world.directory.put({ ...pat, subject: '5f1c2e9a-cognito-sub' });

      // Act
      const answer = await call(world, 'GET /me', {
        claims: { sub: '5f1c2e9a-cognito-sub', username: 'carl.cfo', 'cognito:username': 'carl.cfo' },
      });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ userId: 'pat.practice', subject: '5f1c2e9a-cognito-sub' });
    });

    it('refuses an unknown token subject with 403, even when its username names someone in the directory', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /tasks', { claims: { sub: 'unknown-subject', username: 'carl.cfo' } });

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: 'NotAuthorized',
        message: expect.stringContaining('token subject unknown-subject is not in the directory'),
      });
    });

    it('answers GET /me for someone outside the directory with no grants', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /me', { as: 'new.joiner' });

      // Assess
      expect(answer.body).toEqual({ userId: 'new.joiner', grants: [] });
    });

    it('lists the demo users', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /users', { as: 'sally.sales' });

      // Assess
      expect(answer.body).toEqual(DEMO_USERS);
    });
  });

  describe('directory grants', () => {
    it('lets an admin grant a role that applies to the next request, auditing who, what and the grants before and after', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const granted = await call(world, 'POST /users/{userId}/grants', {
        as: 'ada.admin',
        path: { userId: 'sally.sales' },
        body: { role: 'practice-lead', practices: ['erp-advisory'], note: 'covering for Pat' },
      });
      const me = await call(world, 'GET /me', { as: 'sally.sales' });

      // Assess
      expect(granted.status).toBe(200);
      expect(me.body).toMatchObject({
        userId: 'sally.sales',
        grants: [{ role: 'practice-lead', practices: ['erp-advisory'] }],
      });
      expect(world.audit.entries).toEqual([
        {
          subjectType: 'user',
          subjectId: 'sally.sales',
          action: 'grant',
          actor: 'ada.admin',
          at: NOW.toISOString(),
          why: 'grant practice-lead (practices erp-advisory): covering for Pat',
          details: { before: [], after: [{ role: 'practice-lead', practices: ['erp-advisory'] }] },
        },
      ]);
    });

    it('lets an admin revoke a grant exactly as held, and audits it', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const revoked = await call(world, 'POST /users/{userId}/grants/revoke', {
        as: 'ada.admin',
        path: { userId: 'olga.ops' },
        body: { role: 'finance-ops' },
      });

      // Assess
      expect(revoked.status).toBe(200);
      expect((await world.directory.find('olga.ops'))?.grants).toEqual([{ role: 'integration-ops' }]);
      expect(world.audit.entries).toEqual([
        expect.objectContaining({
          subjectType: 'user',
          subjectId: 'olga.ops',
          action: 'revoke',
          actor: 'ada.admin',
          why: 'revoke finance-ops',
          details: {
            before: [{ role: 'finance-ops' }, { role: 'integration-ops' }],
            after: [{ role: 'integration-ops' }],
          },
        }),
      ]);
    });

    it('refuses with 404 a revocation of a grant not held, naming what is held', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'POST /users/{userId}/grants/revoke', {
        as: 'ada.admin',
        path: { userId: 'pat.practice' },
        body: { role: 'practice-lead' },
      });

      // Assess
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        error: 'NotFound',
        message:
          'pat.practice holds no grant practice-lead; their grants: practice-lead (practices erp-advisory, data-engineering)',
      });
      expect(world.audit.entries).toEqual([]);
    });

    it('refuses with 403 an admin granting a role to themselves, and changes nothing', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'POST /users/{userId}/grants', {
        as: 'ada.admin',
        path: { userId: 'ada.admin' },
        body: { role: 'cfo' },
      });

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ error: 'NotAuthorized', message: expect.stringContaining('separation of duties') });
      expect((await world.directory.find('ada.admin'))?.grants).toEqual([{ role: 'admin' }]);
      expect(world.audit.entries).toEqual([]);
    });

    it('refuses with 403 a grant by someone without the admin role', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'POST /users/{userId}/grants', {
        as: 'carl.cfo',
        path: { userId: 'sally.sales' },
        body: { role: 'cfo' },
      });

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: 'NotAuthorized',
        message: 'carl.cfo may not grant roles: that needs the admin role',
      });
      expect((await world.directory.find('sally.sales'))?.grants).toEqual([]);
    });

    it.each([
      ['an unknown role', { role: 'emperor' }, /role/],
      ['an unknown region', { role: 'cfo', regions: ['MARS'] }, /regions\.0/],
      ['an empty practice list', { role: 'cfo', practices: [] }, /practices/],
    ])('refuses with 400 a grant with %s, naming the field', async (_label, body, message) => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'POST /users/{userId}/grants', {
        as: 'ada.admin',
        path: { userId: 'sally.sales' },
        body,
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'InvalidRequest', message: expect.stringMatching(message) });
    });

    it('refuses with 404 a grant to someone not in the directory', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'POST /users/{userId}/grants', {
        as: 'ada.admin',
        path: { userId: 'new.joiner' },
        body: { role: 'cfo' },
      });

      // Assess
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        error: 'NotFound',
        message: expect.stringContaining('no user new.joiner in the directory'),
      });
    });
  });

  describe('routing and request errors', () => {
    it('answers 404 for a route it does not serve', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'DELETE /tasks/{taskId}', { as: 'pat.practice' });

      // Assess
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: 'NotFound', message: 'no route DELETE /tasks/{taskId}' });
    });

    it('answers 400 for a body that is not JSON', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        rawBody: '{decision: approve',
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'InvalidRequest', message: 'the body is not JSON' });
      expect(world.tokens.calls).toEqual([]);
    });

    it('answers 400 naming the field for a body the schema refuses', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'maybe' },
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'InvalidRequest', message: expect.stringMatching(/^decision: /) });
      expect(world.tokens.calls).toEqual([]);
    });

    it('answers 400 for a missing body where one is required', async () => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException());

      // Act
      const answer = await call(world, 'POST /exceptions/{exceptionId}/abort', {
        as: 'fiona.finance',
        path: { exceptionId: 'exc-drill-0001-1' },
      });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'InvalidRequest' });
    });

    it('answers 400 for a missing path parameter', async () => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /tasks/{taskId}', { as: 'pat.practice' });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'InvalidRequest', message: 'missing path parameter taskId' });
    });

    it.each(['0', '501', 'ten', '1.5'])('answers 400 for limit=%s', async (limit) => {
      // Prepare
      const world = apiWorld();

      // Act
      const answer = await call(world, 'GET /tasks', { as: 'pat.practice', query: { limit } });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'InvalidRequest', message: 'limit must be 1 to 500' });
    });

    it('reads a base64-encoded body', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());
      const event = {
        ...request('POST /tasks/{taskId}/decision', { as: 'pat.practice', path: { taskId: 'task-level-1' } }),
        body: Buffer.from(JSON.stringify({ decision: 'approve', comment: 'ok' })).toString('base64'),
        isBase64Encoded: true,
      };

      // Act
      const raw = await handleOperationsRequest(event, world.api);

      // Assess
      expect(raw.statusCode).toBe(200);
      expect(world.tasks.peek('task-level-1').decision).toMatchObject({ outcome: 'approved', comment: 'ok' });
    });

    it('lets errors that are not refusals propagate', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.get = async () => {
        throw new Error('ProvisionedThroughputExceededException');
      };

      // Act
      const handled = handleOperationsRequest(
        request('GET /tasks/{taskId}', { as: 'pat.practice', path: { taskId: 'task-level-1' } }),
        world.api,
      );

      // Assess
      await expect(handled).rejects.toThrow('ProvisionedThroughputExceededException');
    });

    it('declares each route key as a method and a path, the task and exception routes among them', () => {
      // Prepare
      const keys = Object.keys(OPERATIONS_ROUTES);

      // Act
      const malformed = keys.filter((key) => !/^(GET|POST) \/[a-z{}/A-Z-]*$/.test(key));

      // Assess
      expect(malformed).toEqual([]);
      expect(keys).toEqual(
        expect.arrayContaining([
          'GET /tasks',
          'POST /tasks/{taskId}/decision',
          'GET /exceptions/{exceptionId}/outcome',
          'POST /delegations',
        ]),
      );
    });
  });

  describe('refusals map to statuses', () => {
    it.each([
      ['NotFound', 404, 'pat.practice', 'task-missing', {}],
      ['NotAuthorized', 403, 'sally.sales', 'task-level-1', {}],
      ['NotAuthorized', 403, 'priya.practice', 'task-level-1', {}],
      ['TokenMismatch', 403, 'pat.practice', 'task-level-1', { token: 'forged' }],
    ] as const)('answers %s with %d', async (code, status, actor, taskId, extra) => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: actor,
        path: { taskId },
        body: { decision: 'approve', ...extra },
      });

      // Assess
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({ error: code, message: expect.any(String) });
    });

    it('answers SegregationOfDuties with 403', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask({ requestedBy: 'pat.practice' }));

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve' },
      });

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        error: 'SegregationOfDuties',
        message: 'pat.practice requested this approval and cannot decide it',
      });
    });

    it('answers AlreadyDecided with 409 and a repeated identical decision with 200 and repeated: true', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());
      const first = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve' },
      });

      // Act
      const repeated = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve' },
      });
      const conflicting = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'reject' },
      });

      // Assess
      expect(first).toMatchObject({ status: 200, body: { repeated: false, task: { status: 'approved' } } });
      expect(repeated).toMatchObject({ status: 200, body: { repeated: true } });
      expect(conflicting).toMatchObject({ status: 409, body: { error: 'AlreadyDecided' } });
      expect(world.tokens.calls).toHaveLength(1);
    });

    it('answers NoLongerWaiting with 409', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());
      world.tokens.staleTokens.add('token-level-1');

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve' },
      });

      // Assess
      expect(answer).toMatchObject({ status: 409, body: { error: 'NoLongerWaiting' } });
    });

    it('answers InvalidRequest with 400, and makes the caller the delegator', async () => {
      // Prepare
      const world = apiWorld();
      const window = {
        role: 'practice-lead',
        from: hoursAfterNow(1).toISOString(),
        until: hoursAfterNow(2).toISOString(),
      };

      // Act
      const toSelf = await call(world, 'POST /delegations', {
        as: 'pat.practice',
        body: { delegate: 'pat.practice', ...window },
      });
      const created = await call(world, 'POST /delegations', {
        as: 'pat.practice',
        body: { delegate: 'priya.practice', ...window },
      });

      // Assess
      expect(toSelf).toMatchObject({
        status: 400,
        body: { error: 'InvalidRequest', message: 'one cannot delegate to oneself' },
      });
      expect(created).toMatchObject({
        status: 200,
        body: { delegator: 'pat.practice', delegate: 'priya.practice', role: 'practice-lead' },
      });
      expect(world.delegations.items).toHaveLength(1);
    });

    it('answers an exception action by someone without the owner role with 403', async () => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException());

      // Act
      const answer = await call(world, 'POST /exceptions/{exceptionId}/retry', {
        as: 'pat.practice',
        path: { exceptionId: 'exc-drill-0001-1' },
      });

      // Assess
      expect(answer).toMatchObject({ status: 403, body: { error: 'NotAuthorized' } });
    });
  });

  describe('who may read and act', () => {
    it.each([
      ['GET /tasks', {}],
      ['GET /tasks/{taskId}', { path: { taskId: 'task-level-1' } }],
      ['GET /exceptions', {}],
      ['GET /exceptions/{exceptionId}', { path: { exceptionId: 'exc-drill-0001-1' } }],
      ['GET /audit/{subjectType}/{subjectId}', { path: { subjectType: 'task', subjectId: 'task-level-1' } }],
      ['GET /rejected-events', {}],
      ['GET /rejected-events/{rejectionId}', { path: { rejectionId: 'rej-0001' } }],
    ])('answers %s with 403 for an identity outside the directory', async (routeKey, options) => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());
      world.exceptions.seed(drillException());
      world.rejected.seed(rejectedEvent());

      // Act
      const answer = await call(world, routeKey, { as: 'mallory', ...options });

      // Assess
      expect(answer).toEqual({
        status: 403,
        body: { error: 'NotAuthorized', message: expect.stringContaining('mallory is not in the directory') },
        raw: expect.anything(),
      });
      expect(answer.raw.body).not.toContain('stepInput');
    });

    it('lets integration-ops replay and resolve rejected events, recording who and why and auditing each action', async () => {
      // Prepare
      const world = apiWorld();
      world.rejected.seed(rejectedEvent());
      world.rejected.seed({ ...rejectedEvent(), rejectionId: 'rej-0002' });

      // Act
      const replayed = await call(world, 'POST /rejected-events/{rejectionId}/replay', {
        as: 'ian.integration',
        path: { rejectionId: 'rej-0001' },
        body: { note: 'account created in CRM' },
      });
      const resolved = await call(world, 'POST /rejected-events/{rejectionId}/resolve', {
        as: 'olga.ops',
        path: { rejectionId: 'rej-0002' },
        body: { note: 'test opportunity, deleted' },
      });
      const audit = await call(world, 'GET /audit/{subjectType}/{subjectId}', {
        as: 'ian.integration',
        path: { subjectType: 'rejected-event', subjectId: 'rej-0001' },
      });

      // Assess
      expect(replayed).toMatchObject({
        status: 200,
        body: { rejectionId: 'rej-0001', status: 'replayed', eventId: 'event-1' },
      });
      expect(resolved).toMatchObject({ status: 200, body: { rejectionId: 'rej-0002', status: 'resolved' } });
      expect(world.replayer.replayed).toEqual([
        { source: 'psflow.crm', detailType: 'Opportunity Won', detail: { opportunityId: '0068d00000B7kQwAAJ' } },
      ]);
      expect(world.rejected.items.get('rej-0001')).toMatchObject({
        status: 'replayed',
        actedBy: 'ian.integration',
        note: 'account created in CRM',
      });
      expect(audit.body).toEqual([
        {
          subjectType: 'rejected-event',
          subjectId: 'rej-0001',
          action: 'replay',
          actor: 'ian.integration',
          at: NOW.toISOString(),
          why: 'account created in CRM',
          details: {
            reason: 'CrmRecordNotFound',
            source: 'psflow.crm',
            detailType: 'Opportunity Won',
            eventId: 'event-1',
          },
        },
      ]);
      expect(world.audit.entries.map((entry) => [entry.subjectId, entry.action, entry.actor])).toEqual([
        ['rej-0001', 'replay', 'ian.integration'],
        ['rej-0002', 'resolve', 'olga.ops'],
      ]);
    });

    it.each([
      [
        'someone in the directory without integration-ops',
        'sally.sales',
        'POST /rejected-events/{rejectionId}/resolve',
        'that needs the role integration-ops',
      ],
      [
        'an identity outside the directory',
        'mallory',
        'POST /rejected-events/{rejectionId}/replay',
        'mallory is not in the directory',
      ],
    ])('refuses %s acting on a rejected event with 403 and changes nothing', async (_label, as, routeKey, message) => {
      // Prepare
      const world = apiWorld();
      world.rejected.seed(rejectedEvent());

      // Act
      const answer = await call(world, routeKey, { as, path: { rejectionId: 'rej-0001' }, body: { note: 'because' } });

      // Assess
      expect(answer).toMatchObject({
        status: 403,
        body: { error: 'NotAuthorized', message: expect.stringContaining(message) },
      });
      expect(world.rejected.items.get('rej-0001')?.status).toBe('open');
      expect(world.replayer.replayed).toEqual([]);
      expect(world.audit.entries).toEqual([]);
    });

    it('refuses to resolve a rejected event without a note', async () => {
      // Prepare
      const world = apiWorld();
      world.rejected.seed(rejectedEvent());

      // Act
      const answer = await call(world, 'POST /rejected-events/{rejectionId}/resolve', {
        as: 'ian.integration',
        path: { rejectionId: 'rej-0001' },
        body: {},
      });

      // Assess
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'InvalidRequest', message: expect.stringContaining('say why with a note') },
      });
    });

    it('lists rejected events without their raw event, and shows one with it', async () => {
      // Prepare
      const world = apiWorld();
      world.rejected.seed(rejectedEvent());

      // Act
      const listed = await call(world, 'GET /rejected-events', { as: 'sally.sales' });
      const shown = await call(world, 'GET /rejected-events/{rejectionId}', {
        as: 'sally.sales',
        path: { rejectionId: 'rej-0001' },
      });

      // Assess
      expect(listed).toMatchObject({ status: 200, body: [{ rejectionId: 'rej-0001', reason: 'CrmRecordNotFound' }] });
      expect(listed.raw.body).not.toContain('"rawEvent"');
      expect(shown).toMatchObject({
        status: 200,
        body: { rejectionId: 'rej-0001', rawEvent: expect.stringContaining('Opportunity Won') },
      });
    });

    it('answers a decision on a decided task with 403 for someone who may not decide it, and 409 without the decider for no one else', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'cfo' }));
      await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'carl.cfo',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve' },
      });

      // Act
      const answer = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'fiona.finance',
        path: { taskId: 'task-level-1' },
        body: { decision: 'reject', comment: 'no' },
      });

      // Assess
      expect(answer).toMatchObject({ status: 403, body: { error: 'NotAuthorized' } });
      expect(answer.raw.body).not.toContain('carl.cfo');
    });
  });

  describe('oversized and over-deep input', () => {
    /** A value nested `depth` levels deep: `{ "n": { "n": ... } }`. */
    function nested(depth: number): unknown {
      let value: unknown = 'bottom';
      for (let level = 0; level < depth; level++) value = { n: value };
      return value;
    }

    it('answers a 3,000-character task id with 400 and the limit, without reading the store', async () => {
      // Prepare
      const world = apiWorld();
      const taskId = 'a'.repeat(3000);

      // Act
      const read = await call(world, 'GET /tasks/{taskId}', { as: 'carl.cfo', path: { taskId } });
      const decided = await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'carl.cfo',
        path: { taskId },
        body: { decision: 'approve' },
      });

      // Assess
      expect(read).toMatchObject({
        status: 400,
        body: { error: 'InvalidRequest', message: 'taskId is 3000 characters long; an id has at most 256' },
      });
      expect(decided.status).toBe(400);
    });

    it.each([
      [
        'nested 40 levels deep',
        [{ op: 'replace', path: '/failWith', value: nested(40) }],
        'the patch nests more than 31 levels deep',
      ],
      // Written out by hand: JSON.stringify itself overflows the stack on such a value.
      [
        'nested 5,000 levels deep',
        `[{"op":"replace","path":"/failWith","value":${'{"n":'.repeat(5000)}0${'}'.repeat(5000)}}]`,
        'the body nests more than 64 levels deep',
      ],
      ['of 300 KB', [{ op: 'replace', path: '/drillId', value: 'x'.repeat(300 * 1024) }], 'the patch is 307'],
    ])('answers a retry patch %s with 400 and leaves the exception open', async (_label, patch, message) => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException());
      const rawBody = typeof patch === 'string' ? `{"patch":${patch}}` : JSON.stringify({ patch });

      // Act
      const answer = await call(world, 'POST /exceptions/{exceptionId}/retry', {
        as: 'fiona.finance',
        path: { exceptionId: 'exc-drill-0001-1' },
        rawBody,
      });

      // Assess
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'InvalidRequest', message: expect.stringContaining(message) },
      });
      expect(world.exceptions.peek('exc-drill-0001-1').status).toBe('open');
      expect(world.tokens.calls).toEqual([]);
    });

    it('answers a patch whose corrected input would nest deeper than DynamoDB stores with 400', async () => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException({ stepInput: { ...drillStepInput(), extra: nested(25) } }));

      // Act
      const answer = await call(world, 'POST /exceptions/{exceptionId}/retry', {
        as: 'fiona.finance',
        path: { exceptionId: 'exc-drill-0001-1' },
        body: {
          patch: [{ op: 'add', path: '/extra/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n', value: nested(10) }],
        },
      });

      // Assess
      expect(answer).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidRequest',
          message: expect.stringContaining('the corrected input nests more than 32 levels deep'),
        },
      });
    });

    it('answers a skip whose output is nested too deep with 400', async () => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException());

      // Act
      const answer = await call(world, 'POST /exceptions/{exceptionId}/skip', {
        as: 'fiona.finance',
        path: { exceptionId: 'exc-drill-0001-1' },
        body: { output: nested(40), note: 'by hand', reference: 'JE-1' },
      });

      // Assess
      expect(answer).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidRequest',
          message: expect.stringContaining('the supplied output nests more than 32 levels deep'),
        },
      });
    });
  });

  describe('tokens stay on the server', () => {
    it.each([
      ['GET /tasks/{taskId}', { path: { taskId: 'task-level-1' } }],
      ['GET /tasks', {}],
      [
        'POST /tasks/{taskId}/decision',
        { path: { taskId: 'task-level-1' }, body: { decision: 'approve', token: 'token-level-1' } },
      ],
    ])('leaves the task token out of %s', async (routeKey, options) => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());

      // Act
      const answer = await call(world, routeKey, { as: 'pat.practice', ...options });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.raw.body).toContain('task-level-1');
      expect(answer.raw.body).not.toContain('token-level-1');
      expect(answer.raw.body).not.toContain('"token"');
    });

    it.each([
      ['GET /exceptions', {}],
      ['GET /exceptions/{exceptionId}', { path: { exceptionId: 'exc-drill-0001-1' } }],
      [
        'POST /exceptions/{exceptionId}/retry',
        {
          path: { exceptionId: 'exc-drill-0001-1' },
          body: { patch: [{ op: 'replace', path: '/failWith', value: 'none' }] },
        },
      ],
      [
        'POST /exceptions/{exceptionId}/skip',
        {
          path: { exceptionId: 'exc-drill-0001-1' },
          body: { output: { entryId: 'JE-1', postedAt: NOW.toISOString() }, note: 'by hand', reference: 'JE-1' },
        },
      ],
      [
        'POST /exceptions/{exceptionId}/abort',
        { path: { exceptionId: 'exc-drill-0001-1' }, body: { note: 'cancelled' } },
      ],
    ])('leaves the exception token out of %s', async (routeKey, options) => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(drillException());

      // Act
      const answer = await call(world, routeKey, { as: 'fiona.finance', ...options });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.raw.body).toContain('exc-drill-0001-1');
      expect(answer.raw.body).not.toContain('exception-token-1');
      expect(answer.raw.body).not.toContain('"token"');
    });
  });

  describe('GET /tasks', () => {
    it("lists the open tasks of the caller's role, soonest due first", async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(
        approvalTask({ taskId: 'task-late', dueAt: hoursAfterNow(30).toISOString() }),
        approvalTask({ taskId: 'task-soon', dueAt: hoursAfterNow(2).toISOString() }),
        approvalTask({ taskId: 'task-decided', status: 'approved', dueAt: hoursAfterNow(1).toISOString() }),
        approvalTask({ taskId: 'task-cfo', assigneeRole: 'cfo', dueAt: hoursAfterNow(1).toISOString() }),
      );

      // Act
      const answer = await call(world, 'GET /tasks', { as: 'pat.practice' });

      // Assess
      expect(answer.status).toBe(200);
      expect((answer.body as Array<{ taskId: string }>).map((task) => task.taskId)).toEqual(['task-soon', 'task-late']);
    });

    it('merges the tasks of every role the caller holds, sorted by due time across roles', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(
        approvalTask({
          taskId: 'task-finance-late',
          assigneeRole: 'finance-ops',
          dueAt: hoursAfterNow(9).toISOString(),
        }),
        approvalTask({
          taskId: 'task-integration',
          assigneeRole: 'integration-ops',
          dueAt: hoursAfterNow(5).toISOString(),
        }),
        approvalTask({
          taskId: 'task-finance-soon',
          assigneeRole: 'finance-ops',
          dueAt: hoursAfterNow(1).toISOString(),
        }),
        approvalTask({ taskId: 'task-cfo', assigneeRole: 'cfo', dueAt: hoursAfterNow(3).toISOString() }),
      );

      // Act
      const answer = await call(world, 'GET /tasks', { as: 'olga.ops' });

      // Assess
      expect((answer.body as Array<{ taskId: string }>).map((task) => task.taskId)).toEqual([
        'task-finance-soon',
        'task-integration',
        'task-finance-late',
      ]);
    });

    it('lists only the tasks the caller may decide: their practices, and those delegated to them', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(
        approvalTask({ taskId: 'task-erp', subject: { practice: 'erp-advisory' } }),
        approvalTask({ taskId: 'task-cloud', subject: { practice: 'cloud-strategy' } }),
      );
      await world.delegations.put({
        delegationId: 'd1',
        delegator: 'priya.practice',
        delegate: 'pat.practice',
        role: 'practice-lead',
        from: NOW.toISOString(),
        until: hoursAfterNow(48).toISOString(),
        createdAt: NOW.toISOString(),
      });

      // Act
      const pat = await call(world, 'GET /tasks', { as: 'pat.practice' });
      const priya = await call(world, 'GET /tasks', { as: 'priya.practice' });

      // Assess
      expect((pat.body as Array<{ taskId: string }>).map((task) => task.taskId).sort()).toEqual([
        'task-cloud',
        'task-erp',
      ]);
      expect((priya.body as Array<{ taskId: string }>).map((task) => task.taskId)).toEqual(['task-cloud']);
    });

    it("lists one role's tasks when asked for it, and refuses an unknown role with 400", async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask({ taskId: 'task-cfo', assigneeRole: 'cfo' }), approvalTask());

      // Act
      const cfo = await call(world, 'GET /tasks', { as: 'pat.practice', query: { role: 'cfo' } });
      const unknown = await call(world, 'GET /tasks', { as: 'pat.practice', query: { role: 'auditor' } });

      // Assess
      expect((cfo.body as Array<{ taskId: string }>).map((task) => task.taskId)).toEqual(['task-cfo']);
      expect(unknown).toMatchObject({ status: 400, body: { error: 'InvalidRequest' } });
    });

    it('lists nothing for a caller without roles', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());

      // Act
      const answer = await call(world, 'GET /tasks', { as: 'sally.sales' });

      // Assess
      expect(answer).toMatchObject({ status: 200, body: [] });
    });
  });

  describe('exceptions and audit', () => {
    it('lists open exceptions by owner role', async () => {
      // Prepare
      const world = apiWorld();
      world.exceptions.seed(
        drillException(),
        drillException({ exceptionId: 'exc-integration', errorClass: 'integration', ownerRole: 'integration-ops' }),
      );

      // Act
      const answer = await call(world, 'GET /exceptions', { as: 'olga.ops', query: { owner: 'integration-ops' } });

      // Assess
      expect((answer.body as Array<{ exceptionId: string }>).map((exception) => exception.exceptionId)).toEqual([
        'exc-integration',
      ]);
    });

    it('answers the audit trail of a subject', async () => {
      // Prepare
      const world = apiWorld();
      world.tasks.seed(approvalTask());
      await call(world, 'POST /tasks/{taskId}/decision', {
        as: 'pat.practice',
        path: { taskId: 'task-level-1' },
        body: { decision: 'approve', comment: 'fine' },
      });

      // Act
      const answer = await call(world, 'GET /audit/{subjectType}/{subjectId}', {
        as: 'carl.cfo',
        path: { subjectType: 'task', subjectId: 'task-level-1' },
      });
      const badType = await call(world, 'GET /audit/{subjectType}/{subjectId}', {
        as: 'carl.cfo',
        path: { subjectType: 'invoice', subjectId: 'x' },
      });

      // Assess
      expect(answer.body).toEqual([expect.objectContaining({ action: 'approve', actor: 'pat.practice', why: 'fine' })]);
      expect(badType.status).toBe(400);
    });
  });
});

describe('exceptionOutcome', () => {
  const retriedAt = hoursAfterNow(2);

  function retrying(overrides: Partial<WorkflowException> = {}): WorkflowException {
    return drillException({
      status: 'retrying',
      resolution: { action: 'retry', by: 'fiona.finance', at: retriedAt.toISOString(), note: 'reopened', patch: [] },
      ...overrides,
    });
  }

  it('is waiting-for-owner while the exception is open, without asking Step Functions', async () => {
    // Prepare
    const world = apiWorld();

    // Act
    const outcome = await exceptionOutcome(drillException(), world.api);

    // Assess
    expect(outcome).toEqual({ exceptionId: 'exc-drill-0001-1', outcome: 'waiting-for-owner' });
    expect(world.sfn.commands).toEqual([]);
  });

  it.each(['skipped', 'aborted'] as const)('is %s when the owner did that', async (status) => {
    // Prepare
    const world = apiWorld();

    // Act
    const outcome = await exceptionOutcome(drillException({ status }), world.api);

    // Assess
    expect(outcome).toEqual({ exceptionId: 'exc-drill-0001-1', outcome: status });
    expect(world.sfn.commands).toEqual([]);
  });

  it('is failed-again when a newer attempt of the step was filed, naming it', async () => {
    // Prepare
    const world = apiWorld();
    world.exceptions.seed(
      retrying(),
      drillException({
        exceptionId: 'exc-drill-0001-2',
        attempt: 2,
        reasonCode: 'PermanentConnectorError',
        message: 'erp.postJournalEntry: account 4711 is blocked',
        createdAt: hoursAfterNow(3).toISOString(),
      }),
    );

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome).toEqual({
      exceptionId: 'exc-drill-0001-1',
      outcome: 'failed-again',
      nextExceptionId: 'exc-drill-0001-2',
      detail: 'PermanentConnectorError: erp.postJournalEntry: account 4711 is blocked',
    });
    expect(world.sfn.commands).toEqual([]);
  });

  it('is succeeded when the step exited after the retry, reading every history page', async () => {
    // Prepare
    const sfn = new FakeStepFunctions([
      [stateExited('PostDrillEntry', hoursAfterNow(-1))],
      [stateExited('OtherStep', hoursAfterNow(3))],
      [stateExited('PostDrillEntry', hoursAfterNow(3)), stateEntered('ConsumeDrillBudget', hoursAfterNow(3))],
    ]);
    const world = apiWorld(sfn);
    world.exceptions.seed(retrying());

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome).toEqual({ exceptionId: 'exc-drill-0001-1', outcome: 'succeeded' });
    expect(sfn.commands.map((command) => command.name)).toEqual([
      'GetExecutionHistory',
      'GetExecutionHistory',
      'GetExecutionHistory',
    ]);
    expect(sfn.commands[0]?.input).toEqual({
      executionArn: drillException().executionArn,
      nextToken: undefined,
      maxResults: 1000,
    });
  });

  it('counts an exit at the very instant of the retry', async () => {
    // Prepare
    const world = apiWorld(
      new FakeStepFunctions([
        [stateExited('PostDrillEntry', retriedAt), stateEntered('ConsumeDrillBudget', retriedAt)],
      ]),
    );
    world.exceptions.seed(retrying());

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome.outcome).toBe('succeeded');
  });

  it('is still running, not succeeded, when the step exited into filing another exception', async () => {
    // Prepare: a caught failure also exits the step; the new exception is not written yet.
    const world = apiWorld(
      new FakeStepFunctions([
        [
          stateExited('PostDrillEntry', hoursAfterNow(3)),
          stateEntered('FilePostDrillEntryException', hoursAfterNow(3)),
        ],
      ]),
    );
    world.exceptions.seed(retrying());

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome.outcome).toBe('running');
  });

  it('is running when the step has not exited since the retry and the execution runs', async () => {
    // Prepare: the only exit of the step is from before the retry.
    const sfn = new FakeStepFunctions(
      [
        [
          stateExited('PostDrillEntry', hoursAfterNow(1)),
          {
            type: 'TaskStateEntered',
            id: 11,
            timestamp: hoursAfterNow(3),
            stateEnteredEventDetails: { name: 'PostDrillEntry' },
          },
        ],
      ],
      'RUNNING',
    );
    const world = apiWorld(sfn);
    world.exceptions.seed(retrying());

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome).toEqual({ exceptionId: 'exc-drill-0001-1', outcome: 'running' });
    expect(sfn.commands.map((command) => command.name)).toEqual(['GetExecutionHistory', 'DescribeExecution']);
  });

  it.each([
    ['FAILED', 'execution-failed'],
    ['TIMED_OUT', 'execution-timed_out'],
    ['ABORTED', 'execution-aborted'],
  ] as const)('is %s -> %s when the execution ended without the step exiting', async (status, expected) => {
    // Prepare
    const world = apiWorld(new FakeStepFunctions([[]], status));
    world.exceptions.seed(retrying());

    // Act
    const outcome = await exceptionOutcome(retrying(), world.api);

    // Assess
    expect(outcome).toEqual({ exceptionId: 'exc-drill-0001-1', outcome: expected });
  });

  it('is served at GET /exceptions/{exceptionId}/outcome', async () => {
    // Prepare
    const world = apiWorld(new FakeStepFunctions([[]], 'FAILED'));
    world.exceptions.seed(retrying());

    // Act
    const answer = await call(world, 'GET /exceptions/{exceptionId}/outcome', {
      as: 'fiona.finance',
      path: { exceptionId: 'exc-drill-0001-1' },
    });
    const missing = await call(world, 'GET /exceptions/{exceptionId}/outcome', {
      as: 'fiona.finance',
      path: { exceptionId: 'exc-missing' },
    });

    // Assess
    expect(answer).toMatchObject({
      status: 200,
      body: { exceptionId: 'exc-drill-0001-1', outcome: 'execution-failed' },
    });
    expect(missing).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });
});

describe('staffing requests through the operations API', () => {
  const records: StaffingRequestRecord[] = [
    { requestId: 'prj-1:L1', status: 'assigned', updatedAt: '2026-11-30T10:00:00.000Z', role: 'Data engineer' },
    {
      requestId: 'prj-1:L2',
      status: 'unfilled',
      updatedAt: '2026-11-30T11:00:00.000Z',
      recommendation: { candidates: [], excludedCounts: { leave: 1 } },
    },
    { requestId: 'prj-2:L1', status: 'held', updatedAt: '2026-11-30T09:00:00.000Z', problems: ['hours: must be > 0'] },
  ];
  const reader = {
    get: async (requestId: string) => records.find((record) => record.requestId === requestId),
    listByStatus: async (status: string, limit: number) =>
      records.filter((record) => record.status === status).slice(0, limit),
  };
  const staffingWorld = (): ApiWorld => {
    const world = apiWorld();
    return { ...world, api: { ...world.api, staffing: reader } };
  };

  it('lists the open requests by default, newest first, and every one with status=all', async () => {
    // Prepare
    const world = staffingWorld();

    // Act
    const open = await call(world, 'GET /staffing/requests', { as: 'olga.ops' });
    const all = await call(world, 'GET /staffing/requests', { as: 'olga.ops', query: { status: 'all' } });

    // Assess
    expect(open.status).toBe(200);
    expect(open.body).toEqual([
      expect.objectContaining({ requestId: 'prj-1:L2' }),
      expect.objectContaining({ requestId: 'prj-2:L1' }),
    ]);
    expect(all.body).toEqual([
      expect.objectContaining({ requestId: 'prj-1:L2' }),
      expect.objectContaining({ requestId: 'prj-1:L1' }),
      expect.objectContaining({ requestId: 'prj-2:L1' }),
    ]);
  });

  it('answers 400 for a status it does not know, naming the ones it does', async () => {
    // Act
    const answer = await call(staffingWorld(), 'GET /staffing/requests', {
      as: 'olga.ops',
      query: { status: 'staffed' },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('status must be open, all or one of held');
  });

  it("shows one request and its candidates, and answers 404 for one that doesn't exist", async () => {
    // Prepare
    const world = staffingWorld();

    // Act
    const shown = await call(world, 'GET /staffing/requests/{requestId}', {
      as: 'olga.ops',
      path: { requestId: 'prj-2:L1' },
    });
    const candidates = await call(world, 'GET /staffing/requests/{requestId}/candidates', {
      as: 'olga.ops',
      path: { requestId: 'prj-1:L2' },
    });
    const missing = await call(world, 'GET /staffing/requests/{requestId}', {
      as: 'olga.ops',
      path: { requestId: 'prj-9:L9' },
    });

    // Assess
    expect(shown.body).toEqual(expect.objectContaining({ status: 'held', problems: ['hours: must be > 0'] }));
    expect(candidates.body).toEqual({
      requestId: 'prj-1:L2',
      status: 'unfilled',
      recommendation: { candidates: [], excludedCounts: { leave: 1 } },
    });
    expect(missing.status).toBe(404);
  });
});
