import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProjectReadinessRecord } from '../../shared/billing/readiness-store';
import { cycleExecutionName, projectExecutionName } from '../../shared/billing/billing-steps';
import { invoiceIdempotencyKey } from '../../shared/connectors/erp/erp-invoices';
import { SandboxBillingStore } from '../../shared/connectors/sandbox/sandbox-billing-store';
import { SandboxErpInvoices } from '../../shared/connectors/sandbox/sandbox-erp-invoices';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { PsaDetailType, PsflowSource } from '../../shared/events/catalogue';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import { BillingReadinessTable } from '../../shared/repositories/billing-readiness-table';
import { BillingTasksTable } from '../../shared/repositories/billing-tasks-table';
import type { BillingTaskSlaBreach } from '../../shared/billing/billing-tasks';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';
import { runPsflow } from '../support/psflow-cli';

/**
 * Billing readiness end to end in a local cloud, on the demo cycle (EMEA, 2026-11): the
 * cycle fans out one check per project, ready projects are drafted in the sandbox ERP, a fix
 * event rechecks and drafts exactly once, an ERP outage lands with finance and an abort voids
 * the draft, and a rerun with a cut-off drafts nothing twice and carries the blocked projects.
 */

const EXAMPLE = path.resolve(__dirname, '..', '..', 'samples', 'sandbox', 'billing.example.json');
const PROJECT_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-billing-readiness-project';
const CYCLE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-billing-readiness';
const PERIOD = '2026-11';
const SWEEPER = 'psflow-dev-sweep-overdue-tasks';
const KNOWN_PROJECTS = 11;
const FIRST_READY = ['P-ACME-TM', 'P-BETA-FF', 'P-GAMMA-RET'];

