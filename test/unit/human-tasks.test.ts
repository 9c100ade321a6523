import { DEMO_USERS, FIRM_PRACTICES } from '../../shared/directory/demo-directory';
import { InMemoryDirectory } from '../../shared/directory/directory';
import type { Role } from '../../shared/directory/roles';
import { ErrorName } from '../../shared/errors/error-names';
import { decideTask, type DecisionRequest, type DecisionResult } from '../../shared/human-tasks/decide-task';
import { delegateRole, type DelegationRequest } from '../../shared/human-tasks/delegate-role';
import { TaskActionRefused, type HumanTask } from '../../shared/human-tasks/human-task';
import { scopesWithoutDecider } from '../../shared/human-tasks/deciders';
import {
  openApprovalTask,
  type OpenApprovalTaskInput,
  type OpenTaskDependencies,
} from '../../shared/human-tasks/open-approval-task';
import { sweepOverdueTasks, type SweepDependencies } from '../../shared/human-tasks/sweep-overdue-tasks';
import type { Delegation } from '../../shared/human-tasks/task-ports';
import { currentApprovalPolicy } from '../../shared/policies/approval-policy';
import {
  EXECUTION_ARN,
  InMemoryAuditLog,
  InMemoryHumanTaskStore,
  NOW,
  RecordingBreachPublisher,
  approvalTask,
  hoursAfterNow,
  taskWorld,
  type TaskWorld,
} from '../support/human-task-fakes';

/** Runs an action that must be refused and returns the refusal. */
async function refusal(action: () => Promise<unknown>): Promise<TaskActionRefused> {
  try {
    await action();
  } catch (error) {
    if (error instanceof TaskActionRefused) return error;
    throw error;
  }
  throw new Error('the action was not refused');
}

function decision(
  taskId: string,
  actor: string,
  outcome: DecisionRequest['outcome'] = 'approved',
  extra: Partial<DecisionRequest> = {},
): DecisionRequest {
  return { taskId, actor, outcome, comment: `${outcome} by ${actor}`, ...extra };
}

function decide(world: TaskWorld, request: DecisionRequest): Promise<DecisionResult> {
  return decideTask(request, world.deps);
}

/** Pat hands practice-lead decisions to Priya from 1 hour after NOW until 25 hours after NOW. */
async function patDelegatesToPriya(world: TaskWorld): Promise<Delegation> {
  return delegateRole(
    {
      delegator: 'pat.practice',
      delegate: 'priya.practice',
      role: 'practice-lead',
      from: hoursAfterNow(1).toISOString(),
      until: hoursAfterNow(25).toISOString(),
    },
    { ...world.deps, now: world.clock.now },
  );
}

/**
 * Two levels of one request, both now waiting on a practice lead: level 1 was routed to the
 * delivery lead and escalated to the practice lead after two breaches.
 */
function twoPracticeLeadLevels(): [HumanTask, HumanTask] {
  return [
    approvalTask({ level: 1, candidateRoles: ['delivery-lead'], assigneeRole: 'practice-lead', breaches: 2 }),
    approvalTask({ level: 2, candidateRoles: ['practice-lead'], assigneeRole: 'practice-lead' }),
  ];
}

