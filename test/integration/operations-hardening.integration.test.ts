import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-log';
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CrmDetailType, PsflowSource } from '../../shared/events/catalogue';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { runPsflow, salesforceId, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';
import { type Drill, OperationsDrillDriver, type Refusal } from '../support/operations-drill-driver';

/**
 * What the outside probe of issue 11 found in the operations API, end to end against a local
 * cloud: hostile sizes, patches that would change what was approved, who may act on what, and
 * approvals nobody can decide. People act through the real CLI and HTTP API.
 */
const LEDGER_TABLE = 'psflow-dev-drill-ledger';
const REJECTED_TABLE = 'psflow-dev-rejected-events';
const CRM_TABLE = 'psflow-dev-sandbox-crm';
const BUS = 'psflow-dev';

/** 500 EUR in cents: under the drill's 1k EUR band, so the policy approves it without a person. */
const FIVE_HUNDRED_EUR = 50_000;

describe('operations hardening through the CLI and the HTTP API', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let events: EventBridgeClient;
  let drills: OperationsDrillDriver;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('operations-hardening'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    sfn = new SFNClient(clientConfig(cloud.url));
    events = new EventBridgeClient(clientConfig(cloud.url));
    drills = new OperationsDrillDriver(cloud.url, documents, sfn);
  });

  afterAll(async () => {
    documents?.destroy();
    sfn?.destroy();
    events?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);
  const api = <T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: unknown) =>
    drills.api<T>(method, route, as, body);
  const rawApi = <T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: string) =>
    drills.rawApi<T>(method, route, as, body);
  const startDrill = (options: {
    amountMinor: number;
    failWith: 'none' | 'permanent';
    region?: 'EMEA' | 'AMER' | 'APAC';
    practice?: string;
  }): Promise<Drill> => drills.start(options);
  const exceptionOf = (drill: Drill): Promise<WorkflowException> => drills.exceptionOf(drill);
  const finished = (drill: Drill): Promise<DescribeExecutionCommandOutput> => drills.finished(drill);

  async function ledgerEntry(drill: Drill): Promise<Record<string, unknown> | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: LEDGER_TABLE, Key: { ledgerKey: `entry#${drill.drillId}` }, ConsistentRead: true }),
    );
    return Item;
  }

  describe('hostile sizes', () => {
    it('answers a 3,000-character task id with 400, a 7.7 MB patch with 413 and a patch nested 5,000 deep with 400, and the exception stays open', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: FIVE_HUNDRED_EUR, failWith: 'permanent' });
      const filed = await exceptionOf(drill);
      const retry = `/exceptions/${filed.exceptionId}/retry`;

      // Act
      const longId = await api<Refusal>('GET', `/tasks/${'a'.repeat(3000)}`, 'carl.cfo');
      const huge = await api<Refusal>('POST', retry, 'fiona.finance', {
        patch: [{ op: 'replace', path: '/drillId', value: 'x'.repeat(7.7 * 1024 * 1024) }],
      });
      const deep = await rawApi<Refusal>(
        'POST',
        retry,
        'fiona.finance',
        `{"patch":[{"op":"replace","path":"/failWith","value":${'{"n":'.repeat(5000)}0${'}'.repeat(5000)}}]}`,
      );
      const tooDeepForDynamoDb = await rawApi<Refusal>(
        'POST',
        retry,
        'fiona.finance',
        `{"patch":[{"op":"replace","path":"/failWith","value":${'{"n":'.repeat(40)}0${'}'.repeat(40)}}]}`,
      );
      const large = await api<Refusal>('POST', retry, 'fiona.finance', {
        patch: [{ op: 'replace', path: '/drillId', value: 'x'.repeat(3 * 1024 * 1024) }],
      });
      const health = await fetch(`${cloud.url}/_psflow/health`);
      const after = await api<WorkflowException>('GET', `/exceptions/${filed.exceptionId}`, 'fiona.finance');

      // Assess
      expect(longId).toEqual({
        status: 400,
        body: { error: 'InvalidRequest', message: 'taskId is 3000 characters long; an id has at most 256' },
      });
      expect(huge).toEqual({ status: 413, body: { message: 'Request Too Long' } });
      expect(deep).toEqual({
        status: 400,
        body: { error: 'InvalidRequest', message: 'the body nests more than 64 levels deep' },
      });
      expect(tooDeepForDynamoDb).toMatchObject({
        status: 400,
        body: { error: 'InvalidRequest', message: expect.stringContaining('the patch nests more than 31 levels deep') },
      });
      expect(large).toMatchObject({
        status: 400,
        body: {
          error: 'InvalidRequest',
          message: expect.stringContaining('a workflow state holds at most 262144 bytes'),
        },
      });
      expect(health.status).toBe(200);
      expect(after).toMatchObject({ status: 200, body: { status: 'open' } });
    });
  });

  describe('who may read and act', () => {
    /** A rejected event as ingestion holds one: a won opportunity whose account the CRM did not know. */
    async function holdRejectedEvent(): Promise<string> {
      const rejectionId = `rej-${randomUUID()}`;
      const raw = {
        version: '0',
        id: randomUUID(),
        source: 'psflow.test',
        'detail-type': 'Opportunity Won',
        detail: { opportunityId: rejectionId },
      };
      const at = new Date().toISOString();
      await documents.send(
        new PutCommand({
          TableName: REJECTED_TABLE,
          Item: {
            rejectionId,
            status: 'open',
            reason: 'CrmRecordNotFound',
            message: 'account unknown to the CRM',
            issues: [],
            source: raw.source,
            detailType: raw['detail-type'],
            eventId: raw.id,
            receivedAt: at,
            lastSeenAt: at,
            occurrences: 1,
            rawEvent: JSON.stringify(raw),
            rawEventBytes: 100,
            rawEventTruncated: false,
          },
        }),
      );
      return rejectionId;
    }

    it('lets only integration-ops resolve a rejected event through the CLI, audits it, and shows nothing to an identity outside the directory', async () => {
      // Prepare
      const rejectionId = await holdRejectedEvent();

      // Act
      const byStranger = await psflow('rejected', 'resolve', rejectionId, '--note', 'nothing to do', '--as', 'mallory');
      const bySales = await psflow(
        'rejected',
        'resolve',
        rejectionId,
        '--note',
        'nothing to do',
        '--as',
        'sally.sales',
      );
      const listedByStranger = await psflow('rejected', 'list', '--as', 'mallory');
      const afterRefusals = await documents.send(
        new GetCommand({ TableName: REJECTED_TABLE, Key: { rejectionId }, ConsistentRead: true }),
      );
      const byIntegration = await psflow(
        'rejected',
        'resolve',
        rejectionId,
        '--note',
        'test record, deleted in CRM',
        '--as',
        'ian.integration',
      );
      const audit = await api<AuditEntry[]>('GET', `/audit/rejected-event/${rejectionId}`, 'ian.integration');
      const auditByStranger = await api<Refusal>('GET', `/audit/rejected-event/${rejectionId}`, 'mallory');

      // Assess
      expect(byStranger).toMatchObject({ code: 1, stderr: expect.stringContaining('mallory is not in the directory') });
      expect(bySales).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('that needs the role integration-ops'),
      });
      expect(listedByStranger).toMatchObject({ code: 1, stderr: expect.stringContaining('HTTP 403') });
      expect(afterRefusals.Item).toMatchObject({ status: 'open' });
      expect(byIntegration).toMatchObject({ code: 0, stdout: expect.stringContaining(`resolved ${rejectionId}`) });
      expect(audit.body).toEqual([
        expect.objectContaining({
          subjectType: 'rejected-event',
          action: 'resolve',
          actor: 'ian.integration',
          why: 'test record, deleted in CRM',
        }),
      ]);
      expect(auditByStranger.status).toBe(403);
    });

    it('refuses an identity outside the directory reading tasks and exception step inputs, and answers 403 without the decider to someone who may not decide a decided task', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: 500_000, failWith: 'permanent' });
      const task = await eventually(
        async () => {
          const listed = await api<Array<{ taskId: string; executionArn: string }>>('GET', '/tasks', 'dana.delivery');
          return listed.body.find((item) => item.executionArn === drill.executionArn);
        },
        20_000,
        'the drill approval task',
      );
      await psflow('approvals', 'approve', task.taskId, '--as', 'dana.delivery');
      const filed = await exceptionOf(drill);

      // Act
      const tasks = await api<Refusal>('GET', '/tasks', 'mallory');
      const shown = await api<Refusal>('GET', `/tasks/${task.taskId}`, 'mallory');
      const stepInput = await api<Refusal>('GET', `/exceptions/${filed.exceptionId}`, 'mallory');
      const lateDecision = await psflow(
        'approvals',
        'reject',
        task.taskId,
        '--comment',
        'too late',
        '--as',
        'carl.cfo',
      );

      // Assess
      for (const answer of [tasks, shown, stepInput])
        expect(answer).toMatchObject({ status: 403, body: { error: 'NotAuthorized' } });
      expect(JSON.stringify(stepInput.body)).not.toContain(drill.drillId);
      expect(lateDecision).toMatchObject({ code: 1, stderr: expect.stringContaining('HTTP 403 NotAuthorized') });
      expect(lateDecision.stderr).not.toContain('dana.delivery');
    });
  });

  describe('patches and what was approved', () => {
    it('refuses with 409 a retry patch that raises the approved amount from 500 EUR to 1,000,000 EUR, posts nothing, and posts the approved 500 EUR on a plain retry', async () => {
      // Prepare
      const drill = await startDrill({ amountMinor: FIVE_HUNDRED_EUR, failWith: 'permanent' });
      const filed = await exceptionOf(drill);
      const raise = JSON.stringify([
        { op: 'replace', path: '/amount/amountMinor', value: 100_000_000 },
        { op: 'replace', path: '/failWith', value: 'none' },
      ]);

      // Act
      const refusedByApi = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/retry`, 'fiona.finance', {
        patch: JSON.parse(raise) as unknown,
      });
      const refusedByCli = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--patch',
        raise,
        '--as',
        'fiona.finance',
      );
      const postedMeanwhile = await ledgerEntry(drill);
      const retried = await psflow(
        'exceptions',
        'retry',
        filed.exceptionId,
        '--patch',
        '[{"op":"replace","path":"/failWith","value":"none"}]',
        '--as',
        'fiona.finance',
      );
      const execution = await finished(drill);

      // Assess
      expect(refusedByApi).toMatchObject({
        status: 409,
        body: {
          error: 'ChangesApprovedFields',
          message: expect.stringContaining('operation 0 (replace /amount/amountMinor) changes /amount'),
        },
      });
      expect(refusedByCli).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('the patch changes what was approved'),
      });
      expect(postedMeanwhile).toBeUndefined();
      expect(retried.code).toBe(0);
      expect(execution.status).toBe('SUCCEEDED');
      expect(await ledgerEntry(drill)).toMatchObject({ amount: { amountMinor: FIVE_HUNDRED_EUR, currency: 'EUR' } });
    });
  });

  describe('approvals nobody can decide', () => {
    /** A won Managed Services deal in APAC of 120,000 EUR: the CRM holds it, and psflow's CRM integration reports the win. */
    async function winManagedServicesDealInApac(): Promise<string> {
      const opportunityId = salesforceId('006');
      const accountId = salesforceId('001');
      const dates = { startDate: '2027-01-11', endDate: '2027-03-31' };
      const line = (lineId: string, rate: number) => ({
        lineId,
        role: 'Service Manager',
        skills: ['operations'],
        hours: 60_000 / rate,
        rate: { amountMinor: rate * 100, currency: 'EUR' },
        ...dates,
      });
      for (const item of [
        { recordKey: `Account#${accountId}`, accountId, name: 'Kiwi Operations', region: 'APAC', isNewClient: false },
        {
          recordKey: `Opportunity#${opportunityId}`,
          opportunityId,
          accountId,
          name: 'Kiwi managed platform',
          stage: 'Closed Won',
          isWon: true,
          isClosed: true,
          amount: 120_000,
          currency: 'EUR',
          closeDate: '2026-11-20',
          region: 'APAC',
          practice: 'Managed Services',
          billingModel: 'Time and Materials',
          discountPercent: 0,
          dealType: 'Existing Customer - Upgrade',
          ...dates,
        },
        { recordKey: `Sow#${opportunityId}`, opportunityId, roleLines: [line('L1', 100), line('L2', 125)] },
      ]) {
        await documents.send(new PutCommand({ TableName: CRM_TABLE, Item: item }));
      }
      const detail = {
        opportunity: {
          opportunityId: { system: 'salesforce', id: opportunityId },
          client: {
            clientId: { system: 'salesforce', id: accountId },
            name: 'Kiwi Operations',
            region: 'APAC',
            isNew: false,
          },
          name: 'Kiwi managed platform',
          stage: 'Closed Won',
          amount: { amountMinor: 12_000_000, currency: 'EUR' },
          billingModel: 'time-and-materials',
          region: 'APAC',
          practice: 'managed-services',
          discountPercent: 0,
          closeDate: '2026-11-20',
          ...dates,
        },
        wonAt: new Date().toISOString(),
        dedupeKey: `crm-sync-${randomUUID()}`,
      };
      const put = await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: BUS,
              Source: PsflowSource.Crm,
              DetailType: CrmDetailType.OpportunityWon,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      expect(put.FailedEntryCount).toBe(0);
      return opportunityId;
    }

    it('escalates a Managed Services deal in APAC at once from the practice lead nobody is to the CFO, says why in approvals show and the audit, and the CFO decides it', async () => {
      // Prepare
      const opportunityId = await winManagedServicesDealInApac();

      // Act
      const task = await eventually(
        async () => {
          const listed = await api<HumanTask[]>('GET', '/tasks', 'carl.cfo');
          return listed.body.find((item) => item.subject.opportunityId?.id === opportunityId);
        },
        30_000,
        'the activation approval to reach the CFO',
      );
      const shown = await psflow('approvals', 'show', task.taskId, '--as', 'carl.cfo');
      const forPracticeLeads = await api<HumanTask[]>('GET', '/tasks?role=practice-lead', 'pat.practice');
      const approved = await psflow('approvals', 'approve', task.taskId, '--as', 'carl.cfo');

      // Assess
      expect(task).toMatchObject({
        level: 1,
        candidateRoles: ['practice-lead'],
        assigneeRole: 'cfo',
        breaches: 0,
        routing: ['no practice lead for managed-services in APAC; escalated at once to cfo'],
      });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('no practice lead for managed-services in APAC; escalated at once to cfo');
      expect(shown.stdout).toMatch(/approval-routing\s+escalate\s+no practice lead for managed-services in APAC/);
      expect(forPracticeLeads.body.map((item) => item.taskId)).not.toContain(task.taskId);
      expect(approved).toMatchObject({ code: 0, stdout: expect.stringContaining(`approved ${task.taskId}`) });
    });
  });
});
