import {
  BusinessCentralErpConnector,
  projectNumber,
} from '../../shared/connectors/business-central/business-central-erp-connector';
import type { ErpProjectRequest } from '../../shared/connectors/erp/erp-connector';
import { PermanentVendorError, RetryableVendorError } from '../../shared/integrations/vendor-errors';
import { FakeBusinessCentral } from '../fixtures/vendor-business-central/fake-business-central';
import { businessCentralClient } from './business-central-harness';

const REQUEST: ErpProjectRequest = {
  psflowProjectId: 'prj-0068d00000B7kQwAAJ',
  name: 'Acme ERP rollout',
  clientId: 'cli-0018d00000C1aBcAAJ',
  region: 'EMEA',
  practice: 'erp-advisory',
  costCentres: [{ code: 'CC-1', role: 'Solution Architect', plannedHours: 320 }],
};

describe('Business Central ERP connector against a fake Business Central (API v2.0)', () => {
  let fake: FakeBusinessCentral;

  beforeEach(async () => {
    fake = new FakeBusinessCentral();
    await fake.server.start();
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function connector(overrides = {}) {
    const harness = businessCentralClient(fake, overrides);
    return { ...harness, erp: new BusinessCentralErpConnector(harness.api) };
  }

  it('creates the project, budget and billing once, however often it is asked', async () => {
    // Prepare
    const { erp } = connector();

    // Act
    const first = await erp.createProject('k1', REQUEST);
    const again = await erp.createProject('k1', REQUEST);
    const budget = await erp.setBudgetBaseline(
      'budget-k',
      first.erpProjectId,
      { amountMinor: 48600000, currency: 'EUR' },
      REQUEST.psflowProjectId,
    );
    const budgetAgain = await erp.setBudgetBaseline(
      'budget-k',
      first.erpProjectId,
      { amountMinor: 48600000, currency: 'EUR' },
      REQUEST.psflowProjectId,
    );
    const billing = await erp.setBilling(
      'billing-k',
      first.erpProjectId,
      { kind: 'rate-card', rates: [{ role: 'Solution Architect', rate: { amountMinor: 17550, currency: 'EUR' } }] },
      REQUEST.psflowProjectId,
    );

    // Assess
    expect(again).toEqual(first);
    expect(budgetAgain).toEqual(budget);
    expect([...fake.set('standard', 'projects').values()]).toEqual([
      { id: first.erpProjectId, number: projectNumber(REQUEST.psflowProjectId), displayName: 'Acme ERP rollout' },
    ]);
    expect([...fake.set('extension', 'projectBudgets').values()][0]).toMatchObject({
      amount: 486000,
      currencyCode: 'EUR',
      externalId: 'budget-k',
    });
    expect(fake.set('extension', 'billingArrangements').get(billing.billingId)).toMatchObject({
      kind: 'rate-card',
      lines: [{ amount: 175.5 }],
    });
    const posts = fake.server.requests.filter(
      (request) => request.method === 'POST' && !request.path.includes('oauth2'),
    );
    expect(posts).toHaveLength(3);
  });

  it('closes and voids on compensation, never deletes', async () => {
    // Prepare
    const { erp } = connector();
    const project = await erp.createProject('k1', REQUEST);
    await erp.setBilling(
      'billing-k',
      project.erpProjectId,
      {
        kind: 'milestone-schedule',
        milestones: [{ name: 'Go-live', dueDate: '2026-07-31', amount: { amountMinor: 100000, currency: 'EUR' } }],
      },
      REQUEST.psflowProjectId,
    );

    // Act
    const done = await erp.compensateProject(REQUEST.psflowProjectId, 'deal aborted');

    // Assess
    expect(done).toHaveLength(2);
    expect([...fake.set('extension', 'billingArrangements').values()][0]).toMatchObject({
      status: 'Void',
      voidReason: 'deal aborted',
    });
    expect(fake.server.requests.some((request) => request.method === 'DELETE')).toBe(false);
  });

  it('reports a partial failure of compensation, saying what was done and what is left', async () => {
    // Prepare
    const { erp } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    const project = await erp.createProject('k1', REQUEST);
    const card = { kind: 'rate-card' as const, rates: [{ role: 'x', rate: { amountMinor: 1, currency: 'EUR' } }] };
    const first = await erp.setBilling('b1', project.erpProjectId, card, REQUEST.psflowProjectId);
    const second = await erp.setBilling('b2', project.erpProjectId, card, REQUEST.psflowProjectId);
    fake.server.fail({
      pathPrefix: `/v2.0/contoso.onmicrosoft.com/production/api/psflow/professionalServices/v1.0/companies(7d7b8c2e-0000-4000-8000-000000000001)/billingArrangements(${second.billingId})`,
      status: 400,
      body: '{"error":{"code":"BadRequest","message":"The arrangement has posted invoices"}}',
    });

    // Act
    const failure = erp.compensateProject(REQUEST.psflowProjectId, 'deal aborted');

    // Assess
    await expect(failure).rejects.toThrow(
      new RegExp(
        `partial-failure \\(permanent\\): partial failure: billing ${first.billingId} voided, then billing ${second.billingId} failed .*posted invoices.*; project ${project.erpProjectId} is still open`,
      ),
    );
    expect(fake.set('extension', 'billingArrangements').get(first.billingId)?.status).toBe('Void');
    expect(fake.set('standard', 'projects').get(project.erpProjectId)?.status).toBeUndefined();
  });

  it('fetches a new token once when Business Central refuses the cached one', async () => {
    // Prepare
    const { erp } = connector();
    await erp.createProject('k1', REQUEST);
    fake.expireTokens();

    // Act
    const project = await erp.createProject('k1', REQUEST);

    // Assess
    expect(project.status).toBe('open');
    expect(fake.server.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(2);
  });

  it('honours Retry-After on 429 and gives up retryably on repeated 5xx', async () => {
    // Prepare
    const { erp, waits } = connector();
    fake.server.fail({
      pathPrefix: '/v2.0/',
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"error":{"code":"Application_TooManyRequests","message":"Too many requests"}}',
    });
    await erp.createProject('k1', REQUEST);
    const down = { pathPrefix: '/v2.0/', status: 504, body: '<html>Gateway Timeout</html>' };
    fake.server.fail(down, down, down);

    // Act
    const failure = erp.createProject('k2', { ...REQUEST, psflowProjectId: 'prj-other' });

    // Assess
    expect(waits).toContain(1000);
    await expect(failure).rejects.toBeInstanceOf(RetryableVendorError);
    await expect(failure).rejects.toThrow(/^erp\.createProject: business-central HTTP 504 unavailable \(retryable\)/);
  });

  it('times out after the catalogue timeout', async () => {
    // Prepare
    const { erp } = connector({ timeoutMs: 150, retry: { attempts: 1, baseDelayMs: 1 } });
    await erp.createProject('k1', REQUEST);
    fake.server.fail({ pathPrefix: '/v2.0/', delayMs: 800 });

    // Act
    const failure = erp.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toThrow(/business-central timeout \(retryable\)/);
  });

  it.each([
    [
      'an OData error',
      400,
      '{"error":{"code":"BadRequest","message":"Project No. must have a value"}}',
      PermanentVendorError,
      /rejected \(permanent\): BadRequest: Project No. must have a value/,
    ],
    [
      'an HTML page',
      200,
      '<!DOCTYPE html><html>Sign in to your account</html>',
      PermanentVendorError,
      /not-json \(permanent\).*HTML page/,
    ],
    ['truncated JSON', 200, '{"value":[{"id":"a', RetryableVendorError, /not-json \(retryable\)/],
    [
      'a collection without value',
      200,
      '{"items":[]}',
      PermanentVendorError,
      /unexpected-shape \(permanent\): the projects collection .*\/value/,
    ],
  ])('turns %s into a typed error naming Business Central', async (_label, status, body, type, message) => {
    // Prepare
    const { erp } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    await erp.createProject('k0', { ...REQUEST, psflowProjectId: 'prj-warm' });
    fake.server.fail({ pathPrefix: '/v2.0/', status, body });

    // Act
    const failure = erp.createProject('k1', REQUEST);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
  });
});