describe('decideTask', () => {
  describe('delivering the outcome', () => {
    it('records an approval, succeeds the task token with the decision and marks it delivered', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const result = await decide(
        world,
        decision('task-level-1', 'pat.practice', 'approved', { comment: 'Margin checked' }),
      );

      // Assess
      const expectedDecision = {
        outcome: 'approved',
        decidedBy: 'pat.practice',
        comment: 'Margin checked',
        decidedAt: NOW.toISOString(),
        delivered: true,
      };
      expect(result.repeated).toBe(false);
      expect(result.task).toMatchObject({ status: 'approved', decision: expectedDecision });
      expect(world.tasks.peek('task-level-1')).toMatchObject({ status: 'approved', decision: expectedDecision });
      expect(world.tokens.calls).toEqual([
        {
          kind: 'succeed',
          token: 'token-level-1',
          output: {
            outcome: 'approved',
            decidedBy: 'pat.practice',
            comment: 'Margin checked',
            decidedAt: NOW.toISOString(),
            level: 1,
          },
        },
      ]);
    });

    it(`records a rejection and fails the task token with ${ErrorName.ApprovalRejected}, the decision as the cause`, async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const result = await decide(
        world,
        decision('task-level-1', 'pat.practice', 'rejected', { comment: 'Rate card too low' }),
      );

      // Assess
      expect(result.task.status).toBe('rejected');
      expect(world.tasks.peek('task-level-1')).toMatchObject({
        status: 'rejected',
        decision: { outcome: 'rejected', delivered: true },
      });
      expect(world.tokens.calls).toHaveLength(1);
      const [call] = world.tokens.calls;
      if (call?.kind !== 'fail') throw new Error('the token was not failed');
      expect(call).toMatchObject({ token: 'token-level-1', error: 'psflow.ApprovalRejected' });
      expect(JSON.parse(call.cause)).toEqual({
        outcome: 'rejected',
        decidedBy: 'pat.practice',
        comment: 'Rate card too low',
        decidedAt: NOW.toISOString(),
        level: 1,
      });
    });

    it('appends the decision to the audit log with actor, action, why and the level', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      await decide(world, decision('task-level-1', 'pat.practice', 'rejected', { comment: 'Rate card too low' }));

      // Assess
      expect(world.audit.entries).toEqual([
        {
          subjectType: 'task',
          subjectId: 'task-level-1',
          action: 'reject',
          actor: 'pat.practice',
          at: NOW.toISOString(),
          why: 'Rate card too low',
          details: { level: 1, role: 'practice-lead', executionArn: EXECUTION_ARN },
        },
      ]);
    });

    it("accepts the task's own token from a link", async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const result = await decide(
        world,
        decision('task-level-1', 'pat.practice', 'approved', { token: 'token-level-1' }),
      );

      // Assess
      expect(result.task.status).toBe('approved');
      expect(world.tokens.calls).toHaveLength(1);
    });
  });

  describe('authorization', () => {
    it.each([
      ['sally.sales', 'holds no role'],
      ['carl.cfo', 'holds another role'],
      ['priya.practice', 'is a practice lead of other practices'],
      ['mallory.outsider', 'is not in the directory'],
    ])('refuses %s, who %s, with NotAuthorized (403) and records nothing', async (actor) => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', actor)));

      // Assess
      expect(refused).toMatchObject({ code: 'NotAuthorized', httpStatus: 403 });
      expect(world.tasks.peek('task-level-1')).toEqual(approvalTask());
      expect(world.tokens.calls).toEqual([]);
      expect(world.audit.entries).toEqual([]);
    });

    it('refuses a delivery lead whose grant is for other regions, and lets the one for the region decide', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(
        approvalTask({ candidateRoles: ['delivery-lead'], assigneeRole: 'delivery-lead', subject: { region: 'EMEA' } }),
      );

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'dave.delivery')));
      const result = await decide(world, decision('task-level-1', 'dana.delivery'));

      // Assess
      expect(refused).toMatchObject({ code: 'NotAuthorized', httpStatus: 403 });
      expect(refused.message).toContain('delivery-lead');
      expect(refused.message).toContain('EMEA');
      expect(result.task.decision?.decidedBy).toBe('dana.delivery');
    });

    it("lets the practice lead of the deal's practice decide regardless of region", async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ subject: { practice: 'cloud-strategy', region: 'APAC' } }));

      // Act
      const result = await decide(world, decision('task-level-1', 'priya.practice'));

      // Assess
      expect(result.task.status).toBe('approved');
    });

    it('follows an escalation: the CFO may decide and the practice lead no longer may', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'cfo', breaches: 2 }));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice')));
      const result = await decide(world, decision('task-level-1', 'carl.cfo'));

      // Assess
      expect(refused.code).toBe('NotAuthorized');
      expect(result.task.decision?.decidedBy).toBe('carl.cfo');
      expect(world.audit.entries[0]?.details).toMatchObject({ role: 'cfo' });
    });
  });

  describe('separation of duties', () => {
    it('refuses the requester deciding their own request, even when they hold the role', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ requestedBy: 'pat.practice' }));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'SegregationOfDuties', httpStatus: 403 });
      expect(refused.message).toBe('pat.practice requested this approval and cannot decide it');
      expect(world.tokens.calls).toEqual([]);
      expect(world.tasks.peek('task-level-1').decision).toBeUndefined();
    });

    it('refuses one person deciding two levels of one request (the CFO after an escalation)', async () => {
      // Prepare: level 1 escalated from the practice lead to the CFO, who approved it.
      const world = taskWorld();
      world.tasks.seed(
        approvalTask({ level: 1, assigneeRole: 'cfo', breaches: 2 }),
        approvalTask({ level: 2, candidateRoles: ['cfo'], assigneeRole: 'cfo' }),
      );
      await decide(world, decision('task-level-1', 'carl.cfo'));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-2', 'carl.cfo')));

      // Assess
      expect(refused).toMatchObject({ code: 'SegregationOfDuties', httpStatus: 403 });
      expect(refused.message).toBe(
        'carl.cfo already decided level 1 of this request; another person must decide level 2',
      );
      expect(world.tokens.calls.map((call) => call.token)).toEqual(['token-level-1']);
    });

    it('does not hold a decision in another request against the same person', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(
        approvalTask({ level: 1 }),
        approvalTask({ taskId: 'task-other-request', requestId: 'another-request', level: 2, token: 'token-other' }),
      );
      await decide(world, decision('task-level-1', 'pat.practice'));

      // Act
      const result = await decide(world, decision('task-other-request', 'pat.practice'));

      // Assess
      expect(result.task.status).toBe('approved');
    });

    it('refuses the delegator deciding a level their delegate decided on their behalf', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(...twoPracticeLeadLevels());
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);
      await decide(world, decision('task-level-1', 'priya.practice'));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-2', 'pat.practice')));

      // Assess
      expect(world.tasks.peek('task-level-1').decision).toMatchObject({
        decidedBy: 'priya.practice',
        onBehalfOf: 'pat.practice',
      });
      expect(refused).toMatchObject({ code: 'SegregationOfDuties', httpStatus: 403 });
    });

    it("refuses the delegate deciding a second level after deciding the first on someone's behalf", async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(...twoPracticeLeadLevels());
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);
      await decide(world, decision('task-level-1', 'priya.practice'));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-2', 'priya.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'SegregationOfDuties', httpStatus: 403 });
    });

    // Fails: exposes a production bug. checkSeparationOfDuties (decide-task.ts) compares only the
    // actor with earlier deciders, never the delegator the actor is about to decide for, so Pat's
    // authority decides both levels: level 1 by Pat, level 2 by Priya on Pat's behalf.
    it('refuses a delegate deciding on behalf of the person who already decided another level', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(...twoPracticeLeadLevels());
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);
      await decide(world, decision('task-level-1', 'pat.practice'));

      // Act
      const outcome = await decide(world, decision('task-level-2', 'priya.practice')).then(
        (result) => ({ decided: result.task.decision }),
        (error: unknown) => ({ refused: error }),
      );

      // Assess
      expect(outcome).toEqual({ refused: expect.objectContaining({ code: 'SegregationOfDuties', httpStatus: 403 }) });
      expect(world.tokens.calls.map((call) => call.token)).toEqual(['token-level-1']);
    });
    // Fails: exposes the same production bug as the test above. The requester's own authority
    // approves the request when their delegate decides it on their behalf.
    it('refuses a delegate deciding on behalf of the requester', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ requestedBy: 'pat.practice' }));
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);

      // Act
      const outcome = await decide(world, decision('task-level-1', 'priya.practice')).then(
        (result) => ({ decided: result.task.decision }),
        (error: unknown) => ({ refused: error }),
      );

      // Assess
      expect(outcome).toEqual({ refused: expect.objectContaining({ code: 'SegregationOfDuties', httpStatus: 403 }) });
      expect(world.tokens.calls).toEqual([]);
    });
  });

  describe('tokens', () => {
    it("refuses a token that is not the task's with TokenMismatch (403) and records nothing", async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const refused = await refusal(() =>
        decide(world, decision('task-level-1', 'pat.practice', 'approved', { token: 'token-from-an-old-link' })),
      );

      // Assess
      expect(refused).toMatchObject({ code: 'TokenMismatch', httpStatus: 403 });
      expect(world.tasks.peek('task-level-1').decision).toBeUndefined();
      expect(world.tokens.calls).toEqual([]);
    });

    it('marks the task expired and refuses with NoLongerWaiting (409) when Step Functions no longer knows the token', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      world.tokens.staleTokens.add('token-level-1');

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'NoLongerWaiting', httpStatus: 409 });
      expect(world.tasks.peek('task-level-1')).toMatchObject({
        status: 'expired',
        decision: { outcome: 'approved', decidedBy: 'pat.practice', delivered: false },
      });
      expect(world.tokens.calls).toHaveLength(1);
      expect(world.audit.entries.map((entry) => entry.action)).toEqual(['approve']);
    });
  });

  describe('repeated and conflicting decisions', () => {
    it('answers a repeated identical decision with repeated: true and delivers it only once', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      await decide(world, decision('task-level-1', 'pat.practice'));

      // Act
      const again = await decide(world, decision('task-level-1', 'pat.practice'));

      // Assess
      expect(again.repeated).toBe(true);
      expect(again.task).toMatchObject({
        status: 'approved',
        decision: { decidedBy: 'pat.practice', delivered: true },
      });
      expect(world.tokens.calls).toHaveLength(1);
      expect(world.audit.entries).toHaveLength(1);
    });

    it('re-delivers a repeated decision whose first delivery did not reach the workflow', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      world.tokens.failNextCalls = 1;
      const first = await decide(world, decision('task-level-1', 'pat.practice')).then(
        () => 'delivered',
        (error: unknown) => (error as Error).message,
      );
      const undelivered = world.tasks.peek('task-level-1');

      // Act
      const again = await decide(world, decision('task-level-1', 'pat.practice'));

      // Assess
      expect(first).toContain('ECONNRESET');
      expect(undelivered.decision).toMatchObject({ outcome: 'approved', delivered: false });
      expect(again.repeated).toBe(true);
      expect(again.task.decision?.delivered).toBe(true);
      expect(world.tasks.peek('task-level-1').decision?.delivered).toBe(true);
      expect(world.tokens.calls).toEqual([expect.objectContaining({ kind: 'succeed', token: 'token-level-1' })]);
    });

    it('refuses a conflicting second decision with AlreadyDecided (409), naming the first', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      await decide(world, decision('task-level-1', 'pat.practice', 'approved'));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice', 'rejected')));

      // Assess
      expect(refused).toMatchObject({ code: 'AlreadyDecided', httpStatus: 409 });
      expect(refused.message).toBe(`task task-level-1 was already approved by pat.practice at ${NOW.toISOString()}`);
      expect(world.tasks.peek('task-level-1').decision?.outcome).toBe('approved');
      expect(world.tokens.calls).toHaveLength(1);
    });

    it('refuses the same outcome from another person who may decide it with AlreadyDecided (409)', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'finance-ops' }));
      await decide(world, decision('task-level-1', 'fiona.finance', 'approved'));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'olga.ops', 'approved')));

      // Assess
      expect(refused).toMatchObject({ code: 'AlreadyDecided', httpStatus: 409 });
    });

    it('refuses someone who may not decide an already decided task with 403, without naming the decider', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'cfo' }));
      await decide(world, decision('task-level-1', 'carl.cfo', 'approved'));

      // Act
      const outsider = await refusal(() => decide(world, decision('task-level-1', 'pat.practice', 'rejected')));
      const stranger = await refusal(() => decide(world, decision('task-level-1', 'mallory', 'approved')));

      // Assess
      expect(outsider).toMatchObject({ code: 'NotAuthorized', httpStatus: 403 });
      expect(stranger).toMatchObject({ code: 'NotAuthorized', httpStatus: 403 });
      expect([outsider.message, stranger.message].join(' ')).not.toContain('carl.cfo');
    });

    it('refuses a decision that loses a race to a conflicting one with AlreadyDecided (409)', async () => {
      // Prepare: Carl rejects between this call's read and its write.
      const world = taskWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'cfo' }));
      world.tasks.beforeRecordDecision = (store) => {
        store.beforeRecordDecision = undefined;
        const current = store.peek('task-level-1');
        store.seed({
          ...current,
          status: 'rejected',
          decision: {
            outcome: 'rejected',
            decidedBy: 'carl.cfo',
            comment: 'No',
            decidedAt: NOW.toISOString(),
            delivered: true,
          },
        });
      };

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'carl.cfo', 'approved')));

      // Assess
      expect(refused).toMatchObject({ code: 'AlreadyDecided', httpStatus: 409 });
      expect(world.tokens.calls).toEqual([]);
      expect(world.audit.entries).toEqual([]);
    });

    it('refuses with NoLongerWaiting (409) when the task is escalated between read and write', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      world.tasks.beforeRecordDecision = (store) => {
        store.beforeRecordDecision = undefined;
        store.seed({ ...store.peek('task-level-1'), assigneeRole: 'cfo', breaches: 2 });
      };

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'NoLongerWaiting', httpStatus: 409 });
      expect(world.tasks.peek('task-level-1').decision).toBeUndefined();
      expect(world.tokens.calls).toEqual([]);
    });
  });

  describe('closed and unknown tasks', () => {
    it('refuses a decision on an expired task with NoLongerWaiting (409)', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ status: 'expired' }));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'pat.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'NoLongerWaiting', httpStatus: 409 });
      expect(refused.message).toContain('expired');
      expect(world.tokens.calls).toEqual([]);
    });

    it('refuses an unknown task with NotFound (404)', async () => {
      // Prepare
      const world = taskWorld();

      // Act
      const refused = await refusal(() => decide(world, decision('task-missing', 'pat.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'NotFound', httpStatus: 404 });
    });

    it('refuses a comment over 2000 characters with InvalidRequest (400), and accepts 2000', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());

      // Act
      const refused = await refusal(() =>
        decide(world, decision('task-level-1', 'pat.practice', 'approved', { comment: 'x'.repeat(2001) })),
      );
      const accepted = await decide(
        world,
        decision('task-level-1', 'pat.practice', 'approved', { comment: 'x'.repeat(2000) }),
      );

      // Assess
      expect(refused).toMatchObject({ code: 'InvalidRequest', httpStatus: 400 });
      expect(accepted.task.status).toBe('approved');
    });
  });

  describe('delegation', () => {
    it('lets a delegate holding the role decide within the window, recording onBehalfOf', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);

      // Act
      const result = await decide(
        world,
        decision('task-level-1', 'priya.practice', 'approved', { comment: 'For Pat, on holiday' }),
      );

      // Assess
      expect(result.task.decision).toMatchObject({
        decidedBy: 'priya.practice',
        onBehalfOf: 'pat.practice',
        delivered: true,
      });
      expect(world.tasks.peek('task-level-1').decision).toMatchObject({
        decidedBy: 'priya.practice',
        onBehalfOf: 'pat.practice',
      });
      expect(world.tokens.calls[0]).toMatchObject({
        kind: 'succeed',
        output: { decidedBy: 'priya.practice', onBehalfOf: 'pat.practice' },
      });
      expect(world.audit.entries.at(-1)).toMatchObject({
        subjectType: 'task',
        action: 'approve',
        actor: 'priya.practice',
        why: 'For Pat, on holiday',
        details: { onBehalfOf: 'pat.practice' },
      });
    });

    it.each([
      ['before the window opens', 0.5],
      ['when the window ends (until is exclusive)', 25],
      ['after the window', 30],
    ])('refuses the delegate %s', async (_label, hours) => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ dueAt: hoursAfterNow(48).toISOString() }));
      await patDelegatesToPriya(world);
      world.clock.set(hoursAfterNow(hours));

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'priya.practice')));

      // Assess
      expect(refused).toMatchObject({ code: 'NotAuthorized', httpStatus: 403 });
      expect(world.tokens.calls).toEqual([]);
    });

    it('lets the delegate decide at the first instant of the window', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask());
      await patDelegatesToPriya(world);
      world.clock.set(hoursAfterNow(1));

      // Act
      const result = await decide(world, decision('task-level-1', 'priya.practice'));

      // Assess
      expect(result.task.decision?.onBehalfOf).toBe('pat.practice');
    });

    it("does not extend a delegation beyond the delegator's own scope", async () => {
      // Prepare: neither Pat nor Priya leads the strategy practice.
      const world = taskWorld();
      world.tasks.seed(approvalTask({ subject: { practice: 'strategy' } }));
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'priya.practice')));

      // Assess
      expect(refused.code).toBe('NotAuthorized');
    });

    it('does not let a delegation stand in for a role the task no longer waits on', async () => {
      // Prepare
      const world = taskWorld();
      world.tasks.seed(approvalTask({ assigneeRole: 'cfo', breaches: 2 }));
      await patDelegatesToPriya(world);
      world.clock.advanceHours(2);

      // Act
      const refused = await refusal(() => decide(world, decision('task-level-1', 'priya.practice')));

      // Assess
      expect(refused.code).toBe('NotAuthorized');
    });
  });
});

