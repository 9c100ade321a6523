import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeRecord } from '../../shared/change-control/change-record';
import { SandboxChangePorts } from '../../shared/change-control/sandbox-change-ports';
import { SandboxBillingStore } from '../../shared/connectors/sandbox/sandbox-billing-store';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { PsaDetailType, PsflowSource } from '../../shared/events/catalogue';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { changeExecutionName } from '../../shared/ingestion/ingest-event';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * Change control end to end on the local cloud: `Change Requested` put on the bus, through
 * ingestion into the state machine, approvals and exceptions acted on through the HTTP API, and
 * every outcome read back with SDK clients from Step Functions and DynamoDB.
 */
const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-change-control';
const TASKS_TABLE = 'psflow-dev-human-tasks';
const EXCEPTIONS_TABLE = 'psflow-dev-exceptions';
const RECORDS_TABLE = 'psflow-dev-sandbox-records';
const CHANGES_TABLE = 'psflow-dev-change-requests';
const BILLING_TABLE = 'psflow-dev-sandbox-billing';
const BUS = 'psflow-dev';
const SLOW_MS = 60_000;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('change control on the local cloud', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let bus: EventBridgeClient;
  let records: SandboxRecordStore;
  let reads: SandboxChangePorts;
  let billing: SandboxBillingStore;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('change-control'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    sfn = new SFNClient(clientConfig(cloud.url));
    bus = new EventBridgeClient(clientConfig(cloud.url));
    records = new SandboxRecordStore(documents, RECORDS_TABLE);
    billing = new SandboxBillingStore(documents, BILLING_TABLE);
    reads = new SandboxChangePorts(records, billing);
  }, 180_000);

  afterAll(async () => {
    documents?.destroy();
    sfn?.destroy();
    bus?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  /** A project of this test alone, as activation leaves it: ERP budget v1, rate card, PSA project, a booking, approved hours. */
  async function newProject(): Promise<string> {
    const projectId = `prj-cc-${randomUUID().slice(0, 8)}`;
    const now = new Date();
    const create = (system: string, type: string, payload: Record<string, unknown>) =>
      records.create({
        system,
        operation: `seed${type}`,
        type,
        idPrefix: type.toUpperCase().slice(0, 3),
        idempotencyKey: `${projectId}:${type}:${JSON.stringify(payload)}`,
        payload,
        now,
        reference: projectId,
      });
    await create('erp', 'budget', { erpProjectId: 'ERP-T', budget: eur(8_000_000) });
    await create('erp', 'billing', {
      status: 'active',
      billing: {
        kind: 'rate-card',
        rates: [
          { role: 'Engagement Manager', rate: eur(20_000) },
          { role: 'Data Engineer', rate: eur(15_000) },
        ],
      },
    });
    await create('psa', 'project', {
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      roles: [
        { lineId: 'L-010', role: 'Engagement Manager', skills: [], hours: 100, workPackage: '1' },
        { lineId: 'L-020', role: 'Data Engineer', skills: ['python'], hours: 400, workPackage: '1' },
      ],
    });
    await create('psa', 'booking', {
      resourceId: 'R-ana',
      lineId: 'L-020',
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      hours: 400,
    });
    // Billing's PSA time entries: 150 h approved on L-020, and 40 h still submitted, which do not count.
    const entry = (entryId: string, date: string, hours: number, status: 'approved' | 'submitted') => ({
      entryId: `${projectId}-${entryId}`,
      personId: 'R-ana',
      projectId,
      roleLineId: 'L-020',
      role: 'Data Engineer',
      date,
      hours,
      billable: true,
      status,
      rate: 150,
      currency: 'EUR',
    });
    await billing.putRecords({
      timeEntries: [
        entry('T-1', '2027-01-15', 100, 'approved'),
        entry('T-2', '2027-02-12', 50, 'approved'),
        entry('T-3', '2027-02-19', 40, 'submitted'),
      ],
    });
    return projectId;
  }

  function changeEvent(projectId: string, proposed: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const changeId = `CHG-${randomUUID()}`;
    const detail = {
      changeId,
      projectId: { system: 'psflow', id: projectId },
      source: 'psa',
      region: 'EMEA',
      practice: 'data-engineering',
      requestedBy: 'sally.sales',
      reason: 'two more data sources',
      requestedAt: new Date().toISOString(),
      proposed,
      ...extra,
    };
    const entry = {
      EventBusName: BUS,
      Source: PsflowSource.Psa,
      DetailType: PsaDetailType.ChangeRequested,
      Detail: JSON.stringify(detail),
    };
    const executionArn = `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${changeExecutionName({ source: 'psa', changeId })}`;
    return { changeId, entry, executionArn };
  }

  /** 100 more Data Engineer hours, a month longer, the manager's rate 200 → 210 EUR: +16,000 EUR (20%), two levels, signed. */
  const growth = (projectId: string) =>
    changeEvent(
      projectId,
      {
        endDate: '2027-04-30',
        roleLines: [
          {
            lineId: 'L-010',
            role: 'Engagement Manager',
            hours: 100,
            rate: eur(21_000),
            startDate: '2027-01-04',
            endDate: '2027-04-30',
          },
          {
            lineId: 'L-020',
            role: 'Data Engineer',
            skills: ['python'],
            hours: 500,
            rate: eur(15_000),
            startDate: '2027-01-04',
            endDate: '2027-04-30',
          },
        ],
      },
      { clientSignOff: { documentReference: 'DOC-CO-7', signedAt: new Date().toISOString() } },
    );

  async function api<T>(method: 'GET' | 'POST', route: string, as: string, body?: unknown) {
    const response = await fetch(`${cloud.url}/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-psflow-user': as },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function approve(executionArn: string, as: string, level: number): Promise<void> {
    const task = await eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: TASKS_TABLE,
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${executionArn}#CollectChangeApprovals` },
          }),
        );
        return (Items as HumanTask[]).find((each) => each.level === level && each.status === 'open');
      },
      SLOW_MS,
      `approval level ${level} of ${executionArn}`,
    );
    const answer = await api('POST', `/tasks/${task.taskId}/decision`, as, { decision: 'approve', comment: 'ok' });
    expect(answer.status).toBe(200);
  }

  async function exceptionOf(executionArn: string, step: string): Promise<WorkflowException> {
    return eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: EXCEPTIONS_TABLE,
            IndexName: 'byExecutionStep',
            KeyConditionExpression: 'executionStep = :key',
            ExpressionAttributeValues: { ':key': `${executionArn}#${step}` },
          }),
        );
        return (Items as WorkflowException[])[0];
      },
      SLOW_MS,
      `the ${step} exception of ${executionArn}`,
    );
  }

  async function finished(executionArn: string): Promise<string> {
    return eventually(
      async () => {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return status === 'RUNNING' ? undefined : status;
      },
      SLOW_MS,
      `${executionArn} to finish`,
    );
  }

  async function changeRecord(changeId: string): Promise<ChangeRecord> {
    const { Item } = await documents.send(new GetCommand({ TableName: CHANGES_TABLE, Key: { changeId } }));
    return Item as ChangeRecord;
  }

  async function budgetVersions(projectId: string) {
    return (await records.listByReference('erp', projectId))
      .filter((record) => record.systemType === 'erp#budget')
      .map((record) => ({ budget: record.budget, status: record.status, version: record.baselineVersion }));
  }

  it('applies an approved change once, delivered twice: a new baseline version, the plan, the booking and new demand', async () => {
    // Prepare
    const projectId = await newProject();
    const { changeId, entry, executionArn } = growth(projectId);

    // Act
    await bus.send(new PutEventsCommand({ Entries: [entry] }));
    await bus.send(new PutEventsCommand({ Entries: [entry] }));
    await approve(executionArn, 'dana.delivery', 1);
    await approve(executionArn, 'pat.practice', 2);
    const status = await finished(executionArn);

    // Assess
    expect(status).toBe('SUCCEEDED');
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }));
    expect(executions.filter((execution) => execution.executionArn === executionArn)).toHaveLength(1);
    expect(await budgetVersions(projectId)).toEqual([
      { budget: eur(8_000_000), status: undefined, version: undefined },
      { budget: eur(9_600_000), status: 'baseline', version: 2 },
    ]);
    const baseline = await reads.currentBaseline(projectId);
    expect(baseline).toMatchObject({ baselineVersion: 2, budget: eur(9_600_000), endDate: '2027-04-30' });
    expect(baseline?.roleLines.map((line) => line.hours)).toEqual([100, 500]);
    expect((await reads.bookingsFor(projectId)).map((booking) => booking.endDate)).toEqual(['2027-04-30']);
    const record = await changeRecord(changeId);
    expect(record).toMatchObject({
      status: 'applied',
      baselineVersion: 1,
      newBaselineVersion: 2,
      approvals: [
        expect.objectContaining({ decidedBy: 'dana.delivery' }),
        expect.objectContaining({ decidedBy: 'pat.practice' }),
      ],
    });
    expect(record.appliedResources).toEqual([
      expect.stringMatching(/^Resource Requested L-020-c[0-9a-f]{8}: 100 h Data Engineer$/),
    ]);
    expect(record.approvalCycleTimeSeconds).toBeGreaterThanOrEqual(0);
    const listed = await api<{ changeId: string; status: string; newBaselineVersion: number }[]>(
      'GET',
      `/changes?projectId=${projectId}`,
      'dana.delivery',
    );
    expect(listed.body).toEqual([expect.objectContaining({ changeId, status: 'applied', newBaselineVersion: 2 })]);
    const shown = await api<{ appliedWhere: { system: string; changes: string[] }[]; summary: string[] }>(
      'GET',
      `/changes/${changeId}`,
      'dana.delivery',
    );
    expect(shown.body.appliedWhere.map((entry) => entry.system)).toEqual([
      'erp budget',
      'psa project',
      'billing',
      'bookings',
      'staffing',
    ]);
    expect(shown.body.summary[1]).toBe('Budget: 80,000 EUR → 96,000 EUR (+16,000 EUR, +20.0%)');
    expect(record.appliedBilling).toEqual(['rate card: Engagement Manager rate set']);
  }, 240_000);

  it('records and announces a rejected change, and applies nothing', async () => {
    // Prepare
    const projectId = await newProject();
    const { changeId, entry, executionArn } = growth(projectId);

    // Act
    await bus.send(new PutEventsCommand({ Entries: [entry] }));
    const task = await eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: TASKS_TABLE,
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${executionArn}#CollectChangeApprovals` },
          }),
        );
        return (Items as HumanTask[]).find((each) => each.status === 'open');
      },
      SLOW_MS,
      'the first approval level',
    );
    const answer = await api('POST', `/tasks/${task.taskId}/decision`, 'dana.delivery', {
      decision: 'reject',
      comment: 'not this quarter',
    });
    const status = await finished(executionArn);

    // Assess
    expect(answer.status).toBe(200);
    expect(status).toBe('FAILED');
    expect(await changeRecord(changeId)).toMatchObject({ status: 'rejected' });
    expect(await budgetVersions(projectId)).toHaveLength(1);
    const missing = await api<{ error: string }>('GET', '/changes/CHG-none', 'dana.delivery');
    expect([missing.status, missing.body.error]).toEqual([404, 'NotFound']);
  }, 180_000);

  it('holds a change that cuts hours below the approved time entries, and a negative budget, with the reason', async () => {
    // Prepare
    const projectId = await newProject();
    const cut = changeEvent(projectId, {
      roleLines: [
        {
          lineId: 'L-020',
          role: 'Data Engineer',
          hours: 100,
          rate: eur(15_000),
          startDate: '2027-01-04',
          endDate: '2027-03-31',
        },
      ],
    });
    const negative = changeEvent(projectId, { budget: eur(-100) });

    // Act
    await bus.send(new PutEventsCommand({ Entries: [cut.entry, negative.entry] }));
    const cutException = await exceptionOf(cut.executionArn, 'AssessChange');
    const negativeException = await exceptionOf(negative.executionArn, 'AssessChange');

    // Assess
    expect(cutException.ownerRole).toBe('delivery-lead');
    expect(cutException.message).toContain(
      'line L-020 (Data Engineer) would have 100 h, but 150 h are already approved',
    );
    expect(negativeException.message).toContain('proposed.budget: the budget would be negative');
    expect(await changeRecord(cut.changeId)).toMatchObject({ status: 'held' });
    expect(await budgetVersions(projectId)).toHaveLength(1);
  }, 180_000);

  it('files a fault in a guarded step as an exception, and an abort restores the previous baseline version', async () => {
    // Prepare
    const projectId = await newProject();
    const { changeId, entry, executionArn } = growth(projectId);
    await records.setFaults('psa', {
      updatePlan: { latencyMs: 0, throttleRate: 0, unavailableRate: 0, timeoutRate: 0, rejectRate: 1 },
    });

    // Act
    let exception: WorkflowException;
    try {
      await bus.send(new PutEventsCommand({ Entries: [entry] }));
      await approve(executionArn, 'dana.delivery', 1);
      await approve(executionArn, 'pat.practice', 2);
      exception = await exceptionOf(executionArn, 'UpdateProjectPlan');
    } finally {
      await records.setFaults('psa', undefined);
    }
    const versionsBeforeAbort = await budgetVersions(projectId);
    const abort = await api('POST', `/exceptions/${exception.exceptionId}/abort`, 'dana.delivery', {
      note: 'the client withdrew the change',
    });
    const status = await finished(executionArn);

    // Assess
    expect(exception.message).toContain('psa.updatePlan');
    expect(versionsBeforeAbort.map((version) => version.status)).toEqual([undefined, 'baseline']);
    expect(abort.status).toBe(200);
    expect(status).toBe('FAILED');
    expect((await budgetVersions(projectId)).map((version) => version.status)).toEqual([undefined, 'superseded-void']);
    expect(await reads.currentBaseline(projectId)).toMatchObject({ baselineVersion: 1, budget: eur(8_000_000) });
    expect(await changeRecord(changeId)).toMatchObject({
      status: 'compensated',
      compensation: [expect.stringContaining('voided; v1 is the baseline again')],
    });
  }, 240_000);
});
