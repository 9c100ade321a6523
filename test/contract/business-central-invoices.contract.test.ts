import {
  BusinessCentralInvoices,
  customerNumber,
  invoiceExternalNumber,
} from '../../shared/connectors/business-central/business-central-invoices';
import { invoiceIdempotencyKey, type InvoiceDraftRequest } from '../../shared/connectors/erp/erp-invoices';
import { PermanentVendorError, RetryableVendorError } from '../../shared/integrations/vendor-errors';
import { FakeBusinessCentral } from '../fixtures/vendor-business-central/fake-business-central';
import { businessCentralClient } from './business-central-harness';

const KEY = invoiceIdempotencyKey('prj-0068d00000B7kQwAAJ', '2027-01');
const REQUEST: InvoiceDraftRequest = {
  projectId: 'prj-0068d00000B7kQwAAJ',
  clientId: 'cli-0018d00000C1aBcAAJ',
  region: 'EMEA',
  country: 'DE',
  period: '2027-01',
  currency: 'EUR',
  lines: [
    {
      kind: 'time',
      description: 'Solution Architect',
      quantity: 12.5,
      unitPriceMinor: 17550,
      amountMinor: 219375,
      sourceRecordIds: ['te-1', 'te-2'],
    },
    {
      kind: 'expense',
      description: 'Travel',
      quantity: 1,
      unitPriceMinor: 12000,
      amountMinor: 12000,
      sourceRecordIds: ['ex-1'],
    },
  ],
  subtotalMinor: 231375,
  taxRate: 0.2,
  taxMinor: 46275,
  roundingMinor: 0,
  totalMinor: 277650,
  reverseCharge: false,
  taxRule: 'DE-standard',
};

