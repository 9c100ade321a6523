import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-log';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { runPsflow, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * The directory as data: the local cloud seeds the demo users into its directory table, an
 * admin changes grants through the real CLI, and the next decision sees the change with no
 * redeploy. Tasks are read back from DynamoDB and executions from Step Functions with the SDK.
 */
const DRILL_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-operations-drill';
const TASKS_TABLE = 'psflow-dev-human-tasks';
/** 5,000 EUR in cents: one level, the delivery lead. */
const ONE_LEVEL = 500_000;

interface ApiAnswer {
  readonly status: number;
  readonly body: { error?: string; message?: string };
}

describe('the directory as data', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('directory'), ['--no-seed']);
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

  async function api(
    method: 'GET' | 'POST',
    route: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<ApiAnswer> {
    const response = await fetch(`${cloud.url}/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiAnswer['body'] };
  }

  /** Starts a one-level drill in EMEA and answers its open delivery-lead task. */
  async function openDrillTask(): Promise<{ task: HumanTask; executionArn: string }> {
    const drillId = `drill-${randomUUID()}`;
    const input = {
      drillId,
      requestedBy: 'sally.sales',
      title: `Drill ${drillId}`,
      amount: { amountMinor: ONE_LEVEL, currency: 'EUR' },
      region: 'EMEA',
      practice: 'cloud-strategy',
      clientId: { system: 'salesforce', id: `client-${randomUUID()}` },
      failWith: 'none',
    };
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: DRILL_MACHINE_ARN, name: drillId, input: JSON.stringify(input) }),
    );
    const task = await eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: TASKS_TABLE,
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${executionArn}#CollectDrillApprovals` },
          }),
        );
        return (Items as HumanTask[])[0];
      },
      20_000,
      `the task of ${drillId}`,
    );
    return { task, executionArn };
  }

  it('applies a grant to the next decision, with no redeploy, and audits it', async () => {
    // Prepare: the staffing manager holds no delivery-lead grant, so may not decide the task.
    const { task, executionArn } = await openDrillTask();
    const before = await psflow('approvals', 'approve', task.taskId, '--as', 'sam.staffing');

    // Act
    const granted = await psflow(
      'users',
      'grant',
      'sam.staffing',
      '--role',
      'delivery-lead',
      '--regions',
      'EMEA',
      '--note',
      'cover for Dana',
      '--as',
      'ada.admin',
    );
    const after = await psflow('approvals', 'approve', task.taskId, '--as', 'sam.staffing');

    // Assess
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/sam\.staffing/);
    expect(granted).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('sam.staffing now holds: staffing-manager; delivery-lead (EMEA)'),
    });
    expect(after.code).toBe(0);
    const finished = await eventually(
      async () => {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return described.status === 'RUNNING' ? undefined : described;
      },
      20_000,
      'the drill to finish',
    );
    expect(finished.status).toBe('SUCCEEDED');
    const audit = await api('GET', '/audit/user/sam.staffing', { 'x-psflow-user': 'ada.admin' });
    expect(audit.body).toEqual([
      expect.objectContaining({
        action: 'grant',
        actor: 'ada.admin',
        why: 'grant delivery-lead (regions EMEA): cover for Dana',
      }),
    ] satisfies Partial<AuditEntry>[]);
  });

  it('refuses a decision by someone whose role was revoked', async () => {
    // Prepare
    const { task } = await openDrillTask();

    // Act
    const revoked = await psflow(
      'users',
      'revoke',
      'dana.delivery',
      '--role',
      'delivery-lead',
      '--regions',
      'EMEA',
      '--as',
      'ada.admin',
    );
    const decision = await api(
      'POST',
      `/tasks/${task.taskId}/decision`,
      { 'x-psflow-user': 'dana.delivery' },
      { decision: 'approve' },
    );

    // Assess
    expect(revoked.code).toBe(0);
    expect(decision.status).toBe(403);
  });

  it('refuses an admin granting a role to themselves', async () => {
    // Act
    const result = await psflow('users', 'grant', 'ada.admin', '--role', 'cfo', '--as', 'ada.admin');

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/separation of duties/);
  });

  it('refuses a token whose subject is not in the directory', async () => {
    // Prepare: a JWT (the local API decodes without verifying) naming a subject nobody has, with a known username.
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: `unknown-${randomUUID()}`, username: 'carl.cfo' })}.signature`;

    // Act
    const answer = await api('GET', '/tasks', { authorization: `Bearer ${token}` });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.message).toMatch(/is not in the directory/);
  });

  it('compiles no demo user into any function bundle', () => {
    // Prepare: the bundles the current synth deploys (cdk.out keeps older assets beside them).
    const cdkOut = path.resolve(__dirname, '..', '..', 'cdk.out');
    const manifest = JSON.parse(fs.readFileSync(path.join(cdkOut, 'psflow-dev.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const bundles = Object.values(manifest.files)
      .map((asset) => path.join(cdkOut, asset.source.path, 'index.js'))
      .filter((file) => fs.existsSync(file));

    // Act
    const withDemoUsers = bundles.filter((file) => fs.readFileSync(file, 'utf8').includes('pat.practice'));

    // Assess
    expect(bundles.length).toBeGreaterThan(0);
    expect(withDemoUsers).toEqual([]);
  });
});
