import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SandboxHrisConnector } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { SandboxPsaConnector } from '../../shared/connectors/sandbox/sandbox-psa-connector';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { runPsflow, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-staffing';
const REQUESTS_TABLE = 'psflow-dev-staffing-requests';
const EXCEPTIONS_TABLE = 'psflow-dev-exceptions';
const BOOKINGS_TABLE = 'psflow-dev-sandbox-bookings';
/** Northwind Logistics, an EMEA account of the seeded sandbox CRM. */
const EMEA_CLIENT = 'salesforce:0018d00000XyZ12AAB';

describe('the staffing workflow (local cloud)', () => {
  let cloud: LocalCloudProcess;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let events: EventBridgeClient;
  const run = randomUUID().slice(0, 8);
  const skill = `it-${run}-dbt`;
  const projectId = `prj-staffing-${run}`;

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);

  function roleLine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      lineId: 'L1',
      role: 'Analytics Engineer',
      skills: [skill],
      hours: 160,
      rate: { amountMinor: 16000, currency: 'EUR' },
      startDate: '2027-03-01',
      endDate: '2027-03-26',
      ...overrides,
    };
  }

  async function startAdHoc(name: string, request: Record<string, unknown>): Promise<string> {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MACHINE_ARN,
        name: `${run}-${name}`,
        input: JSON.stringify({ request, requestedBy: 'sam.staffing' }),
      }),
    );
    return String(executionArn);
  }

  async function exceptionAt(executionArn: string, step: string): Promise<Record<string, unknown>> {
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
        return Items[0];
      },
      60_000,
      `the ${step} exception of ${executionArn}`,
    );
  }

  async function requestRecord(requestId: string, status: string): Promise<Record<string, unknown>> {
    return eventually(
      async () => {
        const { Item } = await documents.send(
          new GetCommand({ TableName: REQUESTS_TABLE, Key: { requestId }, ConsistentRead: true }),
        );
        return Item?.status === status ? Item : undefined;
      },
      90_000,
      `request ${requestId} to be ${status}`,
    );
  }

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('staffing-workflow'));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    sfn = new SFNClient(clientConfig(cloud.url));
    events = new EventBridgeClient(clientConfig(cloud.url));
    const hris = new SandboxHrisConnector(documents, 'psflow-dev-sandbox-hris');
    const base = {
      grade: 'consultant',
      level: 2,
      practice: 'data-engineering',
      region: 'EMEA' as const,
      location: 'Berlin',
      country: 'DE',
      timeZone: 'Europe/Berlin',
      utcOffsetHours: 1,
      currency: 'EUR',
      hoursPerWeek: 40,
      employmentType: 'employee' as const,
      certifications: [],
      remoteOk: true,
      deliveryLead: 'dana.delivery',
    };
    await hris.putPerson({
      ...base,
      personId: `${run}-A`,
      name: 'Ada Test',
      costRateMinor: 8000,
      skills: [{ skill, proficiency: 5 }],
    });
    await hris.putPerson({
      ...base,
      personId: `${run}-B`,
      name: 'Ben Test',
      costRateMinor: 7000,
      skills: [{ skill, proficiency: 3 }],
    });
    const psa = new SandboxPsaConnector(new SandboxRecordStore(documents, 'psflow-dev-sandbox-records'));
    await psa.createProject(`it-${run}`, {
      psflowProjectId: projectId,
      name: 'Northwind staffing test',
      clientId: EMEA_CLIENT,
      startDate: '2027-03-01',
      workBreakdown: [],
      roles: [],
    });
  }, 120_000);

  afterAll(async () => {
    dynamodb?.destroy();
    sfn?.destroy();
    events?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  it.each([
    ['unknown skills', { roleLine: roleLine({ skills: ['cobol-on-mars'] }) }, 'unknown skill(s) cobol-on-mars'],
    ['zero hours', { roleLine: roleLine({ hours: 0 }) }, 'roleLine.hours: 0 is not a positive number of hours'],
    ['negative hours', { roleLine: roleLine({ hours: -8 }) }, 'roleLine.hours: -8 is not a positive number of hours'],
    ['an end before the start', { roleLine: roleLine({ endDate: '2027-02-01' }) }, 'is before the start 2027-03-01'],
    [
      'a window in the past',
      { roleLine: roleLine({ startDate: '2020-01-06', endDate: '2020-01-31' }) },
      'is in the past',
    ],
    ['an unknown project', { projectId: `prj-nowhere-${run}` }, `no project prj-nowhere-${run} in the PSA`],
  ])(
    'holds a request with %s, with the reason, as a staffing exception',
    async (label, change, reason) => {
      // Prepare
      const requestId = `${projectId}:bad-${label.replace(/\W+/g, '-')}`;
      const request = {
        requestId,
        projectId,
        roleLine: roleLine(),
        requestedBy: 'sam.staffing',
        requestedAt: new Date().toISOString(),
        ...change,
      };

      // Act
      const executionArn = await startAdHoc(`bad-${label.replace(/\W+/g, '-')}`, request);

      // Assess
      const exception = await exceptionAt(executionArn, 'PrepareStaffingRequest');
      expect(exception.ownerRole).toBe('staffing-manager');
      expect(String(exception.message)).toContain(reason);
      const held = await requestRecord(requestId, 'held');
      expect(String(held.problems)).toContain(reason);
      expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    },
    120_000,
  );

  it('staffs a Resource Requested role: holds, approval, delivery-lead confirmation, hard booking', async () => {
    // Prepare
    const requestId = `${projectId}:L1`;
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'psflow-dev',
            Source: PsflowSource.Workflow,
            DetailType: WorkflowDetailType.ResourceRequested,
            Detail: JSON.stringify({
              projectId: { system: 'psflow', id: projectId },
              roleLine: roleLine(),
              requestedAt: new Date().toISOString(),
            }),
          },
        ],
      }),
    );

    // Act
    await requestRecord(requestId, 'on-hold');
    const task = await eventually(
      async () => {
        const listed = await psflow('approvals', 'list', '--as', 'sam.staffing', '--json');
        const tasks = JSON.parse(listed.stdout || '[]') as Array<{
          taskId: string;
          subject: { projectId?: { id: string } };
        }>;
        return tasks.find((candidate) => candidate.subject.projectId?.id === projectId);
      },
      60_000,
      'the staffing approval task',
    );
    const approved = await psflow(
      'approvals',
      'approve',
      task.taskId,
      '--comment',
      'proposal is fine',
      '--as',
      'sam.staffing',
    );
    const confirmation = await eventually(
      async () => {
        const listed = await psflow('approvals', 'list', '--as', 'dana.delivery', '--json');
        const tasks = JSON.parse(listed.stdout || '[]') as Array<{
          taskId: string;
          subject: { projectId?: { id: string } };
        }>;
        return tasks.find((candidate) => candidate.subject.projectId?.id === projectId);
      },
      60_000,
      'the delivery lead confirmation task',
    );
    const confirmed = await psflow('approvals', 'approve', confirmation.taskId, '--as', 'dana.delivery');

    // Assess
    expect(approved.code).toBe(0);
    expect(confirmed.code).toBe(0);
    const assigned = await requestRecord(requestId, 'assigned');
    expect(assigned.outcome).toBe('assigned');
    const { Item: booking } = await documents.send(
      new GetCommand({
        TableName: BOOKINGS_TABLE,
        Key: { pk: `BOOKING#${requestId}#${run}-A`, sk: 'BOOKING' },
        ConsistentRead: true,
      }),
    );
    expect(booking).toEqual(expect.objectContaining({ kind: 'hard', status: 'active', personId: `${run}-A` }));
  }, 240_000);

  it('refuses the requester approving their own staffing request', async () => {
    // Prepare
    const requestId = `${projectId}:L2`;
    const executionArn = await startAdHoc('own', {
      requestId,
      projectId,
      roleLine: roleLine({ lineId: 'L2', hours: 40 }),
      requestedBy: 'sam.staffing',
      requestedAt: new Date().toISOString(),
    });

    // Act
    await requestRecord(requestId, 'on-hold');
    const task = await eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: 'psflow-dev-human-tasks',
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${executionArn}#CollectStaffingApprovals` },
          }),
        );
        const [first] = Items;
        return first ? { taskId: String(first.taskId) } : undefined;
      },
      60_000,
      'the own request task',
    );
    const own = await psflow('approvals', 'approve', task.taskId, '--as', 'sam.staffing');

    // Assess
    expect(own.code).not.toBe(0);
    expect(own.stderr).toMatch(/requested|separation|own|may not/i);
  }, 240_000);

  it('asks for a subcontractor when nobody fits and the owner resolves it that way', async () => {
    // Prepare
    const requestId = `${projectId}:L3`;
    const executionArn = await startAdHoc('unfilled', {
      requestId,
      projectId,
      roleLine: roleLine({ lineId: 'L3' }),
      requiredCertifications: [`it-${run}-clearance`],
      requestedBy: 'sam.staffing',
      requestedAt: new Date().toISOString(),
    });

    // Act
    const exception = await exceptionAt(executionArn, 'RecommendCandidates');
    const unfilled = await requestRecord(requestId, 'unfilled');
    const skipped = await psflow(
      'exceptions',
      'skip',
      String(exception.exceptionId),
      '--output',
      JSON.stringify({ resolution: 'subcontractor' }),
      '--note',
      'nobody cleared in time; ask procurement',
      '--reference',
      'STAFF-1',
      '--as',
      'sam.staffing',
    );

    // Assess
    expect(String(exception.message)).toContain('certification 2');
    expect(skipped.code).toBe(0);
    expect(unfilled.recommendation).toEqual(
      expect.objectContaining({ excludedCounts: expect.objectContaining({ certification: 2 }) }),
    );
    await requestRecord(requestId, 'subcontractor-requested');
    const finished = await eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    }, 60_000);
    expect(finished.status).toBe('SUCCEEDED');
  }, 240_000);
});