describe('the billing readiness workflow', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let events: EventBridgeClient;
  let readiness: BillingReadinessTable;
  let erp: SandboxErpInvoices;
  let sandbox: SandboxBillingStore;
  let tasks: BillingTasksTable;

  const cli = async (...args: string[]) => {
    const result = await runPsflow(cloud.url, args);
    if (result.code !== 0) throw new Error(`psflow ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const statusOf = async (): Promise<Map<string, ProjectReadinessRecord>> => {
    const { records } = await readiness.list('EMEA', PERIOD, 100);
    return new Map(records.map((record) => [record.projectId, record]));
  };
  const executionStatus = async (arn: string): Promise<string | undefined> =>
    (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status;
  const fix = (projectId: string, recordId: string, detailType: string = PsaDetailType.TimeEntryApproved) =>
    events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'psflow-dev',
            Source: PsflowSource.Psa,
            DetailType: detailType,
            Detail: JSON.stringify({ projectId, period: PERIOD, recordId, at: new Date().toISOString() }),
          },
        ],
      }),
    );
  /** Runs the SLA sweeper through the Lambda Invoke API "as of" a clock; its billing task breaches. */
  const sweepAt = async (at: Date): Promise<BillingTaskSlaBreach[]> => {
    const response = await fetch(`${cloud.url}/2015-03-31/functions/${SWEEPER}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ scheduledTime: at.toISOString() }),
    });
    const text = await response.text();
    if (response.status !== 200 || response.headers.get('x-amz-function-error'))
      throw new Error(`the sweeper failed: ${response.status} ${text}`);
    return (JSON.parse(text) as { billingTaskBreaches: BillingTaskSlaBreach[] }).billingTaskBreaches;
  };
  const invoices = async (): Promise<string[]> => {
    const found = await Promise.all(
      [...FIRST_READY, 'P-ECHO-APPR', 'P-DELTA-TIME', 'P-FOXT-RATE'].map(async (projectId) => {
        const draft = await erp.findInvoiceDraft(invoiceIdempotencyKey(projectId, PERIOD));
        return draft ? [`${projectId}:${draft.status}`] : [];
      }),
    );
    return found.flat().sort();
  };

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('billing-readiness'));
    const config = clientConfig(cloud.url);
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(config), {
      marshallOptions: { removeUndefinedValues: true },
    });
    sfn = new SFNClient(config);
    events = new EventBridgeClient(config);
    readiness = new BillingReadinessTable(documents, 'psflow-dev-billing-readiness');
    erp = new SandboxErpInvoices(new SandboxRecordStore(documents, 'psflow-dev-sandbox-records'));
    sandbox = new SandboxBillingStore(documents, 'psflow-dev-sandbox-billing');
    tasks = new BillingTasksTable(documents, 'psflow-dev-billing-readiness');
    await cli('sandbox', 'load', EXAMPLE);
  }, 240_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  it('checks every active project once, drafts the ready ones and explains the blocked ones', async () => {
    // Act
    await cli(
      'billing',
      'run',
      '--region',
      'EMEA',
      '--period',
      PERIOD,
      '--cut-off',
      new Date(Date.now() + 6 * 3_600_000).toISOString(),
    );
    const statuses = await eventually(
      async () => {
        const found = await statusOf();
        const settled = [...found.values()].filter((record) => record.checks > 0);
        const drafted = settled.filter((record) => record.status === 'drafted');
        return settled.length === KNOWN_PROJECTS && drafted.length === FIRST_READY.length ? found : undefined;
      },
      120_000,
      'every project checked and the ready ones drafted',
    );

    // Assess
    expect(
      [...statuses.values()]
        .filter((record) => record.status === 'drafted')
        .map((record) => record.projectId)
        .sort(),
    ).toEqual(FIRST_READY);
    expect(await invoices()).toEqual(FIRST_READY.map((projectId) => `${projectId}:draft`));
    const acme = await erp.findInvoiceDraft(invoiceIdempotencyKey('P-ACME-TM', PERIOD));
    // 19 working days (2 on leave) x 8 h x 120 EUR + 245.80 travel; 19% VAT.
    expect(acme).toMatchObject({ subtotalMinor: 19 * 8 * 12_000 + 24_580, taxMinor: 351_230, currency: 'EUR' });
    const echo = statuses.get('P-ECHO-APPR');
    expect(echo?.status).toBe('blocked');
    expect(echo?.findings.map((finding) => [finding.code, finding.owner, finding.ownerId])).toEqual(
      expect.arrayContaining([
        ['time-not-approved', 'project-manager', 'pm.paula'],
        ['expense-not-approved', 'project-manager', 'pm.paula'],
      ]),
    );
    const status = await cli('billing', 'status', '--region', 'EMEA', '--period', PERIOD, '--project', 'P-JULI-BAD');
    for (const code of ['negative-hours', 'too-many-hours-in-day', 'time-outside-assignment', 'duplicate-time-entry'])
      expect(status).toContain(code);
    expect(status).toContain('T-JULI-jo-neg');
    // Every blocking finding is a task for its owner, due before the cut-off; drafted projects have none.
    const echoTasks = await tasks.tasksOf('EMEA', PERIOD, 'P-ECHO-APPR');
    expect(echoTasks.map((task) => [task.code, task.ownerId, task.status]).sort()).toEqual([
      ['expense-not-approved', 'pm.paula', 'open'],
      ['time-not-approved', 'pm.paula', 'open'],
    ]);
    const cutOffAt = Date.parse((await readiness.getCycle('EMEA', PERIOD))?.cutOffAt ?? '');
    for (const task of echoTasks) expect(Date.parse(task.dueAt)).toBeLessThan(cutOffAt);
    const delta = statuses.get('P-DELTA-TIME');
    expect((await tasks.tasksOf('EMEA', PERIOD, 'P-DELTA-TIME')).map((task) => task.owner)).toEqual(
      expect.arrayContaining([...new Set(delta?.findings.filter((each) => each.blocks).map((each) => each.owner))]),
    );
    expect(await tasks.tasksOf('EMEA', PERIOD, 'P-ACME-TM')).toEqual([]);
    // The manager's approvals were due 12 h before a cut-off 6 h away: the sweeper reminds at once.
    const breaches = await sweepAt(new Date(Date.now() + 60_000));
    expect(
      breaches
        .filter((breach) => breach.projectId === 'P-ECHO-APPR')
        .map((breach) => [breach.code, breach.ownerId, breach.action])
        .sort(),
    ).toEqual([
      ['expense-not-approved', 'pm.paula', 'reminded'],
      ['time-not-approved', 'pm.paula', 'reminded'],
    ]);
  }, 180_000);

  it('rechecks a project when its fix arrives, and drafts it exactly once however often the fix is delivered', async () => {
    // Prepare: the project manager approves Echo's time and expense in the PSA.
    const { records } = await readFixture('P-ECHO-APPR');
    await sandbox.putRecords({
      timeEntries: records.timeEntries.map((entry) => ({ ...entry, status: 'approved' as const })),
      expenses: records.expenses.map((expense) => ({ ...expense, status: 'approved' as const })),
    });

    // Act
    await fix('P-ECHO-APPR', 'T-ECHO-erin-2026-11-02');
    await fix('P-ECHO-APPR', 'E-ECHO-1', PsaDetailType.ExpenseApproved);
    const echo = await eventually(
      async () => {
        const record = (await statusOf()).get('P-ECHO-APPR');
        return record?.status === 'drafted' ? record : undefined;
      },
      90_000,
      'Echo drafted after its fix',
    );
    // Both rechecks ran; the second found it drafted or drafted the same invoice.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    // Assess
    expect(echo.checks).toBeGreaterThanOrEqual(2);
    expect(echo.firstCheckReady).toBe(false);
    expect((await invoices()).filter((invoice) => invoice.startsWith('P-ECHO-APPR'))).toEqual(['P-ECHO-APPR:draft']);
    expect((await statusOf()).get('P-ECHO-APPR')?.invoiceId).toBe(echo.invoiceId);
    // The fix closed the manager's tasks: the sweeper has nothing left to remind for Echo.
    expect((await tasks.tasksOf('EMEA', PERIOD, 'P-ECHO-APPR')).map((task) => task.status)).toEqual([
      'closed',
      'closed',
    ]);
    const later = await sweepAt(new Date(Date.now() + 7 * 24 * 3_600_000));
    expect(later.filter((breach) => breach.projectId === 'P-ECHO-APPR')).toEqual([]);
  }, 150_000);

  it('retries an ERP outage, files it to finance, and voids the draft when finance aborts', async () => {
    // Prepare: Delta's consultant submits the missing days; the ERP answers but the answer is lost.
    const { records } = await readFixture('P-DELTA-TIME');
    const template = records.timeEntries[0];
    await sandbox.putRecords({
      timeEntries: ['2026-11-26', '2026-11-27'].map((date) => ({ ...template, entryId: `T-DELTA-dan-${date}`, date })),
    });
    await cli('sandbox', 'faults', 'erp', '--set', JSON.stringify({ createInvoiceDraft: { timeoutRate: 1 } }));

    // Act
    await fix('P-DELTA-TIME', 'T-DELTA-dan-2026-11-26');
    const exception = await eventually(
      async () => {
        const listed = JSON.parse(
          await cli('exceptions', 'list', '--workflow', 'billing-readiness-project', '--json', '--as', 'fiona.finance'),
        ) as WorkflowException[];
        return listed.find(
          (item) => item.projectId === undefined && JSON.stringify(item.stepInput).includes('P-DELTA-TIME'),
        );
      },
      120_000,
      'an exception for the Delta draft',
    );
    await cli('sandbox', 'faults', 'erp', '--clear');
    await cli(
      'exceptions',
      'abort',
      exception.exceptionId,
      '--note',
      'finance drafts Delta by hand',
      '--as',
      'fiona.finance',
    );

    // Assess
    expect(exception).toMatchObject({
      ownerRole: 'finance-ops',
      step: 'DraftInvoice',
      reasonCode: 'RetryableConnectorError',
    });
    await eventually(
      async () => ((await invoices()).includes('P-DELTA-TIME:void') ? true : undefined),
      60_000,
      'the Delta draft voided',
    );
    expect((await statusOf()).get('P-DELTA-TIME')?.status).not.toBe('drafted');
  }, 200_000);

  it('drafts nothing twice on a rerun, and carries the blocked projects at the cut-off with their reasons', async () => {
    // Prepare
    const before = await invoices();
    const cutOff = new Date(Date.now() + 60_000).toISOString();

    // Act
    await cli('billing', 'run', '--region', 'EMEA', '--period', PERIOD, '--run-id', 'run-2', '--cut-off', cutOff);
    const cycleArn = `${CYCLE_MACHINE.replace(':stateMachine:', ':execution:')}:${cycleExecutionName('EMEA', PERIOD, 'run-2')}`;
    await eventually(
      async () => ((await executionStatus(cycleArn)) === 'SUCCEEDED' ? true : undefined),
      150_000,
      'the rerun closed',
    );

    // Assess
    expect(await invoices()).toEqual(before);
    const statuses = await statusOf();
    for (const projectId of [...FIRST_READY, 'P-ECHO-APPR']) expect(statuses.get(projectId)?.status).toBe('drafted');
    expect(statuses.get('P-FOXT-RATE')).toMatchObject({ status: 'carried', carriedTo: '2026-12' });
    expect(statuses.get('P-GHOST')?.findings.map((finding) => finding.code)).toEqual(['unknown-project']);
    const child = `${PROJECT_MACHINE.replace(':stateMachine:', ':execution:')}:${projectExecutionName({ region: 'EMEA', period: PERIOD, runId: 'run-2' }, 'P-ACME-TM')}`;
    expect(await executionStatus(child)).toBe('SUCCEEDED');
  }, 240_000);

  it("checks a carried project's old period in the next cycle: drafted once fixed, carried on with its reasons if not", async () => {
    // Prepare: finance corrects Foxtrot's November rates after the November cut-off (it was carried).
    const { records } = await readFixture('P-FOXT-RATE');
    await sandbox.putRecords({ timeEntries: records.timeEntries.map((entry) => ({ ...entry, rate: 120 })) });
    const december = '2026-12';
    // Time for every check and the old period's draft before the close counts them.
    const cutOff = new Date(Date.now() + 90_000).toISOString();

    // Act
    await cli('billing', 'run', '--region', 'EMEA', '--period', december, '--cut-off', cutOff);
    const cycleArn = `${CYCLE_MACHINE.replace(':stateMachine:', ':execution:')}:${cycleExecutionName('EMEA', december, 'run-1')}`;
    await eventually(
      async () => ((await executionStatus(cycleArn)) === 'SUCCEEDED' ? true : undefined),
      150_000,
      'the December cycle closed',
    );

    // Assess: November's Foxtrot invoice, drafted once, in the December cycle; its finance task closed.
    const november = await statusOf();
    expect(november.get('P-FOXT-RATE')).toMatchObject({ status: 'drafted' });
    expect(november.get('P-FOXT-RATE')?.checks).toBeGreaterThanOrEqual(2);
    const foxtrot = await erp.findInvoiceDraft(invoiceIdempotencyKey('P-FOXT-RATE', PERIOD));
    expect(foxtrot).toMatchObject({ status: 'draft', currency: 'EUR' });
    expect((await tasks.tasksOf('EMEA', PERIOD, 'P-FOXT-RATE')).map((task) => [task.code, task.status])).toEqual([
      ['rate-mismatch', 'closed'],
    ]);
    // Juliet's bad November records are still bad: checked again, carried on to January with its reasons.
    expect(november.get('P-JULI-BAD')).toMatchObject({ status: 'carried', carriedTo: '2027-01' });
    expect(november.get('P-JULI-BAD')?.checks).toBeGreaterThanOrEqual(2);
    const output = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: cycleArn }))).output ?? '{}',
    ) as { close?: { carriedOverDrafted?: number; carriedOverBlocked?: number } };
    expect(output.close?.carriedOverDrafted).toBeGreaterThanOrEqual(1);
    expect(output.close?.carriedOverBlocked).toBeGreaterThanOrEqual(1);
    const { carried: intoJanuary } = await readiness.listCarriedInto('EMEA', '2027-01', 100);
    expect(intoJanuary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          projectId: 'P-JULI-BAD',
          fromPeriod: PERIOD,
          reasons: expect.arrayContaining(['negative-hours']),
        }),
      ]),
    );
    // Foxtrot's November is invoiced; only its December (no time booked yet) goes on to January.
    expect(
      intoJanuary.filter((carried) => carried.fromPeriod === PERIOD).map((carried) => carried.projectId),
    ).not.toContain('P-FOXT-RATE');
    expect(intoJanuary).toContainEqual(expect.objectContaining({ projectId: 'P-FOXT-RATE', fromPeriod: '2026-12' }));
  }, 240_000);

  it('starts a run through the operations API for finance only, and audits it', async () => {
    // Prepare
    const post = (as: string, body: unknown) =>
      fetch(`${cloud.url}/api/billing/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-psflow-user': as },
        body: JSON.stringify(body),
      });
    const body = {
      region: 'APAC',
      period: PERIOD,
      runId: 'api-1',
      cutOffAt: new Date(Date.now() + 5_000).toISOString(),
    };

    // Act
    const refused = await post('dana.delivery', body);
    const started = await post('fiona.finance', body);

    // Assess
    expect(refused.status).toBe(403);
    expect(started.status).toBe(200);
    const answer = (await started.json()) as { executionArn: string; alreadyStarted: boolean };
    expect(answer.alreadyStarted).toBe(false);
    expect(answer.executionArn).toContain(cycleExecutionName('APAC', PERIOD, 'api-1'));
    await eventually(
      async () => ((await executionStatus(answer.executionArn)) === 'SUCCEEDED' ? true : undefined),
      90_000,
      'the APAC cycle started through the API closed',
    );
    const audit = await fetch(`${cloud.url}/api/audit/billing-cycle/${encodeURIComponent(`APAC#${PERIOD}`)}`, {
      headers: { 'x-psflow-user': 'olga.ops' },
    });
    expect(await audit.json()).toEqual([
      expect.objectContaining({ action: 'start-run', actor: 'fiona.finance', subjectType: 'billing-cycle' }),
    ]);
  }, 150_000);

  async function readFixture(projectId: string) {
    return { records: await sandbox.recordsFor(projectId, PERIOD) };
  }
});
