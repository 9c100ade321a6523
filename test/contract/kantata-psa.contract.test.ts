import { KantataBillingRecords, monthRange } from '../../shared/connectors/kantata/kantata-billing-records';
import { KantataApi, KANTATA_PAGE_SIZE } from '../../shared/connectors/kantata/kantata-client';
import { KantataPsaConnector, phaseTitle } from '../../shared/connectors/kantata/kantata-psa-connector';
import type { ProjectPeriodRecords, PsaBillingRecords } from '../../shared/connectors/psa/psa-billing-records';
import type { PsaProjectRequest } from '../../shared/connectors/psa/psa-connector';
import { isTraceparent } from '../../shared/integrations/trace-context';
import { PermanentVendorError, RetryableVendorError } from '../../shared/integrations/vendor-errors';
import { FakeKantata } from '../fixtures/vendor-kantata/fake-kantata';
import { contractClient, MapSecrets } from './contract-harness';

const SECRET = 'psflow/test/kantata';
const REQUEST: PsaProjectRequest = {
  psflowProjectId: 'prj-0068d00000B7kQwAAJ',
  name: 'Acme ERP rollout',
  clientId: 'cli-0018d00000C1aBcAAJ',
  startDate: '2027-02-01',
  endDate: '2027-06-30',
  workBreakdown: [
    {
      code: '1',
      name: 'Discovery',
      startDate: '2027-02-01',
      endDate: '2027-02-28',
      plannedHours: 120,
      roleLineIds: ['L1'],
    },
    {
      code: '2',
      name: 'Build',
      startDate: '2027-03-01',
      endDate: '2027-06-30',
      plannedHours: 600,
      roleLineIds: ['L2'],
    },
  ],
  roles: [
    { lineId: 'L1', role: 'Solution Architect', skills: ['sap-fi'], hours: 120, workPackage: '1' },
    { lineId: 'L2', role: 'Consultant', skills: [], hours: 600, workPackage: '2' },
  ],
};

/** The records billing keeps outside Kantata: none, in these tests. */
const NO_OTHER_RECORDS: PsaBillingRecords = {
  recordsFor: async (): Promise<ProjectPeriodRecords> => ({ timeEntries: [], expenses: [], milestones: [] }),
  projectsWithRecords: async () => [],
};

