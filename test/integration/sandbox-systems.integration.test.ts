import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PermanentConnectorError, RetryableConnectorError } from '../../shared/connectors/connector-errors';
import type { CrmAccountFacts, CrmOpportunityFacts } from '../../shared/connectors/crm/crm-connector';
import type { ErpProject, ErpProjectRequest } from '../../shared/connectors/erp/erp-connector';
import { IDEMPOTENCY_CONFLICT } from '../../shared/connectors/idempotency';
import type { PsaProject, PsaProjectRequest } from '../../shared/connectors/psa/psa-connector';
import { SEED_ACCOUNTS, SEED_OPPORTUNITIES, SEED_STATEMENTS_OF_WORK } from '../../shared/connectors/sandbox/crm-seed';
import { SEED_CONSULTANTS } from '../../shared/connectors/sandbox/psa-seed';
import { SEED_PEOPLE } from '../../shared/connectors/sandbox/hris-seed';
import { SandboxCrmConnector } from '../../shared/connectors/sandbox/sandbox-crm-connector';
import { SandboxErpConnector } from '../../shared/connectors/sandbox/sandbox-erp-connector';
import { SandboxPsaConnector } from '../../shared/connectors/sandbox/sandbox-psa-connector';
import { type SandboxRecord, SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { runPsflow, salesforceId, type CliResult } from '../support/psflow-cli';
import {
  clientConfig,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const RECORDS_TABLE = 'psflow-dev-sandbox-records';
const CRM_TABLE = 'psflow-dev-sandbox-crm';
const SYSTEMS = ['erp', 'psa', 'documents'] as const;

/** A deterministic random source (mulberry32), so a fault mix plays out the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function projectRequest(psflowProjectId: string, overrides: Partial<ErpProjectRequest> = {}): ErpProjectRequest {
  return {
    psflowProjectId,
    name: 'Northwind Logistics - ERP Modernisation Phase 1',
    clientId: 'salesforce:0018d00000XyZ12AAB',
    region: 'EMEA',
    practice: 'erp-advisory',
    costCentres: [{ code: 'CC-4100', role: 'Solution Architect', plannedHours: 320 }],
    ...overrides,
  };
}

function psaRequest(psflowProjectId: string): PsaProjectRequest {
  return {
    psflowProjectId,
    name: 'Contoso Retail - Data Platform Assessment',
    clientId: 'salesforce:0018d00000AbC34AAB',
    startDate: '2027-01-04',
    workBreakdown: [
      {
        code: '1',
        name: 'Data Architect (2027-01-04 to 2027-02-26)',
        startDate: '2027-01-04',
        endDate: '2027-02-26',
        plannedHours: 320,
        roleLineIds: ['L1'],
      },
    ],
    roles: [{ lineId: 'L1', role: 'Data Architect', skills: ['snowflake'], hours: 320, workPackage: '1' }],
  };
}

/** Awaits a promise that must reject and returns the rejection. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error('the promise resolved');
}

describe('sandbox systems of record on the local cloud', () => {
  let cloud: LocalCloudProcess;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let workDirectory: string;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('sandbox'));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    // Configured like shared/runtime/aws-clients.ts, as a function using the connectors would be.
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    workDirectory = temporaryDataDirectory('sandbox-files');
  });

  afterEach(async () => {
    // Faults are per system and shared by every test of this file: none may outlive its test.
    const store = new SandboxRecordStore(documents, RECORDS_TABLE);
    for (const system of SYSTEMS) await store.setFaults(system, undefined);
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
    if (workDirectory) fs.rmSync(workDirectory, { recursive: true, force: true });
  });

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);

  /** `psflow sandbox list SYSTEM TYPE --json`, parsed. */
  async function listed(system: string, type: string): Promise<SandboxRecord[]> {
    const result = await psflow('sandbox', 'list', system, type, '--json');
    if (result.code !== 0) throw new Error(`sandbox list failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as SandboxRecord[];
  }

  /** A fresh store, so no fault settings cached by an earlier test apply. */
  function freshStore(random?: () => number): SandboxRecordStore {
    return new SandboxRecordStore(documents, RECORDS_TABLE, random);
  }

  function writeFile(name: string, content: unknown): string {
    const file = path.join(workDirectory, `${randomUUID()}-${name}`);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  }

  it('creates one ERP project for a key used three times, and sandbox list and show find exactly it', async () => {
    // Prepare
    const key = `activation-${randomUUID()}:erp-project`;
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const erp = new SandboxErpConnector(freshStore());

    // Act
    const results: ErpProject[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1)
      results.push(await erp.createProject(key, projectRequest(psflowProjectId)));
    const records = (await listed('erp', 'project')).filter((record) => record.idempotencyKey === key);
    const table = await psflow('sandbox', 'list', 'erp', 'project');
    const shown = await psflow('sandbox', 'show', `erp#project#${results[0].erpProjectId}`);

    // Assess
    expect(new Set(results.map((result) => result.erpProjectId))).toEqual(
      new Set([SandboxRecordStore.idFor('ERP', key)]),
    );
    expect(results.map((result) => result.status)).toEqual(['open', 'open', 'open']);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      ...projectRequest(psflowProjectId),
      id: results[0].erpProjectId,
      status: 'open',
      recordKey: `erp#project#${results[0].erpProjectId}`,
    });
    expect(table.stdout).toMatch(/^ID\s+CREATED\s+STATUS\s+PSFLOW PROJECT\s+KEY/);
    expect(table.stdout).toContain(results[0].erpProjectId);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(records[0]);
  });

  it('refuses the same key for a different project and keeps the first one', async () => {
    // Prepare
    const key = `activation-${randomUUID()}:erp-project`;
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const erp = new SandboxErpConnector(freshStore());
    const first = await erp.createProject(key, projectRequest(psflowProjectId));

    // Act
    const error = await rejection(
      erp.createProject(key, projectRequest(psflowProjectId, { name: 'A different project' })),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain(IDEMPOTENCY_CONFLICT);
    const { Item } = await documents.send(
      new GetCommand({ TableName: RECORDS_TABLE, Key: { recordKey: `erp#project#${first.erpProjectId}` } }),
    );
    expect(Item?.name).toBe(projectRequest(psflowProjectId).name);
  });

  it('throttles every create while faults set through the CLI apply, writes nothing, and creates again once --clear removed them', async () => {
    // Prepare
    const key = `activation-${randomUUID()}:erp-project`;
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const recordKey = `erp#project#${SandboxRecordStore.idFor('ERP', key)}`;

    // Act
    const set = await psflow('sandbox', 'faults', 'erp', '--set', '{"createProject":{"throttleRate":1}}');
    const shownAsJson = await psflow('sandbox', 'faults', 'erp', '--json');
    const refused = await Promise.all(
      [1, 2, 3].map(() =>
        rejection(new SandboxErpConnector(freshStore()).createProject(key, projectRequest(psflowProjectId))),
      ),
    );
    const { Item: duringFaults } = await documents.send(
      new GetCommand({ TableName: RECORDS_TABLE, Key: { recordKey } }),
    );
    const listedDuringFaults = (await listed('erp', 'project')).filter((record) => record.idempotencyKey === key);
    const cleared = await psflow('sandbox', 'faults', 'erp', '--clear');
    const created = await new SandboxErpConnector(freshStore()).createProject(key, projectRequest(psflowProjectId));

    // Assess
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/createProject\s+0\s+1\s+0\s+0\s+0/);
    expect(JSON.parse(shownAsJson.stdout)).toEqual({
      createProject: { latencyMs: 0, throttleRate: 1, unavailableRate: 0, timeoutRate: 0, rejectRate: 0 },
    });
    for (const error of refused) {
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(error.message).toBe('erp.createProject: 429 Too Many Requests (injected)');
    }
    expect(duringFaults).toBeUndefined();
    expect(listedDuringFaults).toEqual([]);
    expect(cleared).toMatchObject({ code: 0, stdout: 'no faults injected into erp\n' });
    expect(created.erpProjectId).toBe(SandboxRecordStore.idFor('ERP', key));
  });

  it('applies faults only to the operation they name', async () => {
    // Prepare
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const erp = new SandboxErpConnector(freshStore());
    const { erpProjectId } = await erp.createProject(
      `activation-${randomUUID()}:erp-project`,
      projectRequest(psflowProjectId),
    );
    await psflow('sandbox', 'faults', 'erp', '--set', '{"setBilling":{"rejectRate":1}}');

    // Act
    const connector = new SandboxErpConnector(freshStore());
    const billing = await rejection(
      connector.setBilling(
        `activation-${randomUUID()}:billing`,
        erpProjectId,
        { kind: 'rate-card', rates: [] },
        psflowProjectId,
      ),
    );
    const budget = await connector.setBudgetBaseline(
      `activation-${randomUUID()}:budget`,
      erpProjectId,
      { amountMinor: 100_000, currency: 'EUR' },
      psflowProjectId,
    );

    // Assess
    expect(billing).toBeInstanceOf(PermanentConnectorError);
    expect(billing.message).toBe('erp.setBilling: validation rejected the request (injected)');
    expect(budget.baselineId).toMatch(/^BUD-/);
  });

  it('ends with exactly one record per key when every call is retried through a 30% mix of faults', async () => {
    // Prepare
    const keys = Array.from({ length: 20 }, (_, index) => `activation-${randomUUID()}:psa-project-${index}`);
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const set = await psflow(
      'sandbox',
      'faults',
      'psa',
      '--set',
      '{"*":{"throttleRate":0.1,"unavailableRate":0.1,"timeoutRate":0.1}}',
    );
    const psa = new SandboxPsaConnector(freshStore(seededRandom(20261120)));
    const faultsSeen: string[] = [];

    // Act: each call is retried with its own key until it succeeds, as a workflow's retry would.
    const created: (PsaProject & { readonly key: string })[] = [];
    for (const key of keys) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          created.push({ key, ...(await psa.createProject(key, psaRequest(psflowProjectId))) });
          break;
        } catch (error) {
          if (!(error instanceof RetryableConnectorError) || attempt >= 30) throw error;
          faultsSeen.push(error.message);
        }
      }
    }
    const records = (await listed('psa', 'project')).filter((record) => keys.includes(String(record.idempotencyKey)));

    // Assess
    expect(set.code).toBe(0);
    expect(faultsSeen.some((message) => message.includes('429'))).toBe(true);
    expect(faultsSeen.some((message) => message.includes('503'))).toBe(true);
    expect(faultsSeen.some((message) => message.includes('timed out'))).toBe(true);
    expect(created.map((result) => result.psaProjectId)).toEqual(
      keys.map((key) => SandboxRecordStore.idFor('PSA', key)),
    );
    expect(records).toHaveLength(20);
    expect(new Set(records.map((record) => record.idempotencyKey))).toEqual(new Set(keys));
  });

  it('keeps compensated records with their status and reason instead of deleting them', async () => {
    // Prepare
    const psflowProjectId = `PRJ-${randomUUID()}`;
    const erp = new SandboxErpConnector(freshStore());
    const { erpProjectId } = await erp.createProject(
      `activation-${randomUUID()}:erp-project`,
      projectRequest(psflowProjectId),
    );
    const { billingId } = await erp.setBilling(
      `activation-${randomUUID()}:billing`,
      erpProjectId,
      { kind: 'rate-card', rates: [] },
      psflowProjectId,
    );

    // Act
    const actions = await erp.compensateProject(psflowProjectId, 'activation aborted by finance.ops');
    const project = await psflow('sandbox', 'show', `erp#project#${erpProjectId}`);
    const billing = (await listed('erp', 'billing')).find((record) => record.id === billingId);

    // Assess
    expect(actions).toEqual([`erp billing ${billingId} voided`, `erp project ${erpProjectId} closed`]);
    expect(JSON.parse(project.stdout)).toMatchObject({
      ...projectRequest(psflowProjectId),
      status: 'closed',
      closedReason: 'activation aborted by finance.ops',
    });
    expect(billing).toMatchObject({ status: 'void', voidReason: 'activation aborted by finance.ops' });
  });

  it('stages CRM records from a load file that SandboxCrmConnector then reads, replacing them on a second load', async () => {
    // Prepare
    const account: CrmAccountFacts = {
      accountId: salesforceId('001'),
      name: 'Load Test GmbH',
      region: 'EMEA',
      isNewClient: true,
    };
    const opportunity: CrmOpportunityFacts = {
      opportunityId: salesforceId('006'),
      accountId: account.accountId,
      name: 'Load Test - Data Platform',
      stage: 'Closed Won',
      isWon: true,
      isClosed: true,
      amount: 125000.5,
      currency: 'EUR',
      closeDate: '2026-11-20',
      region: 'EMEA',
      practice: 'Data Engineering',
      billingModel: 'Fixed Fee',
      discountPercent: null,
    };
    const file = writeFile('crm.json', { accounts: [account], opportunities: [opportunity] });
    const renamed = writeFile('crm-renamed.json', { accounts: [{ ...account, name: 'Load Test AG' }] });
    const crm = new SandboxCrmConnector(documents, CRM_TABLE);

    // Act
    const loaded = await psflow('sandbox', 'load', file);
    const readOpportunity = await crm.getOpportunity(opportunity.opportunityId);
    const readAccount = await crm.getAccount(account.accountId);
    const reloaded = await psflow('sandbox', 'load', renamed, '--json');
    const readAgain = await crm.getAccount(account.accountId);

    // Assess
    expect(loaded).toMatchObject({
      code: 0,
      stdout: 'loaded 1 account(s), 1 opportunity(ies) and 0 statement(s) of work into the sandbox CRM\n',
    });
    expect(readOpportunity).toEqual(opportunity);
    expect(readAccount).toEqual(account);
    expect(JSON.parse(reloaded.stdout)).toEqual({
      accounts: 1,
      opportunities: 0,
      statementsOfWork: 0,
      people: 0,
      leave: 0,
      holidays: 0,
      bookings: 0,
      refused: [],
    });
    expect(readAgain).toEqual({ ...account, name: 'Load Test AG' });
  });

  it('refuses an invalid load file with the path of each bad field and loads none of it', async () => {
    // Prepare
    const accountId = salesforceId('001');
    const file = writeFile('invalid.json', {
      accounts: [{ accountId, name: 'Never Loaded Ltd' }],
      opportunities: [{ opportunityId: salesforceId('006'), amount: 'a lot' }],
    });
    const notJson = writeFile('broken.json', '{ "accounts": [');

    // Act
    const invalid = await psflow('sandbox', 'load', file);
    const broken = await psflow('sandbox', 'load', notJson);
    const missing = await psflow('sandbox', 'load', path.join(workDirectory, 'does-not-exist.json'));
    const account = await new SandboxCrmConnector(documents, CRM_TABLE).getAccount(accountId);

    // Assess
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(file);
    expect(invalid.stderr).toContain('opportunities.0.amount');
    expect(account).toBeUndefined();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`cannot read ${notJson}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does-not-exist.json');
  });

  it('seeds the demo data where it is missing, keeps what exists, and says how much it wrote', async () => {
    // Prepare: the local cloud seeded at start; one demo account is gone, another was restaged.
    const total =
      SEED_ACCOUNTS.length +
      SEED_OPPORTUNITIES.length +
      SEED_STATEMENTS_OF_WORK.length +
      SEED_CONSULTANTS.length +
      SEED_PEOPLE.length;
    const [restaged, removed] = [SEED_ACCOUNTS[0], SEED_ACCOUNTS[SEED_ACCOUNTS.length - 1]];
    await documents.send(
      new DeleteCommand({ TableName: CRM_TABLE, Key: { recordKey: `Account#${removed.accountId}` } }),
    );
    await documents.send(
      new PutCommand({
        TableName: CRM_TABLE,
        Item: { recordKey: `Account#${restaged.accountId}`, ...restaged, name: 'Restaged by a test' },
      }),
    );
    const crm = new SandboxCrmConnector(documents, CRM_TABLE);

    // Act
    const seeded = await psflow('sandbox', 'seed');
    const again = await psflow('sandbox', 'seed', '--json');

    // Assess
    expect(seeded).toMatchObject({ code: 0, stdout: `1 demo record(s) written, ${total - 1} already present\n` });
    expect(JSON.parse(again.stdout)).toEqual({ written: 0, kept: total });
    expect(await crm.getAccount(removed.accountId)).toEqual(removed);
    expect((await crm.getAccount(restaged.accountId))?.name).toBe('Restaged by a test');
  });

  it.each([
    [
      'an unknown system for sandbox list',
      ['sandbox', 'list', 'billing-system', 'project'],
      'name a sandbox system: erp, psa, documents',
    ],
    [
      'an unknown system for sandbox faults',
      ['sandbox', 'faults', 'crm'],
      'name a sandbox system: erp, psa, documents',
    ],
    ['sandbox list without a type', ['sandbox', 'list', 'erp'], 'psflow sandbox list SYSTEM TYPE'],
    [
      'an unknown record key',
      ['sandbox', 'show', 'erp#project#ERP-0000000000000000'],
      'no sandbox record erp#project#ERP-0000000000000000',
    ],
    [
      'faults out of range',
      ['sandbox', 'faults', 'erp', '--set', '{"createProject":{"throttleRate":2}}'],
      '--set: createProject.throttleRate',
    ],
    ['faults that are not JSON', ['sandbox', 'faults', 'erp', '--set', '{throttle'], '--set is not JSON'],
    [
      '--set together with --clear',
      ['sandbox', 'faults', 'erp', '--set', '{}', '--clear'],
      '--set and --clear exclude each other',
    ],
    ['an extra argument', ['sandbox', 'list', 'erp', 'project', 'extra'], 'unexpected argument "extra"'],
  ])('exits 1 and explains %s', async (_label, args, message) => {
    // Act
    const result = await psflow(...args);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('leaves the faults unchanged when --set is refused, and lists the sandbox commands in --help', async () => {
    // Prepare
    await psflow('sandbox', 'faults', 'documents', '--set', '{"fileDocument":{"latencyMs":5}}');

    // Act
    const refused = await psflow('sandbox', 'faults', 'documents', '--set', '{"fileDocument":{"latencyMs":-1}}');
    const shown = await psflow('sandbox', 'faults', 'documents', '--json');
    const help = await psflow('--help');

    // Assess
    expect(refused.code).toBe(1);
    expect(JSON.parse(shown.stdout)).toEqual({
      fileDocument: { latencyMs: 5, throttleRate: 0, unavailableRate: 0, timeoutRate: 0, rejectRate: 0 },
    });
    for (const command of [
      'sandbox list SYSTEM TYPE',
      'sandbox show KEY',
      'sandbox faults SYSTEM',
      'sandbox load FILE',
      'sandbox seed',
    ])
      expect(help.stdout).toContain(command);
  });
});