describe('delegateRole', () => {
  function request(overrides: Partial<DelegationRequest> = {}): DelegationRequest {
    return {
      delegator: 'pat.practice',
      delegate: 'priya.practice',
      role: 'practice-lead',
      from: hoursAfterNow(1).toISOString(),
      until: hoursAfterNow(25).toISOString(),
      ...overrides,
    };
  }

  it('stores the delegation and appends it to the audit log with actor, action and why', async () => {
    // Prepare
    const world = taskWorld();

    // Act
    const delegation = await delegateRole(request(), world.deps);

    // Assess
    expect(delegation).toEqual({
      delegationId: expect.any(String),
      delegator: 'pat.practice',
      delegate: 'priya.practice',
      role: 'practice-lead',
      from: hoursAfterNow(1).toISOString(),
      until: hoursAfterNow(25).toISOString(),
      createdAt: NOW.toISOString(),
    });
    expect(world.delegations.items).toEqual([delegation]);
    expect(world.audit.entries).toEqual([
      {
        subjectType: 'delegation',
        subjectId: delegation.delegationId,
        action: 'delegate',
        actor: 'pat.practice',
        at: NOW.toISOString(),
        why: `practice-lead decisions to priya.practice from ${delegation.from} until ${delegation.until}`,
        details: { ...delegation },
      },
    ]);
  });

  it('normalises the window to UTC ISO timestamps', async () => {
    // Prepare
    const world = taskWorld();

    // Act
    const delegation = await delegateRole(
      request({ from: '2026-11-20T09:00:00+01:00', until: '2026-11-21T09:00:00+01:00' }),
      world.deps,
    );

    // Assess
    expect(delegation).toMatchObject({ from: '2026-11-20T08:00:00.000Z', until: '2026-11-21T08:00:00.000Z' });
  });

  it('accepts a window of exactly 90 days, and one that has already begun', async () => {
    // Prepare
    const world = taskWorld();

    // Act
    const delegation = await delegateRole(
      request({ from: hoursAfterNow(-1).toISOString(), until: hoursAfterNow(90 * 24 - 1).toISOString() }),
      world.deps,
    );

    // Assess
    expect(delegation.until).toBe(hoursAfterNow(90 * 24 - 1).toISOString());
  });

  it.each([
    ['to oneself', { delegate: 'pat.practice' }, 'InvalidRequest', 'one cannot delegate to oneself'],
    [
      'a role the delegator does not hold',
      { delegator: 'sally.sales', delegate: 'pat.practice' },
      'NotAuthorized',
      'sally.sales does not hold the role practice-lead, so cannot delegate it',
    ],
    [
      'by someone not in the directory',
      { delegator: 'mallory.outsider' },
      'NotAuthorized',
      'mallory.outsider does not hold the role practice-lead, so cannot delegate it',
    ],
    [
      'to someone without the role',
      { delegate: 'carl.cfo' },
      'InvalidRequest',
      'carl.cfo does not hold the role practice-lead; delegate only to someone with the same role',
    ],
    [
      'to someone not in the directory',
      { delegate: 'mallory.outsider' },
      'InvalidRequest',
      'mallory.outsider is not in the directory',
    ],
    [
      'for more than 90 days',
      { until: hoursAfterNow(1 + 90 * 24 + 1).toISOString() },
      'InvalidRequest',
      'a delegation lasts at most 90 days',
    ],
    [
      'with until equal to from',
      { until: hoursAfterNow(1).toISOString() },
      'InvalidRequest',
      'until must be after from',
    ],
    ['with until before from', { until: hoursAfterNow(0).toISOString() }, 'InvalidRequest', 'until must be after from'],
    [
      'for a window that has ended',
      { from: hoursAfterNow(-48).toISOString(), until: hoursAfterNow(-24).toISOString() },
      'InvalidRequest',
      'the window has already ended',
    ],
    [
      'for a window that ends now',
      { from: hoursAfterNow(-48).toISOString(), until: NOW.toISOString() },
      'InvalidRequest',
      'the window has already ended',
    ],
    ['for an unknown role', { role: 'auditor' }, 'InvalidRequest', 'unknown role "auditor"'],
    [
      'with a timestamp that is not one',
      { from: 'next monday' },
      'InvalidRequest',
      'from and until must be ISO-8601 timestamps',
    ],
  ] as const)('refuses delegating %s', async (_label, overrides, code, message) => {
    // Prepare
    const world = taskWorld();

    // Act
    const refused = await refusal(() => delegateRole(request(overrides), world.deps));

    // Assess
    expect(refused).toMatchObject({ code, httpStatus: code === 'NotAuthorized' ? 403 : 400 });
    expect(refused.message).toContain(message);
    expect(world.delegations.items).toEqual([]);
    expect(world.audit.entries).toEqual([]);
  });
});