describe('Kantata PSA connectors against a fake Kantata OX (API v1)', () => {
  let fake: FakeKantata;
  let store: Record<string, string>;

  beforeEach(async () => {
    fake = new FakeKantata();
    await fake.server.start();
    store = { [SECRET]: fake.secret() };
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function connectors(overrides = {}) {
    const harness = contractClient('kantata-api', 'psa', overrides);
    const secrets = new MapSecrets(store);
    const api = new KantataApi(harness.http, secrets, SECRET);
    return {
      ...harness,
      secrets,
      psa: new KantataPsaConnector(api),
      billing: new KantataBillingRecords(api, NO_OTHER_RECORDS),
    };
  }

  const posts = () => fake.server.requests.filter((request) => request.method === 'POST');

  it('creates the workspace, its phases and its resources once, however often it is asked', async () => {
    // Prepare
    const { psa, calls } = connectors();

    // Act
    const first = await psa.createProject('k1', REQUEST);
    const again = await psa.createProject('k1', REQUEST);

    // Assess
    expect(again).toEqual(first);
    expect(first.status).toBe('active');
    expect([...fake.table('workspaces').values()]).toEqual([
      expect.objectContaining({ id: first.psaProjectId, title: 'Acme ERP rollout', creator_role: 'maven' }),
    ]);
    expect([...fake.table('external_references').values()][0]).toMatchObject({
      service_name: 'psflow',
      service_model_ref: REQUEST.psflowProjectId,
    });
    expect([...fake.table('stories').values()].map((story) => story.title)).toEqual([
      phaseTitle('1', 'Discovery'),
      phaseTitle('2', 'Build'),
    ]);
    expect([...fake.table('stories').values()][1]).toMatchObject({
      story_type: 'deliverable',
      time_estimate_in_minutes: 36000,
    });
    expect(fake.table('workspace_resources').size).toBe(2);
    // One workspace, one bulk of stories, one bulk of resources: the repeat wrote nothing.
    expect(posts().map((request) => Object.keys(JSON.parse(request.body) as object))).toEqual([
      ['workspace'],
      ['stories'],
      ['workspace_resources'],
    ]);
    const request = fake.server.requests[0];
    expect(request.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(request.path).toBe('/api/v1/workspaces.json');
    expect(request.query.get('per_page')).toBe(String(KANTATA_PAGE_SIZE));
    expect(isTraceparent(String(request.headers.traceparent))).toBe(true);
    expect(JSON.stringify(calls)).not.toContain(fake.token);
  });

  it('reports a partial failure of a bulk create, saying what exists, and resumes on retry', async () => {
    // Prepare
    const { psa } = connectors();
    fake.bulkLimit = { collection: 'workspace_resources', created: 1 };

    // Act
    const failure = psa.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(
      /partial-failure \(permanent\): partial failure: workspace \d+ created, 2 phase\(s\) created, then .*bulk create of 2 workspace_resources answered with 1.*a retry resumes/,
    );
    fake.bulkLimit = undefined;
    const project = await psa.createProject('k1', REQUEST);
    expect(fake.table('workspaces').size).toBe(1);
    expect(fake.table('stories').size).toBe(2);
    expect([...fake.table('workspace_resources').values()].map((resource) => resource.workspace_id)).toEqual([
      project.psaProjectId,
      project.psaProjectId,
    ]);
  });

  it('names a role the Kantata account does not have', async () => {
    // Prepare
    const { psa } = connectors();
    const request = { ...REQUEST, roles: [{ ...REQUEST.roles[0], role: 'Quantum Whisperer' }] };

    // Act
    const failure = psa.createProject('k1', request);

    // Assess
    await expect(failure).rejects.toThrow(/no Kantata role named "Quantum Whisperer"/);
    expect(fake.table('workspace_resources').size).toBe(0);
  });

  it('archives the workspace and posts the reason on compensation, never deletes', async () => {
    // Prepare
    const { psa } = connectors();
    const project = await psa.createProject('k1', REQUEST);

    // Act
    const done = await psa.compensateProject(REQUEST.psflowProjectId, 'deal aborted');
    const repeat = await psa.compensateProject(REQUEST.psflowProjectId, 'deal aborted');

    // Assess
    expect(done).toEqual([`workspace ${project.psaProjectId} archived`]);
    expect(repeat).toEqual([]);
    expect(fake.table('workspaces').get(project.psaProjectId)?.archived).toBe(true);
    expect([...fake.table('posts').values()]).toEqual([
      expect.objectContaining({ workspace_id: project.psaProjectId, message: 'Closed by psflow: deal aborted' }),
    ]);
    expect(fake.server.requests.some((request) => request.method === 'DELETE')).toBe(false);
  });

  it('reads a rotated token from the secret after a 401, since Kantata tokens have no refresh flow', async () => {
    // Prepare
    const { psa } = connectors();
    await psa.createProject('k1', REQUEST);
    fake.rotateToken();
    store[SECRET] = fake.secret();

    // Act
    const project = await psa.createProject('k1', REQUEST);

    // Assess
    expect(project.status).toBe('active');
    const refused = fake.server.requests.filter((request) => request.headers.authorization !== `Bearer ${fake.token}`);
    expect(refused.length).toBeGreaterThan(0);
    expect(fake.server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('stops with a clear, permanent error when the token was revoked and none replaces it', async () => {
    // Prepare
    const { psa } = connectors();
    const revoked = fake.token;
    fake.rotateToken();

    // Act
    const failure = psa.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(
      /kantata HTTP 401 unauthorized \(permanent\): Kantata refused the access token in psflow\/test\/kantata \(oauth: Invalid OAuth 2 Request\).*no refresh flow.*psflow secrets set kantata/,
    );
    await expect(failure).rejects.not.toThrow(revoked);
  });

  it('honours Retry-After on 429 and gives up retryably on repeated 5xx', async () => {
    // Prepare
    const { psa, waits } = connectors();
    fake.server.fail({
      pathPrefix: '/api/v1/',
      status: 429,
      headers: { 'retry-after': '2' },
      body: '{"errors":[{"type":"system","message":"Rate limit exceeded"}]}',
    });
    await psa.createProject('k1', REQUEST);
    const down = { pathPrefix: '/api/v1/', status: 503, body: '<html><body>Service Unavailable</body></html>' };
    fake.server.fail(down, down, down);

    // Act
    const failure = psa.createProject('k2', { ...REQUEST, psflowProjectId: 'prj-other' });

    // Assess
    expect(waits).toContain(2000);
    await expect(failure).rejects.toBeInstanceOf(RetryableVendorError);
    await expect(failure).rejects.toThrow(/^psa\.createProject: kantata HTTP 503 unavailable \(retryable\)/);
  });

  it('times out after the catalogue timeout', async () => {
    // Prepare
    const { psa } = connectors({ timeoutMs: 150, retry: { attempts: 1, baseDelayMs: 1 } });
    fake.server.fail({ pathPrefix: '/api/v1/', delayMs: 800 });

    // Act
    const failure = psa.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toThrow(/kantata timeout \(retryable\)/);
  });

  it('reads a month of time entries across pages, in psflow terms', async () => {
    // Prepare
    const { psa, billing } = connectors();
    const project = await psa.createProject('k1', REQUEST);
    const architect = [...fake.table('roles').values()].find((role) => role.name === 'Solution Architect');
    for (let day = 0; day < 450; day++)
      fake.insert('time_entries', {
        workspace_id: project.psaProjectId,
        user_id: String(7 + (day % 3)),
        role_id: architect?.id,
        story_id: null,
        date_performed: `2027-03-${String(1 + (day % 28)).padStart(2, '0')}`,
        time_in_minutes: 450,
        billable: true,
        approved: day % 2 === 0,
        rate_in_cents: 17550,
        currency: 'EUR',
        currency_base_unit: 100,
      });
    fake.insert('time_entries', {
      workspace_id: project.psaProjectId,
      date_performed: '2027-04-01',
      time_in_minutes: 60,
    });

    // Act
    const records = await billing.recordsFor(REQUEST.psflowProjectId, '2027-03');

    // Assess
    expect(records.timeEntries).toHaveLength(450);
    expect(records.timeEntries[0]).toMatchObject({
      projectId: REQUEST.psflowProjectId,
      personId: 'kantata-user-7',
      role: 'Solution Architect',
      hours: 7.5,
      rate: 175.5,
      currency: 'EUR',
      status: 'approved',
    });
    expect(records.timeEntries[1].status).toBe('submitted');
    const pages = fake.server.requests
      .filter((request) => request.path === '/api/v1/time_entries.json')
      .map((request) => [request.query.get('page'), request.query.get('date_performed_between')]);
    expect(pages).toEqual([
      ['1', monthRange('2027-03')],
      ['2', '2027-03-01:2027-03-31'],
      ['3', '2027-03-01:2027-03-31'],
    ]);
  });

  it('finds the projects with time in a month, naming workspaces psflow did not create', async () => {
    // Prepare
    const { psa, billing } = connectors();
    const project = await psa.createProject('k1', REQUEST);
    const foreign = fake.insert('workspaces', { title: 'Made in Kantata', archived: false });
    const entry = { user_id: '7', date_performed: '2027-03-02', time_in_minutes: 60, billable: true, approved: true };
    const money = { rate_in_cents: 100, currency: 'USD' };
    fake.insert('time_entries', { ...entry, ...money, workspace_id: project.psaProjectId });
    fake.insert('time_entries', { ...entry, ...money, workspace_id: foreign.id });

    // Act
    const projects = await billing.projectsWithRecords('2027-03');

    // Assess
    expect(projects).toEqual([`kantata-${String(foreign.id)}`, REQUEST.psflowProjectId]);
  });

  it.each([
    [
      'a validation error',
      422,
      '{"errors":[{"type":"validation","message":"Please give your project a title","field":"title"}]}',
      PermanentVendorError,
      /kantata HTTP 422 rejected \(permanent\): validation: Please give your project a title \(field title\)/,
    ],
    [
      'an HTML page',
      200,
      '<!DOCTYPE html><html>Sign in</html>',
      PermanentVendorError,
      /not-json \(permanent\).*HTML page/,
    ],
    ['truncated JSON', 200, '{"count":1,"results":[{"key":"work', RetryableVendorError, /not-json \(retryable\)/],
    [
      'results pointing at a missing object',
      200,
      '{"count":1,"results":[{"key":"workspaces","id":"9"}],"workspaces":{}}',
      PermanentVendorError,
      /unexpected-shape \(permanent\): results\[0\] \(workspaces 9\) does not have the documented shape/,
    ],
    ['an answer without results', 200, '{"workspaces":{}}', PermanentVendorError, /unexpected-shape.*\/results/],
  ])('turns %s into a typed error naming Kantata', async (_label, status, body, type, message) => {
    // Prepare
    const { psa } = connectors({ retry: { attempts: 1, baseDelayMs: 1 } });
    fake.server.fail({ pathPrefix: '/api/v1/workspaces', status, body });

    // Act
    const failure = psa.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
  });
});
