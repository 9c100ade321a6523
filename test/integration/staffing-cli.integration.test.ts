import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SandboxHrisConnector } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { SandboxPsaConnector } from '../../shared/connectors/sandbox/sandbox-psa-connector';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { runPsflow, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const BOOKINGS_TABLE = 'psflow-dev-sandbox-bookings';
/** Northwind Logistics, an EMEA account of the seeded sandbox CRM. */
const EMEA_CLIENT = 'salesforce:0018d00000XyZ12AAB';

interface ListedRequest {
  readonly requestId: string;
  readonly status: string;
}

interface ListedTask {
  readonly taskId: string;
  readonly subject: { readonly projectId?: { readonly id: string } };
}

describe('psflow staffing against the local cloud', () => {
  let cloud: LocalCloudProcess;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  const run = randomUUID().slice(0, 8);
  const skill = `cli-${run}-dbt`;
  const projectId = `prj-staffing-cli-${run}`;
  const ada = `${run}-ada`;
  const ben = `${run}-ben`;
  const cy = `${run}-cy`;
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-staffing-cli-'));

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);

  /** A request file as `psflow staffing request` reads it. */
  function requestFile(name: string, roleLine: Record<string, unknown>): string {
    const file = path.join(files, `${name}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        projectId,
        roleLine: {
          role: 'Analytics Engineer',
          skills: [skill],
          hours: 160,
          rate: { amountMinor: 16000, currency: 'EUR' },
          startDate: '2027-04-05',
          endDate: '2027-04-30',
          ...roleLine,
        },
      }),
    );
    return file;
  }

  /** Waits until `psflow staffing requests --status all --json` lists the request with the status. */
  function listedAs(requestId: string, status: string): Promise<ListedRequest> {
    return eventually(
      async () => {
        const listed = await psflow('staffing', 'requests', '--status', 'all', '--json');
        const requests = JSON.parse(listed.stdout || '[]') as ListedRequest[];
        return requests.find((request) => request.requestId === requestId && request.status === status);
      },
      90_000,
      `staffing request ${requestId} to be ${status}`,
    );
  }

  /** Waits for the user's open approval task on this test's project. */
  function taskFor(user: string): Promise<ListedTask> {
    return eventually(
      async () => {
        const listed = await psflow('approvals', 'list', '--as', user, '--json');
        const tasks = JSON.parse(listed.stdout || '[]') as ListedTask[];
        return tasks.find((task) => task.subject.projectId?.id === projectId);
      },
      60_000,
      `an approval task for ${user}`,
    );
  }

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('staffing-cli'));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
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
      personId: ada,
      name: 'Ada Cli',
      costRateMinor: 8000,
      skills: [{ skill, proficiency: 5 }],
    });
    await hris.putPerson({
      ...base,
      personId: ben,
      name: 'Ben Cli',
      costRateMinor: 7000,
      skills: [{ skill, proficiency: 4 }],
    });
    await hris.putPerson({
      ...base,
      personId: cy,
      name: 'Cy Cli',
      costRateMinor: 6000,
      skills: [{ skill, proficiency: 2 }],
    });
    const psa = new SandboxPsaConnector(new SandboxRecordStore(documents, 'psflow-dev-sandbox-records'));
    await psa.createProject(`cli-${run}`, {
      psflowProjectId: projectId,
      name: 'Northwind staffing CLI test',
      clientId: EMEA_CLIENT,
      startDate: '2027-04-05',
      workBreakdown: [],
      roles: [],
    });
  }, 120_000);

  afterAll(async () => {
    dynamodb?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
    fs.rmSync(files, { recursive: true, force: true });
  });

  it('requests a role from a file, lists, shows and explains it, and the manager picks the second candidate', async () => {
    // Prepare
    const requestId = `${projectId}:L1`;
    const file = requestFile('l1', { lineId: 'L1' });

    // Act
    const requested = await psflow('staffing', 'request', file, '--as', 'sally.sales');
    await listedAs(requestId, 'on-hold');
    const table = await psflow('staffing', 'requests');
    const assignedBefore = await psflow('staffing', 'requests', '--status', 'assigned', '--json');
    const shown = await psflow('staffing', 'show', requestId);
    const candidates = await psflow('staffing', 'candidates', requestId);
    const candidatesJson = JSON.parse((await psflow('staffing', 'candidates', requestId, '--json')).stdout) as {
      candidates: Array<{ personId: string; rank: number; factors: Record<string, { explanation: string }> }>;
    };
    const decision = await taskFor('sam.staffing');
    const ownDecision = await psflow('approvals', 'approve', decision.taskId, '--as', 'sally.sales');
    const picked = await psflow(
      'approvals',
      'approve',
      decision.taskId,
      '--comment',
      `pick ${ben}`,
      '--as',
      'sam.staffing',
    );
    const confirmation = await taskFor('dana.delivery');
    const confirmed = await psflow('approvals', 'approve', confirmation.taskId, '--as', 'dana.delivery');
    await listedAs(requestId, 'assigned');
    const shownAssigned = await psflow('staffing', 'show', requestId);
    const assignedJson = JSON.parse((await psflow('staffing', 'show', requestId, '--json')).stdout) as {
      status: string;
      outcome?: string;
    };
    const { Item: booking } = await documents.send(
      new GetCommand({
        TableName: BOOKINGS_TABLE,
        Key: { pk: `BOOKING#${requestId}#${ben}`, sk: 'BOOKING' },
        ConsistentRead: true,
      }),
    );

    // Assess
    expect(requested).toMatchObject({ code: 0, stdout: expect.stringContaining(`requested staffing ${requestId}`) });
    expect(table.stdout).toMatch(/^REQUEST\s+STATUS\s+ROLE\s+PROPOSAL\s+UPDATED/);
    expect(table.stdout).toMatch(new RegExp(`${requestId}\\s+on-hold\\s+Analytics Engineer\\s+single\\s`));
    expect((JSON.parse(assignedBefore.stdout) as ListedRequest[]).map((request) => request.requestId)).not.toContain(
      requestId,
    );
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${requestId}: on-hold`);
    expect(shown.stdout).toContain(`role: Analytics Engineer on ${projectId}`);
    expect(shown.stdout).toContain('proposal (single): Ada Cli is free for every requested hour and ranks first');
    expect(shown.stdout).toContain(
      'excluded of 3 considered: region 0, skills 1, certification 0, leave 0, capacity 0',
    );
    expect(candidates.stdout).toMatch(new RegExp(`^1\\. Ada Cli \\(${ada}, consultant, EMEA\\) score [0-9.]+$`, 'm'));
    expect(candidates.stdout).toMatch(new RegExp(`^2\\. Ben Cli \\(${ben}, consultant, EMEA\\) score [0-9.]+$`, 'm'));
    expect(candidates.stdout).toMatch(/^FACTOR\s+SCORE\s+WEIGHT\s+WHY/m);
    expect(candidates.stdout).toContain(`${skill} 5/5 (minimum 3)`);
    expect(candidates.stdout).toContain('available 40 of 40 h/week from 2027-04-05');
    expect(candidates.stdout).toContain(`Cy Cli (skills): ${skill} 2/5, below the minimum 3`);
    expect(candidatesJson.candidates.map((candidate) => candidate.personId)).toEqual([ada, ben]);
    expect(Object.keys(candidatesJson.candidates[0].factors).sort()).toEqual(
      ['availability', 'continuity', 'margin', 'skillFit', 'timeZone', 'utilisation'].sort(),
    );
    expect(ownDecision.code).not.toBe(0);
    expect(ownDecision.stderr).toMatch(/requested|separation|own|may not/i);
    expect(picked.code).toBe(0);
    expect(confirmed.code).toBe(0);
    expect(assignedJson).toMatchObject({ status: 'assigned', outcome: 'assigned' });
    expect(shownAssigned.stdout).toContain(`${requestId}: assigned`);
    expect(shownAssigned.stdout).toContain('outcome: assigned');
    expect(booking).toEqual(expect.objectContaining({ kind: 'hard', status: 'active', personId: ben }));
  }, 300_000);

  it('shows why a held request was held, and that it has no candidates', async () => {
    // Prepare
    const requestId = `${projectId}:L2`;
    const file = requestFile('l2', { lineId: 'L2', skills: ['cobol-on-mars'] });

    // Act
    const requested = await psflow('staffing', 'request', file, '--as', 'sally.sales');
    await listedAs(requestId, 'held');
    const open = await psflow('staffing', 'requests', '--status', 'held');
    const shown = await psflow('staffing', 'show', requestId);
    const candidates = await psflow('staffing', 'candidates', requestId);

    // Assess
    expect(requested.code).toBe(0);
    expect(open.stdout).toMatch(new RegExp(`${requestId}\\s+held\\s+Analytics Engineer\\s+held: 1 problem\\(s\\)`));
    expect(shown.stdout).toContain(`${requestId}: held`);
    expect(shown.stdout).toContain(`role: Analytics Engineer on ${projectId}`);
    expect(shown.stdout).toContain('held: ');
    expect(shown.stdout).toContain('unknown skill(s) cobol-on-mars');
    expect(candidates).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`request ${requestId} has no recommendation yet (held)`),
    });
  }, 180_000);

  it('explains unknown requests, bad arguments and bad files, and documents the commands', async () => {
    // Prepare
    const notJson = path.join(files, 'not.json');
    fs.writeFileSync(notJson, 'projectId: nope');
    const noProject = path.join(files, 'no-project.json');
    fs.writeFileSync(noProject, JSON.stringify({ roleLine: {} }));

    // Act
    const unknownShow = await psflow('staffing', 'show', `${projectId}:L404`);
    const unknownCandidates = await psflow('staffing', 'candidates', `${projectId}:L404`);
    const missingId = await psflow('staffing', 'show');
    const badStatus = await psflow('staffing', 'requests', '--status', 'sleeping');
    const extraArgument = await psflow('staffing', 'show', `${projectId}:L1`, 'surplus');
    const unknownCommand = await psflow('staffing', 'frobnicate');
    const missingFile = await psflow('staffing', 'request');
    const absentFile = await psflow('staffing', 'request', path.join(files, 'absent.json'));
    const unreadable = await psflow('staffing', 'request', notJson);
    const incomplete = await psflow('staffing', 'request', noProject);
    const help = await psflow('staffing', '--help');

    // Assess
    expect(unknownShow).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`no staffing request ${projectId}:L404`),
    });
    expect(unknownCandidates).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`no staffing request ${projectId}:L404`),
    });
    expect(missingId).toMatchObject({ code: 1, stderr: expect.stringContaining('name a staffing request') });
    expect(badStatus).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--status must be open, all or one of held, recommended'),
    });
    expect(badStatus.stderr).toContain('not sleeping');
    expect(extraArgument).toMatchObject({ code: 1, stderr: expect.stringContaining('unexpected argument "surplus"') });
    expect(unknownCommand).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown command "staffing frobnicate"'),
    });
    expect(missingFile).toMatchObject({ code: 1, stderr: expect.stringContaining('psflow staffing request FILE') });
    expect(absentFile).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`cannot read ${path.join(files, 'absent.json')}`),
    });
    expect(unreadable).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot read ${notJson}`) });
    expect(incomplete).toMatchObject({ code: 1, stderr: expect.stringContaining(`${noProject}: projectId:`) });
    for (const result of [
      unknownShow,
      unknownCandidates,
      missingId,
      badStatus,
      extraArgument,
      unknownCommand,
      absentFile,
    ])
      expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(help.code).toBe(0);
    for (const usage of [
      'staffing requests [--status open|all|S]',
      'staffing show <REQUEST>',
      'staffing candidates <REQUEST>',
      'staffing request <FILE>',
    ])
      expect(help.stdout).toContain(usage);
  }, 120_000);
});
