import { SalesforceCrmConnector } from '../../shared/connectors/salesforce/salesforce-crm-connector';
import { isTraceparent } from '../../shared/integrations/trace-context';
import {
  PermanentVendorError,
  RAW_RESPONSE_LIMIT,
  RetryableVendorError,
} from '../../shared/integrations/vendor-errors';
import { FakeSalesforce } from '../fixtures/vendor-salesforce/fake-salesforce';
import { contractClient, MapSecrets } from './contract-harness';

const SECRET = 'psflow/test/salesforce';
const OPPORTUNITY = '0068d00000B7kQwAAJ';
const ACCOUNT = '0018d00000C1aBcAAJ';
const QUOTE = '0Q08d0000001xYzCAI';

function stage(fake: FakeSalesforce): void {
  fake.put('Opportunity', {
    Id: OPPORTUNITY,
    AccountId: ACCOUNT,
    Name: 'Acme ERP rollout',
    StageName: 'Closed Won',
    IsWon: true,
    IsClosed: true,
    Amount: 486000,
    CurrencyIsoCode: 'EUR',
    CloseDate: '2026-01-05',
    Region__c: 'EMEA',
    Practice__c: 'ERP Advisory',
    Billing_Model__c: 'Time and Materials',
    Contract_Start__c: '2026-02-01',
    Contract_End__c: '2026-07-31',
    Discount__c: 5,
    Type: 'New Business',
    SyncedQuoteId: QUOTE,
    OrgSpecific__c: 'an extra field the org added',
  });
  fake.put('Account', { Id: ACCOUNT, Name: 'Acme GmbH', Region__c: 'EMEA', New_Client__c: true });
  fake.put('QuoteLineItem', {
    Id: '0QL8d000000AbCdGAK',
    QuoteId: QUOTE,
    Product2: { Name: 'Solution Architect' },
    Quantity: 320,
    UnitPrice: 175.5,
    CurrencyIsoCode: 'EUR',
    ServiceDate: '2026-02-01',
    End_Date__c: '2026-07-31',
    Skills__c: 'SAP S/4HANA;Integration',
  });
}

