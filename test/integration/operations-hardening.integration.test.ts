import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import { runPsflow, type CliResult } from '../support/psflow-cli';
import { clientConfig, eventually, type LocalCloudProcess, startLocalCloud, temporaryDataDirectory } from '../support/local-cloud-process';

/**
 * What the outside probe of issue 11 found in the operations API, end to end against a local
 * cloud: hostile sizes, patches that would change what was approved, who may act on what, and
 * approvals nobody can decide. People act through the real CLI and HTTP API.
 */
const DRILL_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-operations-drill';
const EXCEPTIONS_TABLE = 'psflow-dev-exceptions';
const LEDGER_TABLE = 'psflow-dev-drill-ledger';

/** 500 EUR in cents: under the drill's 1k EUR band, so the policy approves it without a person. */
const FIVE_HUNDRED_EUR = 50_000;

interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

interface Refusal {
  readonly error?: string;
  readonly message: string;
}

interface Drill {
  readonly drillId: string;
  readonly executionArn: string;
}

describe('operations hardening through the CLI and the HTTP API', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('operations-hardening'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    sfn = new SFNClient(clientConfig(cloud.url));
  });

  afterAll(async () => {
    documents?.destroy();
    sfn?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);

  async function api<T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: unknown): Promise<ApiAnswer<T>> {
    return rawApi<T>(method, route, as, body === undefined ? undefined : JSON.stringify(body));
  }

  async function rawApi<T>(method: 'GET' | 'POST', route: string, as: string | undefined, body?: string): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (as !== undefined) headers['x-psflow-user'] = as;
    const response = await fetch(`${cloud.url}/api${route}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function startDrill(options: { amountMinor: number; failWith: 'none' | 'permanent'; region?: string; practice?: string }): Promise<Drill> {
    const drillId = `drill-${randomUUID()}`;
    const input = {
      drillId,
      requestedBy: 'sally.sales',
      title: `Drill ${drillId}`,
      amount: { amountMinor: options.amountMinor, currency: 'EUR' },
      region: options.region ?? 'EMEA',
      practice: options.practice ?? 'cloud-strategy',
      clientId: { system: 'salesforce', id: `client-${randomUUID()}` },
      failWith: options.failWith,
    };
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: DRILL_MACHINE_ARN, name: drillId, input: JSON.stringify(input) }));
    return { drillId, executionArn: executionArn as string };
  }

  async function exceptionOf(drill: Drill): Promise<WorkflowException> {
    return eventually(async () => {
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName: EXCEPTIONS_TABLE,
          IndexName: 'byExecutionStep',
          KeyConditionExpression: 'executionStep = :key',
          ExpressionAttributeValues: { ':key': `${drill.executionArn}#PostDrillEntry` },
        }),
      );
      return (Items as WorkflowException[]).find((item) => item.attempt === 1);
    }, 20_000, `the exception of ${drill.drillId}`);
  }

  async function finished(drill: Drill): Promise<DescribeExecutionCommandOutput> {
    return eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: drill.executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    }, 20_000, `${drill.drillId} to finish`);
  }

  async function ledgerEntry(drill: Drill): Promise<Record<string, unknown> | undefined> {
    const { Item } = await documents.send(new GetCommand({ TableName: LEDGER_TABLE, Key: { ledgerKey: `entry#${drill.drillId}` }, ConsistentRead: true }));
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
      const huge = await api<Refusal>('POST', retry, 'fiona.finance', { patch: [{ op: 'replace', path: '/drillId', value: 'x'.repeat(7.7 * 1024 * 1024) }] });
      const deep = await rawApi<Refusal>('POST', retry, 'fiona.finance', `{"patch":[{"op":"replace","path":"/failWith","value":${'{"n":'.repeat(5000)}0${'}'.repeat(5000)}}]}`);
      const tooDeepForDynamoDb = await rawApi<Refusal>('POST', retry, 'fiona.finance', `{"patch":[{"op":"replace","path":"/failWith","value":${'{"n":'.repeat(40)}0${'}'.repeat(40)}}]}`);
      const large = await api<Refusal>('POST', retry, 'fiona.finance', { patch: [{ op: 'replace', path: '/drillId', value: 'x'.repeat(3 * 1024 * 1024) }] });
      const health = await fetch(`${cloud.url}/_psflow/health`);
      const after = await api<WorkflowException>('GET', `/exceptions/${filed.exceptionId}`, 'fiona.finance');

      // Assess
      expect(longId).toEqual({ status: 400, body: { error: 'InvalidRequest', message: 'taskId is 3000 characters long; an id has at most 256' } });
      expect(huge).toEqual({ status: 413, body: { message: 'Request Too Long' } });
      expect(deep).toEqual({ status: 400, body: { error: 'InvalidRequest', message: 'the body nests more than 64 levels deep' } });
      expect(tooDeepForDynamoDb).toMatchObject({ status: 400, body: { error: 'InvalidRequest', message: expect.stringContaining('the patch nests more than 31 levels deep') } });
      expect(large).toMatchObject({ status: 400, body: { error: 'InvalidRequest', message: expect.stringContaining('a workflow state holds at most 262144 bytes') } });
      expect(health.status).toBe(200);
      expect(after).toMatchObject({ status: 200, body: { status: 'open' } });
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
      const refusedByApi = await api<Refusal>('POST', `/exceptions/${filed.exceptionId}/retry`, 'fiona.finance', { patch: JSON.parse(raise) as unknown });
      const refusedByCli = await psflow('exceptions', 'retry', filed.exceptionId, '--patch', raise, '--as', 'fiona.finance');
      const postedMeanwhile = await ledgerEntry(drill);
      const retried = await psflow('exceptions', 'retry', filed.exceptionId, '--patch', '[{"op":"replace","path":"/failWith","value":"none"}]', '--as', 'fiona.finance');
      const execution = await finished(drill);

      // Assess
      expect(refusedByApi).toMatchObject({ status: 409, body: { error: 'ChangesApprovedFields', message: expect.stringContaining('operation 0 (replace /amount/amountMinor) changes /amount') } });
      expect(refusedByCli).toMatchObject({ code: 1, stderr: expect.stringContaining('the patch changes what was approved') });
      expect(postedMeanwhile).toBeUndefined();
      expect(retried.code).toBe(0);
      expect(execution.status).toBe('SUCCEEDED');
      expect(await ledgerEntry(drill)).toMatchObject({ amount: { amountMinor: FIVE_HUNDRED_EUR, currency: 'EUR' } });
    });
  });
});