describe('openApprovalTask', () => {
  function openDeps(
    tasks: InMemoryHumanTaskStore,
    at: Date = NOW,
    audit = new InMemoryAuditLog(),
  ): OpenTaskDependencies {
    return {
      tasks,
      directory: new InMemoryDirectory(DEMO_USERS),
      policy: currentApprovalPolicy(),
      audit,
      now: () => at,
    };
  }

  describe('when nobody may decide the level now', () => {
    it('escalates a practice-lead task for managed-services in APAC at once to the CFO, and records why on the task and in the audit', async () => {
      // Prepare
      const tasks = new InMemoryHumanTaskStore();
      const audit = new InMemoryAuditLog();
      const subject = {
        title: 'Activate Kiwi Ops',
        amount: { amountMinor: 12_000_000, currency: 'EUR' },
        region: 'APAC' as const,
        practice: 'managed-services',
        reasons: [],
      };

      // Act
      const task = await openApprovalTask(
        input({
          subject,
          levels: [{ role: 'practice-lead', slaHours: 24 }],
          policy: { version: 1, ruleId: 'activation-50k-to-500k', reason: '50k EUR or more: the practice lead' },
        }),
        openDeps(tasks, NOW, audit),
      );

      // Assess
      expect(task).toMatchObject({
        assigneeRole: 'cfo',
        candidateRoles: ['practice-lead'],
        routing: ['no practice lead for managed-services in APAC; escalated at once to cfo'],
      });
      expect(tasks.peek(task.taskId).assigneeRole).toBe('cfo');
      expect(audit.entries).toEqual([
        {
          subjectType: 'task',
          subjectId: task.taskId,
          action: 'escalate',
          actor: 'approval-routing',
          at: NOW.toISOString(),
          why: 'no practice lead for managed-services in APAC; escalated at once to cfo',
          details: { fromRole: 'practice-lead', toRole: 'cfo', level: 1, executionArn: EXECUTION_ARN },
        },
      ]);
    });

    it("hands a level to the policy's fallback role at once when the rest of the chain is another level's role", async () => {
      // Prepare: no practice lead in APAC managed services, and the CFO decides level 2.
      const tasks = new InMemoryHumanTaskStore();
      const subject = {
        title: 'Activate Kiwi Ops',
        amount: { amountMinor: 60_000_000, currency: 'EUR' },
        region: 'APAC' as const,
        practice: 'managed-services',
        reasons: [],
      };
      const levels = [
        { role: 'practice-lead' as const, slaHours: 24 },
        { role: 'cfo' as const, slaHours: 48 },
      ];

      // Act
      const task = await openApprovalTask(input({ subject, levels }), openDeps(tasks));

      // Assess
      expect(currentApprovalPolicy().fallbackRole).toBe('managing-partner');
      expect(task.assigneeRole).toBe('managing-partner');
      expect(task.routing).toEqual([
        'no practice lead for managed-services in APAC; escalated at once to managing partner',
      ]);
    });

    it('escalates when separation of duties excludes every holder: the only practice lead requested the deal', async () => {
      // Prepare
      const tasks = new InMemoryHumanTaskStore();

      // Act
      const task = await openApprovalTask(
        input({ requestedBy: 'pat.practice', levels: [{ role: 'practice-lead', slaHours: 24 }] }),
        openDeps(tasks),
      );

      // Assess
      expect(task.assigneeRole).toBe('cfo');
      expect(task.routing).toEqual([
        'separation of duties excludes every practice lead for erp-advisory in EMEA (pat.practice: requested it or decided another level); escalated at once to cfo',
      ]);
    });

    it('escalates a level whose only holder decided an earlier level of the same request, skipping the role of another level', async () => {
      // Prepare
      const tasks = new InMemoryHumanTaskStore();
      tasks.seed(
        approvalTask({
          taskId: 'task-earlier',
          requestId: `${EXECUTION_ARN}#CollectActivationApprovals`,
          assigneeRole: 'finance-ops',
          status: 'approved',
          decision: {
            outcome: 'approved',
            decidedBy: 'dana.delivery',
            comment: '',
            decidedAt: NOW.toISOString(),
            delivered: true,
          },
        }),
      );
      const levels = [
        { role: 'finance-ops' as const, slaHours: 24 },
        { role: 'delivery-lead' as const, slaHours: 24 },
        { role: 'practice-lead' as const, slaHours: 24 },
      ];

      // Act
      const task = await openApprovalTask(input({ levels, levelIndex: 1 }), openDeps(tasks));

      // Assess: practice-lead is another level's role, so the chain goes on to the CFO.
      expect(task.assigneeRole).toBe('cfo');
      expect(task.routing?.[0]).toContain(
        'separation of duties excludes every delivery lead for erp-advisory in EMEA (dana.delivery',
      );
    });

    it("leaves a task that someone may decide with its level's role, without routing notes or audit", async () => {
      // Prepare
      const tasks = new InMemoryHumanTaskStore();
      const audit = new InMemoryAuditLog();

      // Act
      const task = await openApprovalTask(input(), openDeps(tasks, NOW, audit));

      // Assess
      expect(task.assigneeRole).toBe('practice-lead');
      expect(task.routing).toBeUndefined();
      expect(audit.entries).toEqual([]);
    });

    it('audits the escalation once when the request step is retried', async () => {
      // Prepare
      const tasks = new InMemoryHumanTaskStore();
      const audit = new InMemoryAuditLog();
      const apac = input({
        subject: {
          title: 'Activate Kiwi Ops',
          amount: { amountMinor: 12_000_000, currency: 'EUR' },
          region: 'APAC',
          practice: 'managed-services',
          reasons: [],
        },
      });
      await openApprovalTask(apac, openDeps(tasks, NOW, audit));

      // Act
      await openApprovalTask({ ...apac, taskToken: 'token-again' }, openDeps(tasks, NOW, audit));

      // Assess
      expect(audit.entries).toHaveLength(1);
    });
  });

  function input(overrides: Partial<OpenApprovalTaskInput> = {}): OpenApprovalTaskInput {
    return {
      taskToken: 'token-a',
      workflow: 'project-activation',
      executionArn: EXECUTION_ARN,
      step: 'CollectActivationApprovals',
      requestedBy: 'sally.sales',
      subject: {
        title: 'Activate Contoso Pharma',
        amount: { amountMinor: 30_000_000, currency: 'EUR' },
        region: 'EMEA',
        practice: 'erp-advisory',
        reasons: ['New client'],
      },
      levelIndex: 0,
      levels: [
        { role: 'practice-lead', slaHours: 24 },
        { role: 'cfo', slaHours: 48 },
      ],
      policy: {
        version: 1,
        ruleId: 'activation-emea-over-250k',
        reason: 'Over 250k EUR in EMEA: the practice lead, then the CFO',
      },
      ...overrides,
    };
  }

  it('opens an open task for the level, due after its SLA, with the policy reason first', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();

    // Act
    const task = await openApprovalTask(input({ levelIndex: 1 }), openDeps(tasks, NOW));

    // Assess
    expect(task).toEqual({
      taskId: expect.stringMatching(/^task-[0-9a-f]{24}$/),
      requestId: `${EXECUTION_ARN}#CollectActivationApprovals`,
      workflow: 'project-activation',
      executionArn: EXECUTION_ARN,
      step: 'CollectActivationApprovals',
      level: 2,
      levelCount: 2,
      subject: {
        title: 'Activate Contoso Pharma',
        amount: { amountMinor: 30_000_000, currency: 'EUR' },
        region: 'EMEA',
        practice: 'erp-advisory',
        reasons: ['Over 250k EUR in EMEA: the practice lead, then the CFO', 'New client'],
      },
      requestedBy: 'sally.sales',
      candidateRoles: ['cfo'],
      requestRoles: ['practice-lead', 'cfo'],
      assigneeRole: 'cfo',
      status: 'open',
      createdAt: NOW.toISOString(),
      dueAt: hoursAfterNow(48).toISOString(),
      slaSeconds: 48 * 3600,
      breaches: 0,
      token: 'token-a',
      policy: {
        version: 1,
        ruleId: 'activation-emea-over-250k',
        reason: 'Over 250k EUR in EMEA: the practice lead, then the CFO',
      },
    });
    expect(tasks.peek(task.taskId)).toEqual(task);
  });

  it('honours fractional SLA hours', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();

    // Act
    const task = await openApprovalTask(
      input({ levels: [{ role: 'delivery-lead', slaHours: 0.5 }] }),
      openDeps(tasks, NOW),
    );

    // Assess
    expect(task).toMatchObject({ slaSeconds: 1800, dueAt: hoursAfterNow(0.5).toISOString() });
  });

  it('derives one task id per execution, step and level', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();

    // Act
    const first = await openApprovalTask(input(), openDeps(tasks, NOW));
    const again = await openApprovalTask(input({ taskToken: 'token-b' }), openDeps(tasks, NOW));
    const otherLevel = await openApprovalTask(input({ levelIndex: 1 }), openDeps(tasks, NOW));
    const otherStep = await openApprovalTask(input({ step: 'CollectContractApprovals' }), openDeps(tasks, NOW));
    const otherExecution = await openApprovalTask(input({ executionArn: `${EXECUTION_ARN}-2` }), openDeps(tasks, NOW));

    // Assess
    expect(again.taskId).toBe(first.taskId);
    expect(new Set([first.taskId, otherLevel.taskId, otherStep.taskId, otherExecution.taskId]).size).toBe(4);
  });

  it('re-arms the same open task with the new token when the request step is retried', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();
    const first = await openApprovalTask(input({ taskToken: 'token-first' }), openDeps(tasks, NOW));

    // Act
    const retried = await openApprovalTask(input({ taskToken: 'token-retried' }), openDeps(tasks, hoursAfterNow(1)));

    // Assess
    expect(retried.taskId).toBe(first.taskId);
    expect(tasks.items.size).toBe(1);
    expect(tasks.peek(first.taskId)).toMatchObject({
      token: 'token-retried',
      status: 'open',
      dueAt: hoursAfterNow(25).toISOString(),
    });
  });

  it('refuses a level index the route does not have', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();

    // Act
    const open = openApprovalTask(input({ levelIndex: 2 }), openDeps(tasks, NOW));

    // Assess
    await expect(open).rejects.toThrow('level 2 does not exist; the policy routed 2 level(s)');
    expect(tasks.items.size).toBe(0);
  });

  it('refuses input without a task token', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();

    // Act
    const open = openApprovalTask(input({ taskToken: '' }), openDeps(tasks, NOW));

    // Assess
    await expect(open).rejects.toThrow(/taskToken/);
    expect(tasks.items.size).toBe(0);
  });
});