describe('Salesforce CRM connector against a fake Salesforce (REST API v62.0)', () => {
  let fake: FakeSalesforce;

  beforeEach(async () => {
    fake = new FakeSalesforce();
    await fake.server.start();
    stage(fake);
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function connector(overrides = {}) {
    const harness = contractClient('salesforce-rest', 'crm', overrides);
    const secrets = new MapSecrets({ [SECRET]: fake.secret() });
    return { ...harness, secrets, crm: new SalesforceCrmConnector(harness.http, secrets, SECRET) };
  }

  it('reads the opportunity, its account and its quote lines in one composite call', async () => {
    // Prepare
    const { crm, calls } = connector();

    // Act
    const opportunity = await crm.getOpportunity(OPPORTUNITY);
    const account = await crm.getAccount(ACCOUNT);
    const sow = await crm.getStatementOfWork(OPPORTUNITY);

    // Assess
    expect(opportunity).toMatchObject({
      opportunityId: OPPORTUNITY,
      accountId: ACCOUNT,
      amount: 486000,
      isWon: true,
      region: 'EMEA',
    });
    expect(account).toEqual({ accountId: ACCOUNT, name: 'Acme GmbH', region: 'EMEA', isNewClient: true });
    expect(sow?.roleLines).toEqual([
      {
        lineId: '0QL8d000000AbCdGAK',
        role: 'Solution Architect',
        skills: ['SAP S/4HANA', 'Integration'],
        hours: 320,
        rate: { amountMinor: 17550, currency: 'EUR' },
        startDate: '2026-02-01',
        endDate: '2026-07-31',
      },
    ]);
    const apiRequests = fake.server.requests.filter((request) => request.path.startsWith('/services/data/'));
    expect(apiRequests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /services/data/v62.0/composite',
    ]);
    expect(calls.map((call) => call.operation)).toEqual(['getOpportunity.token', 'getOpportunity']);
    expect(crm.apiUsage).toEqual({ used: 1, limit: 15000 });
  });

  it('sends the bearer token, a W3C traceparent and JSON to the org', async () => {
    // Prepare
    const { crm } = connector();

    // Act
    await crm.getAccount(ACCOUNT);

    // Assess
    const token = fake.server.requests.find((request) => request.path === '/services/oauth2/token');
    expect(new URLSearchParams(token?.body).get('grant_type')).toBe('client_credentials');
    const read = fake.server.requests.find((request) => request.path.includes('/sobjects/Account/'));
    expect(read?.headers.authorization).toMatch(/^Bearer 00D-fake!/);
    expect(isTraceparent(String(read?.headers.traceparent))).toBe(true);
    expect(read?.query.get('fields')).toBe('Id,Name,Region__c,New_Client__c');
  });

  it('answers undefined for an opportunity the org does not have', async () => {
    // Prepare
    const { crm } = connector();

    // Act
    const missing = await crm.getOpportunity('0068d00000ZZZZZAAA');

    // Assess
    expect(missing).toBeUndefined();
  });

  it('caches the token, and fetches a new one once when the org says the session expired', async () => {
    // Prepare
    const { crm } = connector();
    await crm.getAccount(ACCOUNT);
    fake.expireTokens();

    // Act
    const account = await crm.getAccount(ACCOUNT);

    // Assess
    expect(account?.name).toBe('Acme GmbH');
    const paths = fake.server.requests.map((request) =>
      request.path.replace(/\/sobjects\/Account\/.*/, '/sobjects/Account/:id'),
    );
    expect(paths).toEqual([
      '/services/oauth2/token',
      '/services/data/v62.0/sobjects/Account/:id',
      '/services/data/v62.0/sobjects/Account/:id',
      '/services/oauth2/token',
      '/services/data/v62.0/sobjects/Account/:id',
    ]);
  });

  it('fails permanently, naming the system, when even a fresh token is refused', async () => {
    // Prepare
    const { crm } = connector();
    const refused = {
      pathPrefix: '/services/data/',
      status: 401,
      body: '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]',
    };
    fake.server.fail(refused, refused);

    // Act
    const failure = crm.getAccount(ACCOUNT);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(/^crm\.getAccount: salesforce HTTP 401 unauthorized \(permanent\)/);
  });

  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    // Prepare
    const { crm, waits, calls } = connector();
    fake.server.fail({
      pathPrefix: '/services/data/',
      status: 429,
      headers: { 'retry-after': '2' },
      body: '[{"message":"Too many requests","errorCode":"REQUEST_LIMIT_EXCEEDED"}]',
    });

    // Act
    const account = await crm.getAccount(ACCOUNT);

    // Assess
    expect(account?.accountId).toBe(ACCOUNT);
    expect(waits).toContain(2000);
    expect(calls.map((call) => call.outcome)).toEqual(['ok', 'throttled', 'ok']);
  });

  it('fails retryably, after the catalogue retries, when the org keeps answering 5xx', async () => {
    // Prepare
    const { crm, calls } = connector();
    const down = { pathPrefix: '/services/data/', status: 503, body: '<html><body>Service Unavailable</body></html>' };
    fake.server.fail(down, down, down);

    // Act
    const failure = crm.getAccount(ACCOUNT);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(RetryableVendorError);
    await expect(failure).rejects.toThrow(/salesforce HTTP 503 unavailable \(retryable\).*Service Unavailable/);
    expect(calls.filter((call) => call.outcome === 'unavailable')).toHaveLength(3);
  });

  it('times out after the catalogue timeout and says so', async () => {
    // Prepare
    const { crm } = connector({ timeoutMs: 200, retry: { attempts: 1, baseDelayMs: 1 } });
    await crm.getAccount(ACCOUNT);
    fake.server.fail({ pathPrefix: '/services/data/', delayMs: 1000 });

    // Act
    const started = Date.now();
    const failure = crm.getAccount('0018d00000OTHERAAJ');

    // Assess
    await expect(failure).rejects.toThrow(
      /salesforce timeout \(retryable\): no complete answer within the catalogue's 200 ms/,
    );
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports a partial failure of the composite call, naming the failed subrequest', async () => {
    // Prepare
    const { crm } = connector();
    fake.put('Opportunity', { ...fake.records.get(`Opportunity/${OPPORTUNITY}`), SyncedQuoteId: "0Q0'broken" });

    // Act
    const failure = crm.getOpportunity(OPPORTUNITY);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(
      /salesforce HTTP 400 partial-failure \(permanent\): partial failure: composite subrequest quoteLines answered 400 MALFORMED_QUERY/,
    );
  });

  it('refuses a quote line of the wrong shape inside the composite response', async () => {
    // Prepare
    const { crm } = connector();
    fake.records.set('QuoteLineItem/broken', { Id: 'broken', QuoteId: QUOTE });

    // Act
    const failure = crm.getOpportunity(OPPORTUNITY);

    // Assess
    await expect(failure).rejects.toThrow(
      /salesforce unexpected-shape \(permanent\): QuoteLineItem \d does not have the documented shape/,
    );
  });

  it('treats an account subrequest answering 404 as an absent account', async () => {
    // Prepare
    const { crm } = connector();
    fake.put('Opportunity', {
      ...fake.records.get(`Opportunity/${OPPORTUNITY}`),
      SyncedQuoteId: null,
      AccountId: '001MISSING000000AA',
    });

    // Act
    const opportunity = await crm.getOpportunity(OPPORTUNITY);
    const account = await crm.getAccount('001MISSING000000AA');

    // Assess
    expect(opportunity?.accountId).toBe('001MISSING000000AA');
    expect(account).toBeUndefined();
  });

  it.each([
    [
      'an HTML error page',
      '<!DOCTYPE html><html><body>Down for maintenance</body></html>',
      PermanentVendorError,
      /expected JSON .* but the body is an HTML page/,
    ],
    [
      'truncated JSON',
      '{"compositeResponse":[{"body":{"Id":"0068d',
      RetryableVendorError,
      /not-json \(retryable\): the JSON body is truncated or malformed/,
    ],
    [
      'a missing field',
      '{"compositeResponse":[{"body":{"Name":"no id"},"httpStatusCode":200,"referenceId":"opportunity"}]}',
      PermanentVendorError,
      /unexpected-shape \(permanent\): Opportunity .* \/Id: /,
    ],
    [
      'a field of an unexpected type',
      '{"compositeResponse":[{"body":{"Id":"0068d00000B7kQwAAJ","AccountId":null,"Name":"x","StageName":"Won","IsWon":"yes","IsClosed":true,"Amount":1},"httpStatusCode":200,"referenceId":"opportunity"}]}',
      PermanentVendorError,
      /\/IsWon: /,
    ],
  ])('turns %s into a typed error with the raw response kept', async (_label, body, type, message) => {
    // Prepare
    const { crm } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    fake.server.fail({ pathPrefix: '/services/data/v62.0/composite', status: 200, body });

    // Act
    const failure = crm.getOpportunity(OPPORTUNITY);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toThrow(/raw response: /);
  });

  it('keeps at most the cap of a huge raw response', async () => {
    // Prepare
    const { crm } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    fake.server.fail({ pathPrefix: '/services/data/', status: 502, body: `<html>${'x'.repeat(100_000)}</html>` });

    // Act
    const error: unknown = await crm.getAccount(ACCOUNT).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RetryableVendorError);
    const raw = error instanceof RetryableVendorError ? (error.details.rawResponse ?? '') : '';
    expect(raw.length).toBeLessThan(RAW_RESPONSE_LIMIT + 64);
    expect(raw).toMatch(/more characters cut/);
  });

  it('never puts the client secret or the access token in an error or a call record', async () => {
    // Prepare
    const { crm, calls } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    fake.server.fail({
      pathPrefix: '/services/oauth2/token',
      status: 400,
      body: '{"error":"invalid_client","error_description":"bad"}',
    });

    // Act
    const error: unknown = await crm.getAccount(ACCOUNT).catch((caught: unknown) => caught);
    await crm.getAccount(ACCOUNT);

    // Assess
    const everything = JSON.stringify({ message: error instanceof Error ? error.message : error, calls });
    expect(everything).toMatch(/invalid_client/);
    expect(everything).not.toContain(fake.clientSecret);
    expect(everything).not.toContain('00D-fake!');
  });
});