describe('Business Central invoices against a fake Business Central (API v2.0 salesInvoices)', () => {
  let fake: FakeBusinessCentral;

  beforeEach(async () => {
    fake = new FakeBusinessCentral();
    await fake.server.start();
    fake.seed('customers', customerNumber(REQUEST.clientId));
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function connector(overrides = {}) {
    const harness = businessCentralClient(fake, overrides);
    return { ...harness, invoices: new BusinessCentralInvoices(harness.api) };
  }

  function documentPosts(): number {
    return fake.server.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith('/salesInvoices'),
    ).length;
  }

  it("creates the client's customer with its first draft, once, when Business Central has none", async () => {
    // Prepare
    fake.set('standard', 'customers').clear();
    const { invoices } = connector();
    const numbered = () =>
      [...fake.set('standard', 'customers').values()].filter(
        (customer) => customer.number === customerNumber(REQUEST.clientId),
      );

    // Act
    await invoices.createInvoiceDraft(KEY, REQUEST);
    await invoices.createInvoiceDraft(invoiceIdempotencyKey(REQUEST.projectId, '2027-02'), {
      ...REQUEST,
      period: '2027-02',
    });

    // Assess
    expect(numbered()).toEqual([expect.objectContaining({ displayName: `psflow client ${REQUEST.clientId}` })]);
    expect(documentPosts()).toBe(2);
  });

  it('drafts the invoice once with its lines deep-inserted, however often it is asked', async () => {
    // Prepare
    const { invoices } = connector();

    // Act
    const first = await invoices.createInvoiceDraft(KEY, REQUEST);
    const again = await invoices.createInvoiceDraft(KEY, REQUEST);
    const found = await invoices.findInvoiceDraft(KEY);

    // Assess
    expect(again).toEqual(first);
    expect(first).toMatchObject({ status: 'draft', idempotencyKey: KEY, totalMinor: 277650, currency: 'EUR' });
    expect(documentPosts()).toBe(1);
    const [stored] = [...fake.set('standard', 'salesInvoices').values()];
    expect(stored).toMatchObject({
      id: first.invoiceId,
      externalDocumentNumber: invoiceExternalNumber(KEY),
      customerNumber: customerNumber(REQUEST.clientId),
      currencyCode: 'EUR',
      totalAmountExcludingTax: 2313.75,
      salesInvoiceLines: [
        {
          lineType: 'Account',
          lineObjectNumber: '40100',
          description: 'time: Solution Architect',
          quantity: 12.5,
          unitPrice: 175.5,
        },
        { lineType: 'Account', lineObjectNumber: '40100', description: 'expense: Travel', quantity: 1, unitPrice: 120 },
      ],
    });
    expect(found).toMatchObject({
      invoiceId: first.invoiceId,
      projectId: REQUEST.projectId,
      period: '2027-01',
      subtotalMinor: 231375,
      taxMinor: 46275,
      lines: [
        { kind: 'time', description: 'Solution Architect', amountMinor: 219375 },
        { kind: 'expense', description: 'Travel', amountMinor: 12000 },
      ],
    });
  });

  it('refuses a repeat of the key with other amounts as an idempotency conflict', async () => {
    // Prepare
    const { invoices } = connector();
    await invoices.createInvoiceDraft(KEY, REQUEST);

    // Act
    const failure = invoices.createInvoiceDraft(KEY, { ...REQUEST, subtotalMinor: 1, totalMinor: 1 });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(/IdempotencyConflict: key invoice:prj-0068d00000B7kQwAAJ:2027-01/);
    expect(documentPosts()).toBe(1);
  });

  it('voids a draft by deleting it, cancels a posted invoice, and a second void changes nothing', async () => {
    // Prepare
    const { invoices } = connector();
    const draft = await invoices.createInvoiceDraft(KEY, REQUEST);
    const postedKey = invoiceIdempotencyKey('prj-posted', '2027-01');
    const posted = await invoices.createInvoiceDraft(postedKey, { ...REQUEST, projectId: 'prj-posted' });
    const postedEntity = fake.set('standard', 'salesInvoices').get(posted.invoiceId);
    if (postedEntity) postedEntity.status = 'Open';

    // Act
    const voided = await invoices.voidInvoiceDraft(KEY, 'aborted by finance');
    const again = await invoices.voidInvoiceDraft(KEY, 'aborted by finance');
    const cancelled = await invoices.voidInvoiceDraft(postedKey, 'aborted by finance');

    // Assess
    expect(voided).toMatchObject({ invoiceId: draft.invoiceId, status: 'void', voidReason: 'aborted by finance' });
    expect(again).toBeUndefined();
    expect(fake.set('standard', 'salesInvoices').has(draft.invoiceId)).toBe(false);
    expect(cancelled).toMatchObject({ invoiceId: posted.invoiceId, status: 'void' });
    expect(fake.set('standard', 'salesInvoices').get(posted.invoiceId)?.status).toBe('Canceled');
    expect(
      fake.server.requests.some((request) =>
        request.path.endsWith(`salesInvoices(${posted.invoiceId})/Microsoft.NAV.cancel`),
      ),
    ).toBe(true);
    expect(fake.server.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('fetches a new token once when Business Central refuses the cached one', async () => {
    // Prepare
    const { invoices } = connector();
    await invoices.findInvoiceDraft(KEY);
    fake.expireTokens();

    // Act
    const draft = await invoices.createInvoiceDraft(KEY, REQUEST);

    // Assess
    expect(draft.status).toBe('draft');
    expect(fake.server.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(2);
  });

  it('honours Retry-After on 429 and gives up retryably on repeated 5xx', async () => {
    // Prepare
    const { invoices, waits } = connector();
    fake.server.fail({
      pathPrefix: '/v2.0/',
      status: 429,
      headers: { 'retry-after': '2' },
      body: '{"error":{"code":"Application_TooManyRequests","message":"Too many requests"}}',
    });
    await invoices.createInvoiceDraft(KEY, REQUEST);
    const down = { pathPrefix: '/v2.0/', status: 503, body: '<html>Service Unavailable</html>' };
    fake.server.fail(down, down, down);

    // Act
    const failure = invoices.createInvoiceDraft(invoiceIdempotencyKey('prj-other', '2027-01'), REQUEST);

    // Assess
    expect(waits).toContain(2000);
    await expect(failure).rejects.toBeInstanceOf(RetryableVendorError);
    await expect(failure).rejects.toThrow(
      /^erp\.createInvoiceDraft: business-central HTTP 503 unavailable \(retryable\)/,
    );
  });

  it('turns a refused document (400 OData error) into a permanent typed error with the raw body', async () => {
    // Prepare
    const { invoices } = connector();

    // Act: the fake company has no Japanese yen set up
    const failure = invoices.createInvoiceDraft(KEY, { ...REQUEST, currency: 'JPY' });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(
      /business-central HTTP 400 rejected \(permanent\): Internal_RecordNotFound: The Currency does not exist.*raw response: \{"error"/,
    );
  });

  it.each([
    [
      'an HTML page',
      '<!DOCTYPE html><html>Sign in to your account</html>',
      PermanentVendorError,
      /not-json \(permanent\).*HTML page/,
    ],
    ['truncated JSON', '{"value":[{"id":"a', RetryableVendorError, /not-json \(retryable\)/],
  ])('turns %s into a typed error naming Business Central', async (_label, body, type, message) => {
    // Prepare
    const { invoices } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    await invoices.findInvoiceDraft('invoice:prj-warm:2027-01');
    fake.server.fail({ pathPrefix: '/v2.0/', status: 200, body });

    // Act
    const failure = invoices.createInvoiceDraft(KEY, REQUEST);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
    expect(documentPosts()).toBe(0);
  });
});
