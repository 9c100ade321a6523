import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-log';
import type { ExceptionSlaBreach } from '../../shared/exceptions/sweep-overdue-exceptions';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import type { SlaBreach } from '../../shared/human-tasks/sweep-overdue-tasks';
import { runPsflow, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';
import {
  type ApiAnswer,
  type Drill,
  type DrillOptions,
  OperationsDrillDriver,
  type Refusal,
} from '../support/operations-drill-driver';

/**
 * Approvals and the exception queue, end to end: the operations drill runs in a local cloud,
 * people act through the real CLI and HTTP API, and every outcome is read back from Step
 * Functions and DynamoDB with the SDK.
 */
const LEDGER_TABLE = 'psflow-dev-drill-ledger';
const SWEEPER = 'psflow-dev-sweep-overdue-tasks';

/** Amounts in EUR cents for each band of the drill policy. */
const UNDER_1K = 50_000;
const ONE_LEVEL = 500_000;
const TWO_LEVELS = 15_000_000;

type PublicTask = Omit<HumanTask, 'token'>;
type PublicException = Omit<WorkflowException, 'token'>;

/** What one run of the SLA sweeper answers: the breaches of approval tasks, then of exceptions. */
interface SweepResult {
  readonly breaches: SlaBreach[];
  readonly exceptionBreaches: ExceptionSlaBreach[];
}

interface BulkRetryItem {
  readonly exceptionId: string;
  readonly outcome: string;
  readonly detail?: string;
  readonly nextExceptionId?: string;
}

/** The name of the state a history event entered or exited, if it is such an event. */
function stateName(event: HistoryEvent): string | undefined {
  return event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
}

describe('approvals and exceptions through the CLI and the HTTP API', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let drills: OperationsDrillDriver;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('approvals'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    sfn = new SFNClient(clientConfig(cloud.url));
    drills = new OperationsDrillDriver(cloud.url, documents, sfn);
  });

  afterAll(async () => {
    documents?.destroy();
    sfn?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);
  const api = <T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: unknown) =>
    drills.api<T>(method, route, as, body);
  const startDrill = (options: DrillOptions = {}): Promise<Drill> =>
    drills.start({ amountMinor: ONE_LEVEL, ...options });
  const taskOf = (drill: Drill, level = 1): Promise<HumanTask> => drills.taskOf(drill, level);
  const storedTask = (taskId: string): Promise<HumanTask> => drills.storedTask(taskId);
  const exceptionOf = (drill: Drill, attempt = 1): Promise<WorkflowException> => drills.exceptionOf(drill, attempt);
  const finished = (drill: Drill): Promise<DescribeExecutionCommandOutput> => drills.finished(drill);
  const historyOf = (drill: Drill): Promise<HistoryEvent[]> => drills.historyOf(drill);
  const ledgerItem = (key: string): Promise<Record<string, unknown> | undefined> => drills.ledgerItem(key);

  async function auditOf(subjectType: 'task' | 'exception', subjectId: string): Promise<AuditEntry[]> {
    const answer = await api<AuditEntry[]>('GET', `/audit/${subjectType}/${subjectId}`, 'olga.ops');
    expect(answer.status).toBe(200);
    return answer.body;
  }

  /** Runs the SLA sweeper through the Lambda Invoke API "as of" a later clock; both kinds of breach. */
  async function sweepAllAt(at: Date): Promise<SweepResult> {
    const response = await fetch(`${cloud.url}/2015-03-31/functions/${SWEEPER}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ scheduledTime: at.toISOString() }),
    });
    const text = await response.text();
    if (response.status !== 200 || response.headers.get('x-amz-function-error'))
      throw new Error(`the sweeper failed: ${response.status} ${text}`);
    return JSON.parse(text) as SweepResult;
  }

  /** The approval task breaches of a sweep "as of" a later clock. */
  async function sweepAt(at: Date): Promise<SlaBreach[]> {
    return (await sweepAllAt(at)).breaches;
  }

  /** The breaches of one exception in a sweep "as of" a later clock. */
  async function sweepExceptionAt(at: Date, exceptionId: string): Promise<ExceptionSlaBreach[]> {
    return (await sweepAllAt(at)).exceptionBreaches.filter((breach) => breach.exceptionId === exceptionId);
  }

  function secondAfter(iso: string): Date {
    return new Date(Date.parse(iso) + 1000);
  }

  function decide(
    taskId: string,
    as: string | undefined,
    decision: 'approve' | 'reject',
    extra: Record<string, unknown> = {},
  ): Promise<ApiAnswer<Refusal & { repeated?: boolean; task?: PublicTask }>> {
    return api('POST', `/tasks/${taskId}/decision`, as, {
      decision,
      comment: `${decision} by ${as ?? 'nobody'}`,
      ...extra,
    });
  }

  describe('approvals', () => {
    it('approves a waiting drill through the CLI, which then runs to the end', async () => {
      // Prepare
      const drill = await startDrill();
      const task = await taskOf(drill);
      const listed = await psflow('approvals', 'list', '--as', 'dana.delivery', '--json');

      // Act
      const approved = await psflow(
        'approvals',
        'approve',
        task.taskId,
        '--as',
        'dana.delivery',
        '--comment',
        'budget checked',
      );
      const execution = await finished(drill);
      const shown = await psflow('approvals', 'show', task.taskId, '--as', 'dana.delivery', '--json');

      // Assess
      expect((JSON.parse(listed.stdout) as PublicTask[]).find((item) => item.taskId === task.taskId)).toMatchObject({
        assigneeRole: 'delivery-lead',
        level: 1,
        levelCount: 1,
        status: 'open',
        requestedBy: 'sally.sales',
        policy: { ruleId: 'drill-1k-to-100k' },
        subject: { region: 'EMEA', amount: { amountMinor: ONE_LEVEL, currency: 'EUR' } },
      });
      expect(approved).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`approved ${task.taskId} (level 1 of 1); the workflow continues`),
      });
      expect(execution.status).toBe('SUCCEEDED');
      const names = (await historyOf(drill)).map(stateName);
      expect(names).toContain('RequestDrillApproval');
      expect(names).toContain('DrillApproved');
      expect(names.indexOf('RequestDrillApproval')).toBeLessThan(names.indexOf('DrillApproved'));
      const view = JSON.parse(shown.stdout) as PublicTask & { audit: AuditEntry[]; token?: string };
      expect(view).toMatchObject({
        status: 'approved',
        decision: { outcome: 'approved', decidedBy: 'dana.delivery', comment: 'budget checked', delivered: true },
      });
      expect(view.token).toBeUndefined();
      expect(view.audit).toEqual([
        expect.objectContaining({
          action: 'approve',
          actor: 'dana.delivery',
          why: 'budget checked',
          details: expect.objectContaining({ level: 1, role: 'delivery-lead', executionArn: drill.executionArn }),
        }),
      ]);
      expect(await ledgerItem(`budget#${drill.drillId}`)).toMatchObject({
        status: 'consumed',
        entryId: `je-${drill.drillId}`,
      });
    });

    it('ends a rejected drill at DrillRejected with psflow.ApprovalRejected', async () => {
      // Prepare
      const drill = await startDrill();
      const task = await taskOf(drill);

      // Act
      const withoutComment = await psflow('approvals', 'reject', task.taskId, '--as', 'dana.delivery');
      const rejected = await psflow(
        'approvals',
        'reject',
        task.taskId,
        '--as',
        'dana.delivery',
        '--comment',
        'no budget this quarter',
      );
      const execution = await finished(drill);

      // Assess
      expect(withoutComment).toMatchObject({ code: 1, stderr: expect.stringContaining('--comment') });
      expect(rejected).toMatchObject({ code: 0, stdout: expect.stringContaining(`rejected ${task.taskId}`) });
      expect(execution).toMatchObject({ status: 'FAILED', error: 'psflow.ApprovalRejected' });
      expect(JSON.parse(execution.cause as string)).toMatchObject({
        outcome: 'rejected',
        decidedBy: 'dana.delivery',
        comment: 'no budget this quarter',
      });
      expect((await historyOf(drill)).map(stateName)).toContain('DrillRejected');
      expect(await storedTask(task.taskId)).toMatchObject({
        status: 'rejected',
        decision: { outcome: 'rejected', decidedBy: 'dana.delivery' },
      });
      expect(await ledgerItem(`budget#${drill.drillId}`)).toBeUndefined();
    });

    it('asks the delivery lead, then the CFO, for a drill of 100k EUR or more', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: TWO_LEVELS });
      const first = await taskOf(drill, 1);

      // Act
      const level1 = await psflow('approvals', 'approve', first.taskId, '--as', 'dana.delivery');
      const second = await taskOf(drill, 2);
      const openForCarl = await api<PublicTask[]>('GET', '/tasks', 'carl.cfo');
      const level2 = await psflow(
        'approvals',
        'approve',
        second.taskId,
        '--as',
        'carl.cfo',
        '--comment',
        'within plan',
      );
      const execution = await finished(drill);

      // Assess
      expect(first).toMatchObject({
        levelCount: 2,
        assigneeRole: 'delivery-lead',
        policy: { ruleId: 'drill-over-100k' },
      });
      expect(level1.stdout).toContain('(level 1 of 2)');
      expect(second).toMatchObject({
        level: 2,
        levelCount: 2,
        assigneeRole: 'cfo',
        requestId: first.requestId,
        slaSeconds: 8 * 3600,
      });
      expect(openForCarl.body.map((task) => task.taskId)).toContain(second.taskId);
      expect(level2).toMatchObject({ code: 0, stdout: expect.stringContaining('(level 2 of 2)') });
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output as string)).toMatchObject({
        approval: {
          decisions: [
            { outcome: 'approved', decidedBy: 'dana.delivery', level: 1 },
            { outcome: 'approved', decidedBy: 'carl.cfo', level: 2 },
          ],
        },
      });
    });

    it('reminds, then escalates to the practice lead, an approval past its SLA, and the practice lead approves', async () => {
      // Prepare
      const drill = await startDrill({ practice: 'cloud-strategy' });
      const task = await taskOf(drill);

      // Act
      const firstSweep = (await sweepAt(secondAfter(task.dueAt))).filter((breach) => breach.taskId === task.taskId);
      const reminded = await storedTask(task.taskId);
      const secondSweep = (await sweepAt(secondAfter(reminded.dueAt))).filter(
        (breach) => breach.taskId === task.taskId,
      );
      const escalated = await storedTask(task.taskId);
      const openForPriya = await psflow('approvals', 'list', '--as', 'priya.practice', '--json');
      const byDana = await decide(task.taskId, 'dana.delivery', 'approve');
      const byPat = await decide(task.taskId, 'pat.practice', 'approve');
      const byPriya = await psflow(
        'approvals',
        'approve',
        task.taskId,
        '--as',
        'priya.practice',
        '--comment',
        'escalated to me',
      );
      const execution = await finished(drill);
      const audit = await auditOf('task', task.taskId);

      // Assess
      expect(firstSweep).toEqual([
        expect.objectContaining({
          breach: 1,
          action: 'reminded',
          fromRole: 'delivery-lead',
          toRole: 'delivery-lead',
          dueAt: task.dueAt,
          overdueSeconds: 1,
          executionArn: drill.executionArn,
        }),
      ]);
      expect(reminded).toMatchObject({
        status: 'open',
        assigneeRole: 'delivery-lead',
        breaches: 1,
        dueAt: firstSweep[0].nextDueAt,
        token: task.token,
      });
      expect(Date.parse(reminded.dueAt) - Date.parse(task.dueAt)).toBe(1000 + 4 * 3600 * 1000);
      expect(secondSweep).toEqual([
        expect.objectContaining({
          breach: 2,
          action: 'escalated',
          fromRole: 'delivery-lead',
          toRole: 'practice-lead',
          dueAt: reminded.dueAt,
          overdueSeconds: 1,
        }),
      ]);
      expect(escalated).toMatchObject({
        status: 'open',
        assigneeRole: 'practice-lead',
        breaches: 2,
        dueAt: secondSweep[0].nextDueAt,
        token: task.token,
      });
      expect((JSON.parse(openForPriya.stdout) as PublicTask[]).map((item) => item.taskId)).toContain(task.taskId);
      expect(byDana).toMatchObject({
        status: 403,
        body: {
          error: 'NotAuthorized',
          message: expect.stringContaining('needs the role practice-lead for practice cloud-strategy in EMEA'),
        },
      });
      expect(byPat).toMatchObject({ status: 403, body: { error: 'NotAuthorized' } });
      expect(byPriya).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved ${task.taskId}`) });
      expect(execution.status).toBe('SUCCEEDED');
      // The sweeper stamps its entries with the clock it was given, hours ahead, so they sort after the approval.
      expect(audit).toHaveLength(3);
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'remind',
            actor: 'sla-sweeper',
            why: expect.stringContaining('SLA of 14400 s breached (1); overdue by 1 s'),
            details: { fromRole: 'delivery-lead', toRole: 'delivery-lead', nextDueAt: reminded.dueAt },
          }),
          expect.objectContaining({
            action: 'escalate',
            actor: 'sla-sweeper',
            why: expect.stringContaining('breached (2)'),
            details: { fromRole: 'delivery-lead', toRole: 'practice-lead', nextDueAt: escalated.dueAt },
          }),
          expect.objectContaining({
            action: 'approve',
            actor: 'priya.practice',
            why: 'escalated to me',
            details: expect.objectContaining({ role: 'practice-lead' }),
          }),
        ]),
      );
    });
  });

  describe('refusals', () => {
    it('refuses a caller without identity, without the role, of another region, or with a forged token, and the task stays decidable', async () => {
      // Prepare
      const drill = await startDrill({ region: 'AMER' });
      const task = await taskOf(drill);

      // Act
      const anonymous = await decide(task.taskId, undefined, 'approve');
      const withoutRole = await decide(task.taskId, 'fiona.finance', 'approve');
      const otherRegion = await decide(task.taskId, 'dana.delivery', 'approve');
      const forged = await decide(task.taskId, 'dave.delivery', 'approve', {
        token: 'psflow1.forged.0000000000000000',
      });
      const otherRegionByCli = await psflow('approvals', 'approve', task.taskId, '--as', 'dana.delivery');
      const stillOpen = await storedTask(task.taskId);
      const approved = await decide(task.taskId, 'dave.delivery', 'approve');
      const execution = await finished(drill);

      // Assess
      expect(anonymous).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
      expect(withoutRole).toMatchObject({
        status: 403,
        body: {
          error: 'NotAuthorized',
          message:
            'fiona.finance may not decide this task: it needs the role delivery-lead for practice cloud-strategy in AMER',
        },
      });
      expect(otherRegion).toMatchObject({
        status: 403,
        body: {
          error: 'NotAuthorized',
          message:
            'dana.delivery may not decide this task: it needs the role delivery-lead for practice cloud-strategy in AMER',
        },
      });
      expect(forged).toMatchObject({
        status: 403,
        body: { error: 'TokenMismatch', message: expect.stringContaining('stale or forged') },
      });
      expect(otherRegionByCli.code).toBe(1);
      expect(otherRegionByCli.stderr).toContain(
        'dana.delivery may not decide this task: it needs the role delivery-lead for practice cloud-strategy in AMER (HTTP 403 NotAuthorized)',
      );
      expect(otherRegionByCli.stderr).not.toMatch(/\n\s+at /);
      expect(stillOpen).toMatchObject({ status: 'open' });
      expect(stillOpen.decision).toBeUndefined();
      expect(approved).toMatchObject({ status: 200, body: { repeated: false, task: { status: 'approved' } } });
      expect(execution.status).toBe('SUCCEEDED');
      expect((await auditOf('task', task.taskId)).map((entry) => entry.action)).toEqual(['approve']);
    });

    it('refuses the requester deciding their own request, even where the chain leaves no one else, and the CLI says why', async () => {
      // Prepare: the CFO requests a two-level drill; no one else holds cfo, so level 2 waits at the end of the chain.
      const drill = await startDrill({ amountMinor: TWO_LEVELS, requestedBy: 'carl.cfo' });
      await psflow('approvals', 'approve', (await taskOf(drill, 1)).taskId, '--as', 'dana.delivery');
      const task = await taskOf(drill, 2);

      // Act
      const ownByCli = await psflow('approvals', 'approve', task.taskId, '--as', 'carl.cfo');
      const ownByHttp = await decide(task.taskId, 'carl.cfo', 'approve');
      const stillOpen = await storedTask(task.taskId);

      // Assess
      expect(task).toMatchObject({
        assigneeRole: 'cfo',
        routing: [
          expect.stringContaining('separation of duties excludes every cfo for cloud-strategy in EMEA (carl.cfo'),
        ],
      });
      expect(task.routing?.[0]).toContain('the escalation chain ends at cfo');
      expect(ownByCli.code).toBe(1);
      expect(ownByCli.stderr).toContain(
        'carl.cfo requested this approval and cannot decide it (HTTP 403 SegregationOfDuties)',
      );
      expect(ownByHttp).toMatchObject({
        status: 403,
        body: { error: 'SegregationOfDuties', message: 'carl.cfo requested this approval and cannot decide it' },
      });
      expect(stillOpen).toMatchObject({ status: 'open' });
      expect(stillOpen.decision).toBeUndefined();
      await sfn.send(new StopExecutionCommand({ executionArn: drill.executionArn, error: 'test.Cleanup' }));
    });

    it("escalates at once a request whose requester is the only holder of the level's role, and the requester still cannot decide it", async () => {
      // Prepare: dana is the only delivery lead for EMEA, and she requests.
      const drill = await startDrill({ requestedBy: 'dana.delivery' });

      // Act
      const task = await taskOf(drill);
      const own = await decide(task.taskId, 'dana.delivery', 'approve');
      const approved = await psflow('approvals', 'approve', task.taskId, '--as', 'priya.practice');
      const execution = await finished(drill);

      // Assess
      expect(task).toMatchObject({
        candidateRoles: ['delivery-lead'],
        assigneeRole: 'practice-lead',
        routing: [
          'separation of duties excludes every delivery lead for cloud-strategy in EMEA (dana.delivery: requested it or decided another level); escalated at once to practice lead',
        ],
      });
      expect(own.status).toBe(403);
      expect(approved.code).toBe(0);
      expect(execution.status).toBe('SUCCEEDED');
      expect(await auditOf('task', task.taskId)).toEqual([
        expect.objectContaining({
          action: 'escalate',
          actor: 'approval-routing',
          details: expect.objectContaining({ fromRole: 'delivery-lead', toRole: 'practice-lead' }),
        }),
        expect.objectContaining({ action: 'approve', actor: 'priya.practice' }),
      ]);
    });

    it("escalates past the role of the next level to the policy's fallback role, so no one is needed for two levels of one request", async () => {
      // Prepare: three breaches of level 1 (delivery lead); level 2 of the same request is the CFO's.
      const drill = await startDrill({ amountMinor: TWO_LEVELS });
      const first = await taskOf(drill, 1);
      const breaches: SlaBreach[] = [];
      let dueAt = first.dueAt;
      for (let sweep = 0; sweep < 3; sweep += 1) {
        const [breach] = (await sweepAt(secondAfter(dueAt))).filter((item) => item.taskId === first.taskId);
        breaches.push(breach);
        dueAt = breach.nextDueAt;
      }

      // Act: the managing partner decides level 1, the CFO level 2.
      const level1 = await decide(first.taskId, 'mia.managing', 'approve');
      const second = await taskOf(drill, 2);
      const level2 = await decide(second.taskId, 'carl.cfo', 'approve');

      // Assess: the chain would lead on to the CFO, who decides level 2, so the task goes to the fallback role.
      expect(breaches.map((breach) => [breach.action, breach.toRole])).toEqual([
        ['reminded', 'delivery-lead'],
        ['escalated', 'practice-lead'],
        ['escalated', 'managing-partner'],
      ]);
      expect(level1).toMatchObject({
        status: 200,
        body: { task: { level: 1, status: 'approved', decision: { decidedBy: 'mia.managing' } } },
      });
      expect(level2).toMatchObject({
        status: 200,
        body: { task: { level: 2, status: 'approved', decision: { decidedBy: 'carl.cfo' } } },
      });
      await eventually(
        async () =>
          (await sfn.send(new DescribeExecutionCommand({ executionArn: drill.executionArn }))).status === 'SUCCEEDED'
            ? true
            : undefined,
        20_000,
        'the drill to succeed',
      );
    });

    it('answers a repeated approval as repeated, continues the workflow once, and refuses a conflicting decision', async () => {
      // Prepare: dave may decide EMEA tasks for dana, so he is a second eligible approver.
      const drill = await startDrill();
      const task = await taskOf(drill);
      const delegation = await api('POST', '/delegations', 'dana.delivery', {
        delegate: 'dave.delivery',
        role: 'delivery-lead',
        from: new Date().toISOString(),
        until: new Date(Date.now() + 3600_000).toISOString(),
      });

      // Act
      const once = await decide(task.taskId, 'dana.delivery', 'approve');
      const twice = await decide(task.taskId, 'dana.delivery', 'approve');
      const thriceByCli = await psflow('approvals', 'approve', task.taskId, '--as', 'dana.delivery');
      const conflicting = await decide(task.taskId, 'dave.delivery', 'reject');
      const execution = await finished(drill);
      const history = await historyOf(drill);

      // Assess
      expect(delegation.status).toBe(200);
      expect(once).toMatchObject({ status: 200, body: { repeated: false, task: { status: 'approved' } } });
      expect(twice).toMatchObject({
        status: 200,
        body: {
          repeated: true,
          task: { status: 'approved', decision: { decidedBy: 'dana.delivery', delivered: true } },
        },
      });
      expect(thriceByCli).toMatchObject({
        code: 0,
        stdout: expect.stringContaining(`${task.taskId} was already approved by you; nothing changed`),
      });
      expect(conflicting).toMatchObject({
        status: 409,
        body: {
          error: 'AlreadyDecided',
          message: expect.stringContaining(`task ${task.taskId} was already approved by dana.delivery`),
        },
      });
      expect(execution.status).toBe('SUCCEEDED');
      expect(
        history.filter((event) => event.type === 'TaskStateExited' && stateName(event) === 'RequestDrillApproval'),
      ).toHaveLength(1);
      expect(
        history.filter((event) => event.type === 'TaskStateEntered' && stateName(event) === 'PostDrillEntry'),
      ).toHaveLength(1);
      expect((await auditOf('task', task.taskId)).map((entry) => entry.action)).toEqual(['approve']);
    });
  });

  describe('exceptions', () => {
    // Started ahead of its test: the automatic retries back off for seconds, while the tests before it run.
    let transientDrill: Promise<Drill>;

    beforeAll(() => {
      transientDrill = startDrill({ amountMinor: UNDER_1K, failWith: 'transient' });
    });

    it('files a permanent failure for finance-ops, refuses a patch that breaks the input, and retries with a valid one', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' });
      const filed = await exceptionOf(drill);
      const listed = await psflow('exceptions', 'list', '--owner', 'finance-ops', '--as', 'fiona.finance', '--json');

      // Act
      const broken = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/retry`, 'fiona.finance', {
        patch: [{ op: 'replace', path: '/failWith', value: 'sometimes' }],
      });
      const brokenByCli = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--patch',
        '[{"op":"remove","path":"/drillId"}]',
        '--as',
        'fiona.finance',
      );
      const afterRefusals = await api<PublicException>('GET', `/exceptions/${filed.exceptionId}`, 'fiona.finance');
      const retried = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--patch',
        '[{"op":"replace","path":"/failWith","value":"none"}]',
        '--note',
        'cost centre reopened',
        '--as',
        'fiona.finance',
      );
      const execution = await finished(drill);
      const outcome = await api<BulkRetryItem>('GET', `/exceptions/${filed.exceptionId}/outcome`, 'fiona.finance');

      // Assess
      expect(filed).toMatchObject({
        workflow: 'operations-drill',
        step: 'PostDrillEntry',
        attempt: 1,
        ownerRole: 'finance-ops',
        errorClass: 'finance',
        reasonCode: 'PermanentConnectorError',
        status: 'open',
        message: `erp.postJournalEntry: cost centre for drill ${drill.drillId} is closed; the ERP refused the entry`,
        stepInput: {
          drillId: drill.drillId,
          amount: { amountMinor: UNDER_1K, currency: 'EUR' },
          failWith: 'permanent',
        },
      });
      expect((JSON.parse(listed.stdout) as PublicException[]).map((item) => item.exceptionId)).toContain(
        filed.exceptionId,
      );
      expect(broken).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidRequest',
          message: expect.stringContaining('the corrected input does not fit PostDrillEntry: /failWith'),
        },
      });
      expect(brokenByCli).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('the corrected input does not fit PostDrillEntry: /drillId'),
      });
      expect(afterRefusals).toMatchObject({ status: 200, body: { status: 'open' } });
      expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining('retrying PostDrillEntry') });
      expect(execution.status).toBe('SUCCEEDED');
      expect(outcome.body).toEqual({ exceptionId: filed.exceptionId, outcome: 'succeeded' });
      expect(await ledgerItem(`budget#${drill.drillId}`)).toMatchObject({
        status: 'consumed',
        entryId: `je-${drill.drillId}`,
      });
      const stepInputs = (await historyOf(drill))
        .filter((event) => event.type === 'TaskStateEntered' && stateName(event) === 'PostDrillEntry')
        .map(
          (event) =>
            JSON.parse(event.stateEnteredEventDetails?.input as string) as { entryInput: { failWith: string } },
        );
      expect(stepInputs.map((input) => input.entryInput.failWith)).toEqual(['permanent', 'none']);
      expect(await auditOf('exception', filed.exceptionId)).toEqual([
        expect.objectContaining({
          action: 'retry',
          actor: 'fiona.finance',
          why: 'cost centre reopened',
          details: expect.objectContaining({ patch: [{ op: 'replace', path: '/failWith', value: 'none' }] }),
        }),
      ]);
    });

    it('retries with a patch through the API, and the step posts with the patched input', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' });
      const filed = await exceptionOf(drill);

      // Act
      const retried = await api('POST', `/exceptions/${filed.exceptionId}/retry`, 'fiona.finance', {
        patch: [{ op: 'replace', path: '/failWith', value: 'none' }],
        note: 'posting by hand',
      });
      const execution = await finished(drill);

      // Assess
      expect(retried.status).toBe(200);
      expect(execution.status).toBe('SUCCEEDED');
      // The fault was never cleared: only the patched failWith lets the ERP post the entry.
      expect(await ledgerItem(`entry#${drill.drillId}`)).toMatchObject({
        entryId: `je-${drill.drillId}`,
        amount: { amountMinor: UNDER_1K, currency: 'EUR' },
      });
    });

    it('skips a failed step with evidence, and the supplied output reaches the later states', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' });
      const filed = await exceptionOf(drill);
      const postedAt = new Date().toISOString();

      // Act
      const malformed = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/skip`, 'fiona.finance', {
        output: { entryId: '' },
        note: 'booked by hand',
        reference: 'JE-manual-1',
      });
      const skipped = await psflow(
        'exceptions',
        'skip',
        filed.exceptionId,
        '--output',
        JSON.stringify({ entryId: 'manual-1', postedAt }),
        '--note',
        'booked by hand in the ERP',
        '--reference',
        'JE-manual-1',
        '--as',
        'fiona.finance',
      );
      const execution = await finished(drill);

      // Assess
      expect(malformed).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidRequest',
          message: expect.stringContaining('the supplied output does not fit PostDrillEntry'),
        },
      });
      expect(skipped).toMatchObject({ code: 0, stdout: expect.stringContaining('skipped PostDrillEntry') });
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output as string)).toMatchObject({ entry: { entryId: 'manual-1', postedAt } });
      expect(await ledgerItem(`budget#${drill.drillId}`)).toMatchObject({ status: 'consumed', entryId: 'manual-1' });
      expect(await ledgerItem(`entry#${drill.drillId}`)).toBeUndefined();
      expect((await historyOf(drill)).map(stateName)).toContain('UsePostDrillEntrySuppliedOutput');
      expect(await api<PublicException>('GET', `/exceptions/${filed.exceptionId}`, 'fiona.finance')).toMatchObject({
        body: {
          status: 'skipped',
          resolution: {
            action: 'skip',
            by: 'fiona.finance',
            note: 'booked by hand in the ERP',
            reference: 'JE-manual-1',
          },
        },
      });
      expect(await auditOf('exception', filed.exceptionId)).toEqual([
        expect.objectContaining({
          action: 'skip',
          actor: 'fiona.finance',
          details: expect.objectContaining({ reference: 'JE-manual-1' }),
        }),
      ]);
    });

    it('lets only the owner role abort, and an abort releases the budget and fails the drill with psflow.Aborted', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' });
      const filed = await exceptionOf(drill);

      // Act
      const notOwner = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/abort`, 'dana.delivery', {
        note: 'not mine to abort',
      });
      const notOwnerByCli = await psflow(
        'exceptions',
        'abort',
        filed.exceptionId,
        '--note',
        'not mine',
        '--as',
        'dana.delivery',
      );
      const aborted = await psflow(
        'exceptions',
        'abort',
        filed.exceptionId,
        '--note',
        'drill cancelled',
        '--as',
        'fiona.finance',
      );
      const execution = await finished(drill);
      const again = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/retry`, 'olga.ops', {});

      // Assess
      expect(notOwner).toMatchObject({
        status: 403,
        body: {
          error: 'NotAuthorized',
          message: 'dana.delivery may not act on this exception: it belongs to finance-ops',
        },
      });
      expect(notOwnerByCli).toMatchObject({ code: 1, stderr: expect.stringContaining('(HTTP 403 NotAuthorized)') });
      expect(aborted).toMatchObject({ code: 0, stdout: expect.stringContaining(`aborted ${drill.executionArn}`) });
      expect(execution).toMatchObject({ status: 'FAILED', error: 'psflow.Aborted' });
      const names = (await historyOf(drill)).map(stateName);
      expect(names).toContain('ReleaseDrillBudget');
      expect(names).toContain('DrillAborted');
      expect(names).not.toContain('ConsumeDrillBudget');
      expect(await ledgerItem(`budget#${drill.drillId}`)).toMatchObject({ status: 'released' });
      expect(again).toMatchObject({
        status: 409,
        body: { error: 'AlreadyDecided', message: expect.stringContaining('(abort by fiona.finance') },
      });
    });

    it('retries a transient failure automatically three times, then files it for integration-ops', async () => {
      // Prepare
      const drill = await transientDrill;

      // Act
      const filed = await exceptionOf(drill);
      const listed = await psflow(
        'exceptions',
        'list',
        '--owner',
        'integration-ops',
        '--as',
        'ian.integration',
        '--json',
      );
      const history = await historyOf(drill);

      // Assess
      expect(filed).toMatchObject({
        ownerRole: 'integration-ops',
        errorClass: 'integration',
        reasonCode: 'RetryableConnectorError',
        message: 'erp.postJournalEntry: the ERP answered 503 Service Unavailable',
        attempt: 1,
      });
      expect((JSON.parse(listed.stdout) as PublicException[]).map((item) => item.exceptionId)).toContain(
        filed.exceptionId,
      );
      const entered = history.findIndex(
        (event) => event.type === 'TaskStateEntered' && stateName(event) === 'PostDrillEntry',
      );
      const filing = history.findIndex(
        (event) => event.type === 'TaskStateEntered' && stateName(event) === 'FilePostDrillEntryException',
      );
      const attempts = history.slice(entered, filing);
      expect(entered).toBeGreaterThan(-1);
      expect(filing).toBeGreaterThan(entered);
      // One attempt and three retries, each a failed invocation of the function.
      expect(attempts.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(4);
      expect(
        attempts
          .filter((event) => event.type === 'LambdaFunctionFailed')
          .map((event) => event.lambdaFunctionFailedEventDetails?.error),
      ).toEqual(Array(4).fill('RetryableConnectorError'));
    });

    it('bulk-retries exceptions and reports each real outcome: succeeded where the fault was cleared, failed again elsewhere', async () => {
      // Prepare
      const clientId = `bulk-${randomUUID()}`;
      const drills = await Promise.all(
        [1, 2, 3, 4].map(() => startDrill({ amountMinor: UNDER_1K, failWith: 'permanent', clientId })),
      );
      const filed = await Promise.all(drills.map((drill) => exceptionOf(drill)));
      const cleared = drills.slice(0, 2);
      const stillBroken = drills.slice(2);
      await Promise.all(
        cleared.map((drill) =>
          documents.send(
            new PutCommand({
              TableName: LEDGER_TABLE,
              Item: { ledgerKey: `fault-cleared#${drill.drillId}`, clearedBy: 'test' },
            }),
          ),
        ),
      );

      // Act
      const bulk = await psflow(
        'exceptions',
        'bulk-retry',
        '--workflow',
        'operations-drill',
        '--client',
        clientId,
        '--as',
        'fiona.finance',
        '--json',
        '--wait',
        '30',
      );
      const report = JSON.parse(bulk.stdout) as BulkRetryItem[];
      const clearedExecutions = await Promise.all(cleared.map((drill) => finished(drill)));
      const openAfter = JSON.parse(
        (await psflow('exceptions', 'list', '--client', clientId, '--as', 'fiona.finance', '--json')).stdout,
      ) as PublicException[];

      // Assess
      expect(bulk.code).toBe(0);
      expect(report.map((item) => item.exceptionId).sort()).toEqual(filed.map((item) => item.exceptionId).sort());
      const outcomeOf = (drill: Drill): BulkRetryItem | undefined =>
        report.find((item) => item.exceptionId === filed[drills.indexOf(drill)].exceptionId);
      for (const drill of cleared)
        expect(outcomeOf(drill)).toEqual({
          exceptionId: filed[drills.indexOf(drill)].exceptionId,
          outcome: 'succeeded',
        });
      expect(clearedExecutions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      for (const drill of stillBroken) {
        const retry = await exceptionOf(drill, 2);
        expect(outcomeOf(drill)).toEqual({
          exceptionId: filed[drills.indexOf(drill)].exceptionId,
          outcome: 'failed-again',
          nextExceptionId: retry.exceptionId,
          detail: `PermanentConnectorError: erp.postJournalEntry: cost centre for drill ${drill.drillId} is closed; the ERP refused the entry`,
        });
        expect(retry).toMatchObject({ status: 'open', attempt: 2, ownerRole: 'finance-ops' });
        expect((await sfn.send(new DescribeExecutionCommand({ executionArn: drill.executionArn }))).status).toBe(
          'RUNNING',
        );
      }
      expect(openAfter.map((item) => item.exceptionId).sort()).toEqual(
        (await Promise.all(stillBroken.map((drill) => exceptionOf(drill, 2)))).map((item) => item.exceptionId).sort(),
      );
    });

    it('answers a bulk retry that matches nothing with an empty JSON list', async () => {
      // Act
      const bulk = await psflow(
        'exceptions',
        'bulk-retry',
        '--workflow',
        'operations-drill',
        '--client',
        `nobody-${randomUUID()}`,
        '--as',
        'fiona.finance',
        '--json',
      );

      // Assess
      expect(bulk.code).toBe(0);
      expect(bulk.stdout.trim()).not.toBe('');
      expect(JSON.parse(bulk.stdout)).toEqual([]);
    });

    it('never reports a retry that failed again as succeeded, however soon after the retry its outcome is read', async () => {
      // Prepare
      const drills = await Promise.all(
        [1, 2, 3].map(() => startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' })),
      );
      const filed = await Promise.all(drills.map((drill) => exceptionOf(drill)));

      // Act: read each outcome as often as the API answers, from the retry until it settles.
      const firstSettled = await Promise.all(
        filed.map(async (exception) => {
          const retried = await api('POST', `/exceptions/${exception.exceptionId}/retry`, 'fiona.finance', {
            note: 'fault not fixed yet',
          });
          expect(retried.status).toBe(200);
          const deadline = Date.now() + 20_000;
          while (Date.now() < deadline) {
            const { body } = await api<BulkRetryItem>(
              'GET',
              `/exceptions/${exception.exceptionId}/outcome`,
              'fiona.finance',
            );
            if (body.outcome !== 'running') return body.outcome;
          }
          return 'no outcome within 20 s';
        }),
      );

      // Assess
      expect(firstSettled).toEqual(['failed-again', 'failed-again', 'failed-again']);
    });
  });

  // Last in the file on purpose: these sweeps run one to three days ahead, so they also remind and
  // escalate every exception the tests above left open; none of those tests looks at them again.
  describe('exception SLA', () => {
    it('reminds finance-ops of an overdue exception, then hands it to the CFO, who alone may retry it, and reminds the CFO at the top of the chain', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: UNDER_1K, failWith: 'permanent' });
      const filed = await exceptionOf(drill);
      const show = async (as: string): Promise<PublicException> => {
        const answer = await api<PublicException>('GET', `/exceptions/${filed.exceptionId}`, as);
        expect(answer.status).toBe(200);
        return answer.body;
      };

      // Act
      const firstAt = secondAfter(filed.dueAt);
      const firstSweep = await sweepExceptionAt(firstAt, filed.exceptionId);
      const reminded = await show('fiona.finance');
      const secondSweep = await sweepExceptionAt(secondAfter(reminded.dueAt), filed.exceptionId);
      const escalated = await show('carl.cfo');
      const openForCfo = await psflow('exceptions', 'list', '--owner', 'cfo', '--as', 'carl.cfo', '--json');
      const openForFinance = await psflow(
        'exceptions',
        'list',
        '--owner',
        'finance-ops',
        '--as',
        'fiona.finance',
        '--json',
      );
      const thirdSweep = await sweepExceptionAt(secondAfter(escalated.dueAt), filed.exceptionId);
      const atTop = await show('carl.cfo');
      const byFiona = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/retry`, 'fiona.finance', {
        patch: [{ op: 'replace', path: '/failWith', value: 'none' }],
      });
      const byOlgaByCli = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--note',
        'still mine?',
        '--as',
        'olga.ops',
      );
      const stillOpen = await show('carl.cfo');
      const byCarl = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--patch',
        '[{"op":"replace","path":"/failWith","value":"none"}]',
        '--note',
        'escalated to me',
        '--as',
        'carl.cfo',
      );
      const execution = await finished(drill);
      const audit = await auditOf('exception', filed.exceptionId);

      // Assess: the first breach reminds the owner and gives it another day from the sweep.
      expect(filed).toMatchObject({ ownerRole: 'finance-ops', status: 'open', slaSeconds: 24 * 3600 });
      expect(filed.breaches).toBeUndefined();
      expect(firstSweep).toEqual([
        {
          exceptionId: filed.exceptionId,
          workflow: 'operations-drill',
          executionArn: drill.executionArn,
          step: 'PostDrillEntry',
          breach: 1,
          action: 'reminded',
          fromRole: 'finance-ops',
          toRole: 'finance-ops',
          dueAt: filed.dueAt,
          nextDueAt: new Date(firstAt.getTime() + 24 * 3600 * 1000).toISOString(),
          overdueSeconds: 1,
          detectedAt: firstAt.toISOString(),
        },
      ]);
      expect(reminded).toMatchObject({
        status: 'open',
        ownerRole: 'finance-ops',
        breaches: 1,
        dueAt: firstSweep[0].nextDueAt,
        createdAt: filed.createdAt,
      });
      expect(Date.parse(reminded.dueAt) - Date.parse(filed.dueAt)).toBe(1000 + 24 * 3600 * 1000);
      // The second hands it up the chain: finance-ops to the CFO.
      expect(secondSweep).toEqual([
        expect.objectContaining({
          breach: 2,
          action: 'escalated',
          fromRole: 'finance-ops',
          toRole: 'cfo',
          dueAt: reminded.dueAt,
          overdueSeconds: 1,
        }),
      ]);
      expect(escalated).toMatchObject({
        status: 'open',
        ownerRole: 'cfo',
        breaches: 2,
        dueAt: secondSweep[0].nextDueAt,
      });
      expect(openForCfo.code).toBe(0);
      expect((JSON.parse(openForCfo.stdout) as PublicException[]).map((item) => item.exceptionId)).toContain(
        filed.exceptionId,
      );
      expect(openForFinance.code).toBe(0);
      expect((JSON.parse(openForFinance.stdout) as PublicException[]).map((item) => item.exceptionId)).not.toContain(
        filed.exceptionId,
      );
      // The CFO has no one above: reminded again.
      expect(thirdSweep).toEqual([
        expect.objectContaining({
          breach: 3,
          action: 'reminded',
          fromRole: 'cfo',
          toRole: 'cfo',
          dueAt: escalated.dueAt,
          overdueSeconds: 1,
        }),
      ]);
      expect(atTop).toMatchObject({ status: 'open', ownerRole: 'cfo', breaches: 3, dueAt: thirdSweep[0].nextDueAt });
      // Only the new owner may act now.
      expect(byFiona).toMatchObject({
        status: 403,
        body: { error: 'NotAuthorized', message: 'fiona.finance may not act on this exception: it belongs to cfo' },
      });
      expect(byOlgaByCli).toMatchObject({
        code: 1,
        stderr: expect.stringContaining(
          'olga.ops may not act on this exception: it belongs to cfo (HTTP 403 NotAuthorized)',
        ),
      });
      expect(stillOpen).toMatchObject({ status: 'open', ownerRole: 'cfo' });
      expect(stillOpen.resolution).toBeUndefined();
      expect(byCarl).toMatchObject({ code: 0, stdout: expect.stringContaining('retrying PostDrillEntry') });
      expect(execution.status).toBe('SUCCEEDED');
      expect(await ledgerItem(`budget#${drill.drillId}`)).toMatchObject({
        status: 'consumed',
        entryId: `je-${drill.drillId}`,
      });
      expect(await show('carl.cfo')).toMatchObject({
        status: 'retrying',
        ownerRole: 'cfo',
        resolution: { action: 'retry', by: 'carl.cfo', note: 'escalated to me' },
      });
      // The sweeper stamps its entries with the clock it was given, days ahead, so they sort after the retry.
      const sweeperDetails = (breach: ExceptionSlaBreach): Record<string, unknown> => ({
        fromRole: breach.fromRole,
        toRole: breach.toRole,
        nextDueAt: breach.nextDueAt,
        step: 'PostDrillEntry',
      });
      expect(audit).toEqual([
        expect.objectContaining({
          subjectType: 'exception',
          subjectId: filed.exceptionId,
          action: 'retry',
          actor: 'carl.cfo',
          why: 'escalated to me',
        }),
        expect.objectContaining({
          subjectType: 'exception',
          action: 'remind',
          actor: 'sla-sweeper',
          at: firstAt.toISOString(),
          why: 'SLA of 86400 s breached (1); overdue by 1 s',
          details: sweeperDetails(firstSweep[0]),
        }),
        expect.objectContaining({
          subjectType: 'exception',
          action: 'escalate',
          actor: 'sla-sweeper',
          why: 'SLA of 86400 s breached (2); overdue by 1 s',
          details: sweeperDetails(secondSweep[0]),
        }),
        expect.objectContaining({
          subjectType: 'exception',
          action: 'remind',
          actor: 'sla-sweeper',
          why: 'SLA of 86400 s breached (3); overdue by 1 s',
          details: sweeperDetails(thirdSweep[0]),
        }),
      ]);
    });
  });
});