describe('sweepOverdueTasks', () => {
  function sweepWorld(...tasks: HumanTask[]): {
    tasks: InMemoryHumanTaskStore;
    publisher: RecordingBreachPublisher;
    audit: InMemoryAuditLog;
    deps: SweepDependencies;
  } {
    const store = new InMemoryHumanTaskStore();
    store.seed(...tasks);
    const publisher = new RecordingBreachPublisher();
    const audit = new InMemoryAuditLog();
    return {
      tasks: store,
      publisher,
      audit,
      deps: { tasks: store, policy: currentApprovalPolicy(), publisher, audit },
    };
  }

  /** A task of the given role, due at NOW, with the given breaches so far. */
  function dueTask(assigneeRole: Role, breaches: number, overrides: Partial<HumanTask> = {}): HumanTask {
    return approvalTask({ assigneeRole, breaches, dueAt: NOW.toISOString(), slaSeconds: 4 * 3600, ...overrides });
  }

  it('escalates the level-1 task of a two-level request (practice lead, then CFO, EMEA) to the fallback role on the second breach', async () => {
    // Prepare: the Northwind-like request: level 1 is the practice lead's, level 2 the CFO's.
    const levelOne = dueTask('practice-lead', 0, { requestRoles: ['practice-lead', 'cfo'] });
    const world = sweepWorld(levelOne);

    // Act: sweep as of +1 and +2 days, as the demo's Northwind run did.
    const first = await sweepOverdueTasks(hoursAfterNow(24), world.deps);
    const second = await sweepOverdueTasks(hoursAfterNow(48), world.deps);

    // Assess: reminded once, then escalated past the CFO (who decides level 2) to the policy's fallback role.
    expect(currentApprovalPolicy().fallbackRole).toBe('managing-partner');
    expect(first).toEqual([
      expect.objectContaining({
        taskId: 'task-level-1',
        breach: 1,
        action: 'reminded',
        fromRole: 'practice-lead',
        toRole: 'practice-lead',
      }),
    ]);
    expect(second).toEqual([
      expect.objectContaining({
        taskId: 'task-level-1',
        breach: 2,
        action: 'escalated',
        fromRole: 'practice-lead',
        toRole: 'managing-partner',
      }),
    ]);
    expect(world.tasks.peek('task-level-1')).toMatchObject({ assigneeRole: 'managing-partner', breaches: 2 });
    expect(world.audit.entries.map((entry) => entry.action)).toEqual(['remind', 'escalate']);
  });

  it('escalates past a role that decides another level of an opened sibling task to the fallback role', async () => {
    // Prepare: level 1 (practice lead) breached once; level 2 of the same request is already open for the CFO.
    const levelTwo = approvalTask({
      taskId: 'task-level-2',
      level: 2,
      assigneeRole: 'cfo',
      candidateRoles: ['cfo'],
      dueAt: hoursAfterNow(48).toISOString(),
      token: 'token-level-2',
    });
    const world = sweepWorld(dueTask('practice-lead', 1), levelTwo);

    // Act
    const breaches = await sweepOverdueTasks(hoursAfterNow(1), world.deps);

    // Assess: the CFO is skipped so one person is never needed twice; the fallback role takes the task.
    expect(breaches).toEqual([
      expect.objectContaining({
        taskId: 'task-level-1',
        breach: 2,
        action: 'escalated',
        fromRole: 'practice-lead',
        toRole: 'managing-partner',
      }),
    ]);
  });

  it('reminds again when even the fallback role decides another level of the request', async () => {
    // Prepare
    const world = sweepWorld(
      dueTask('practice-lead', 1, { requestRoles: ['practice-lead', 'cfo', 'managing-partner'] }),
    );

    // Act
    const breaches = await sweepOverdueTasks(hoursAfterNow(1), world.deps);

    // Assess
    expect(breaches).toEqual([
      expect.objectContaining({ breach: 2, action: 'reminded', fromRole: 'practice-lead', toRole: 'practice-lead' }),
    ]);
  });

  it('reminds the same role on the first breach and gives it another SLA period', async () => {
    // Prepare
    const world = sweepWorld(dueTask('practice-lead', 0));
    const at = hoursAfterNow(1);

    // Act
    const breaches = await sweepOverdueTasks(at, world.deps);

    // Assess
    const expected = {
      taskId: 'task-level-1',
      workflow: 'project-activation',
      executionArn: EXECUTION_ARN,
      breach: 1,
      action: 'reminded',
      fromRole: 'practice-lead',
      toRole: 'practice-lead',
      dueAt: NOW.toISOString(),
      nextDueAt: hoursAfterNow(5).toISOString(),
      overdueSeconds: 3600,
      detectedAt: at.toISOString(),
    };
    expect(breaches).toEqual([expected]);
    expect(world.publisher.batches).toEqual([[expected]]);
    expect(world.tasks.peek('task-level-1')).toMatchObject({
      assigneeRole: 'practice-lead',
      breaches: 1,
      dueAt: hoursAfterNow(5).toISOString(),
      status: 'open',
      token: 'token-level-1',
    });
    expect(world.audit.entries).toEqual([
      {
        subjectType: 'task',
        subjectId: 'task-level-1',
        action: 'remind',
        actor: 'sla-sweeper',
        at: at.toISOString(),
        why: 'SLA of 14400 s breached (1); overdue by 3600 s',
        details: { fromRole: 'practice-lead', toRole: 'practice-lead', nextDueAt: hoursAfterNow(5).toISOString() },
      },
    ]);
  });

  it('escalates the practice lead to the CFO on the second breach', async () => {
    // Prepare
    const world = sweepWorld(dueTask('practice-lead', 1));

    // Act
    const breaches = await sweepOverdueTasks(NOW, world.deps);

    // Assess
    expect(breaches).toEqual([
      expect.objectContaining({
        breach: 2,
        action: 'escalated',
        fromRole: 'practice-lead',
        toRole: 'cfo',
        overdueSeconds: 0,
      }),
    ]);
    expect(world.tasks.peek('task-level-1')).toMatchObject({
      assigneeRole: 'cfo',
      breaches: 2,
      dueAt: hoursAfterNow(4).toISOString(),
    });
    expect(world.audit.entries).toEqual([
      expect.objectContaining({
        action: 'escalate',
        actor: 'sla-sweeper',
        details: { fromRole: 'practice-lead', toRole: 'cfo', nextDueAt: hoursAfterNow(4).toISOString() },
      }),
    ]);
  });

  it('reminds the CFO again at the top of the chain', async () => {
    // Prepare
    const world = sweepWorld(dueTask('cfo', 2));

    // Act
    const breaches = await sweepOverdueTasks(NOW, world.deps);

    // Assess
    expect(breaches).toEqual([
      expect.objectContaining({ breach: 3, action: 'reminded', fromRole: 'cfo', toRole: 'cfo' }),
    ]);
    expect(world.tasks.peek('task-level-1')).toMatchObject({ assigneeRole: 'cfo', breaches: 3 });
    expect(world.audit.entries.map((entry) => entry.action)).toEqual(['remind']);
  });

  it('walks a delivery-lead task up the whole chain, one SLA period at a time', async () => {
    // Prepare
    const world = sweepWorld(dueTask('delivery-lead', 0, { candidateRoles: ['delivery-lead'] }));
    const actions: string[] = [];

    // Act
    for (let sweep = 0; sweep < 5; sweep += 1) {
      const at = hoursAfterNow(4 * sweep);
      for (const breach of await sweepOverdueTasks(at, world.deps))
        actions.push(`${breach.action} ${breach.fromRole}->${breach.toRole}`);
    }

    // Assess
    expect(actions).toEqual([
      'reminded delivery-lead->delivery-lead',
      'escalated delivery-lead->practice-lead',
      'escalated practice-lead->cfo',
      'reminded cfo->cfo',
      'reminded cfo->cfo',
    ]);
    expect(world.tasks.peek('task-level-1')).toMatchObject({
      assigneeRole: 'cfo',
      breaches: 5,
      token: 'token-level-1',
      candidateRoles: ['delivery-lead'],
    });
  });

  it('records and publishes each breach once when two sweeps race', async () => {
    // Prepare
    const world = sweepWorld(
      dueTask('practice-lead', 0),
      dueTask('delivery-lead', 1, { taskId: 'task-other', requestId: 'another-request', token: 'token-other' }),
    );

    // Act
    const [first, second] = await Promise.all([
      sweepOverdueTasks(hoursAfterNow(1), world.deps),
      sweepOverdueTasks(hoursAfterNow(1), world.deps),
    ]);

    // Assess
    expect(world.tasks.breachAttempts).toHaveLength(4);
    expect([...first, ...second].map((breach) => `${breach.taskId}:${breach.breach}`).sort()).toEqual([
      'task-level-1:1',
      'task-other:2',
    ]);
    expect(world.publisher.all).toHaveLength(2);
    expect(world.audit.entries).toHaveLength(2);
    expect(world.tasks.peek('task-level-1').breaches).toBe(1);
    expect(world.tasks.peek('task-other')).toMatchObject({ breaches: 2, assigneeRole: 'practice-lead' });
  });

  it('leaves tasks not yet due, and decided tasks, untouched and publishes nothing', async () => {
    // Prepare
    const notDue = approvalTask({ dueAt: hoursAfterNow(1).toISOString() });
    const decided = approvalTask({
      taskId: 'task-decided',
      status: 'approved',
      dueAt: hoursAfterNow(-10).toISOString(),
    });
    const world = sweepWorld(notDue, decided);

    // Act
    const breaches = await sweepOverdueTasks(NOW, world.deps);

    // Assess
    expect(breaches).toEqual([]);
    expect(world.publisher.batches).toEqual([]);
    expect(world.audit.entries).toEqual([]);
    expect(world.tasks.peek(notDue.taskId)).toEqual(notDue);
    expect(world.tasks.peek('task-decided')).toEqual(decided);
  });

  it('publishes every breach of one sweep in one batch', async () => {
    // Prepare
    const world = sweepWorld(
      dueTask('practice-lead', 0),
      dueTask('cfo', 0, { taskId: 'task-other', token: 'token-other' }),
      approvalTask({ taskId: 'task-later', dueAt: hoursAfterNow(3).toISOString() }),
    );

    // Act
    const breaches = await sweepOverdueTasks(hoursAfterNow(2), world.deps);

    // Assess
    expect(breaches.map((breach) => breach.taskId).sort()).toEqual(['task-level-1', 'task-other']);
    expect(world.publisher.batches).toHaveLength(1);
    expect(world.publisher.batches[0]).toHaveLength(2);
    expect(world.tasks.peek('task-later').breaches).toBe(0);
  });
});

describe('scopesWithoutDecider', () => {
  it('warns about every (practice, region) scope of the reference data with no decider for some level, once per gap', () => {
    // Act
    const warnings = scopesWithoutDecider(currentApprovalPolicy(), DEMO_USERS, FIRM_PRACTICES);

    // Assess
    expect(warnings.map((warning) => warning.split(':')[0])).toEqual([
      'no practice lead for managed-services in EMEA',
      'no practice lead for managed-services in AMER',
      'no practice lead for managed-services in APAC',
    ]);
    expect(warnings[2]).toContain('project-activation rule activation-50k-to-500k level 1');
    expect(warnings[2]).toMatch(/: such approvals escalate at once to the [a-z ]+ \(/);
  });

  it('says when no one along the escalation chain may decide, so the task would wait', () => {
    // Prepare: the demo people with no role at all.
    const withoutApprovers = DEMO_USERS.map((user) => ({ ...user, grants: [] }));

    // Act
    const warnings = scopesWithoutDecider(currentApprovalPolicy(), withoutApprovers, ['erp-advisory']);

    // Assess
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings)
      expect(warning).toMatch(
        /: no one along the escalation chain may decide, so such tasks wait for the directory to change \(/,
      );
  });

  it('warns about nothing when every scope has a decider at every level', () => {
    // Act
    const warnings = scopesWithoutDecider(currentApprovalPolicy(), DEMO_USERS, ['erp-advisory', 'cloud-strategy']);

    // Assess
    expect(warnings).toEqual([]);
  });

  it('names a region whose delivery lead is missing', () => {
    // Prepare
    const withoutDana = DEMO_USERS.filter((user) => user.userId !== 'dana.delivery');

    // Act
    const warnings = scopesWithoutDecider(currentApprovalPolicy(), withoutDana, ['erp-advisory']);

    // Assess
    expect(warnings).toEqual([
      expect.stringMatching(
        /^no delivery lead for erp-advisory in EMEA: .*operations-drill rule drill-over-100k level 1/,
      ),
    ]);
  });
});
