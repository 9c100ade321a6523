import {
  BusinessCentralPurchaseOrders,
  purchaseOrderNumber,
} from '../../shared/connectors/business-central/business-central-purchase-orders';
import type { ErpPurchaseOrderRequest } from '../../shared/connectors/erp/erp-purchase-orders';
import { PermanentVendorError, RetryableVendorError } from '../../shared/integrations/vendor-errors';
import { FakeBusinessCentral } from '../fixtures/vendor-business-central/fake-business-central';
import { businessCentralClient } from './business-central-harness';

const COMPANY = '7d7b8c2e-0000-4000-8000-000000000001';
const KEY = 'purchase:pr-0001:erp-po';
const REQUEST: ErpPurchaseOrderRequest = {
  entityId: COMPANY,
  vendorId: 'V-10010',
  requestId: 'pr-0001',
  psflowProjectId: 'prj-0068d00000B7kQwAAJ',
  description: 'Subcontracted data engineer, 40 days',
  amount: { amountMinor: 3200000, currency: 'GBP' },
  tax: { treatment: 'standard', amount: { amountMinor: 640000, currency: 'GBP' } },
};

describe('Business Central purchase orders against a fake Business Central (API v2.0 purchaseOrders)', () => {
  let fake: FakeBusinessCentral;

  beforeEach(async () => {
    fake = new FakeBusinessCentral();
    await fake.server.start();
    fake.seed('vendors', REQUEST.vendorId);
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  function connector(overrides = {}) {
    const harness = businessCentralClient(fake, overrides);
    return { ...harness, orders: new BusinessCentralPurchaseOrders(harness.api) };
  }

  function orderPosts(): number {
    return fake.server.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith('/purchaseOrders'),
    ).length;
  }

  it('names the company as the legal entity, with its local and set-up currencies', async () => {
    // Prepare
    const { orders } = connector();

    // Act
    const entity = await orders.legalEntityFor('EMEA');

    // Assess
    expect(entity).toEqual({ entityId: COMPANY, currencies: ['EUR', 'GBP', 'CHF'] });
  });

  it('raises the order once with its line deep-inserted, however often it is asked', async () => {
    // Prepare
    const { orders } = connector();

    // Act
    const first = await orders.raisePurchaseOrder(KEY, REQUEST);
    const again = await orders.raisePurchaseOrder(KEY, REQUEST);

    // Assess
    expect(again).toEqual(first);
    expect(first.status).toBe('open');
    expect(orderPosts()).toBe(1);
    expect(fake.set('standard', 'purchaseOrders').get(first.purchaseOrderId)).toMatchObject({
      number: purchaseOrderNumber(KEY),
      vendorNumber: 'V-10010',
      currencyCode: 'GBP',
      totalAmountExcludingTax: 32000,
      purchaseOrderLines: [
        {
          lineType: 'Account',
          lineObjectNumber: '50100',
          quantity: 1,
          directUnitCost: 32000,
          description: 'pr-0001: Subcontracted data engineer, 40 days',
        },
      ],
    });
  });

  it('refuses a currency the company does not keep its books in, permanently and before writing', async () => {
    // Prepare
    const { orders } = connector();

    // Act
    const failure = orders.raisePurchaseOrder(KEY, { ...REQUEST, amount: { amountMinor: 100, currency: 'USD' } });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(`entity ${COMPANY} does not accept USD; it accepts EUR, GBP, CHF`);
    expect(orderPosts()).toBe(0);
  });

  it('cancels by deleting the order (Business Central archives it), and a second cancel changes nothing', async () => {
    // Prepare
    const { orders } = connector();
    const order = await orders.raisePurchaseOrder(KEY, REQUEST);

    // Act
    const cancelled = await orders.cancelPurchaseOrder('purchase:pr-0001:cancel', order.purchaseOrderId, 'aborted');
    const again = await orders.cancelPurchaseOrder('purchase:pr-0001:cancel', order.purchaseOrderId, 'aborted');

    // Assess
    expect(cancelled).toEqual({ purchaseOrderId: order.purchaseOrderId, status: 'cancelled' });
    expect(again).toEqual(cancelled);
    expect(fake.set('standard', 'purchaseOrders').has(order.purchaseOrderId)).toBe(false);
    expect(
      fake.server.requests
        .filter((request) => request.method === 'DELETE')
        .every((request) => request.headers['if-match'] === '*'),
    ).toBe(true);
  });

  it('refuses an order Business Central cannot delete with a permanent error naming why', async () => {
    // Prepare
    const { orders } = connector();
    const order = await orders.raisePurchaseOrder(KEY, REQUEST);
    fake.server.fail({
      pathPrefix: '/v2.0/',
      status: 400,
      body: '{"error":{"code":"Application_DialogException","message":"You cannot delete the order line because it has been received."}}',
    });

    // Act
    const failure = orders.cancelPurchaseOrder('k', order.purchaseOrderId, 'aborted');

    // Assess
    await expect(failure).rejects.toThrow(
      /HTTP 400 rejected \(permanent\): Application_DialogException: You cannot delete/,
    );
  });

  it('fetches a new token once when Business Central refuses the cached one', async () => {
    // Prepare
    const { orders } = connector();
    await orders.legalEntityFor('EMEA');
    fake.expireTokens();

    // Act
    const order = await orders.raisePurchaseOrder(KEY, REQUEST);

    // Assess
    expect(order.status).toBe('open');
    expect(fake.server.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(2);
  });

  it('honours Retry-After on 429 and gives up retryably on repeated 5xx', async () => {
    // Prepare
    const { orders, waits } = connector();
    await orders.legalEntityFor('EMEA');
    fake.server.fail({
      pathPrefix: '/v2.0/',
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"error":{"code":"Application_TooManyRequests","message":"Too many requests"}}',
    });
    await orders.raisePurchaseOrder(KEY, REQUEST);
    const down = { pathPrefix: '/v2.0/', status: 502, body: '<html>Bad Gateway</html>' };
    fake.server.fail(down, down, down);

    // Act
    const failure = orders.raisePurchaseOrder('purchase:pr-0002:erp-po', { ...REQUEST, requestId: 'pr-0002' });

    // Assess
    expect(waits).toContain(1000);
    await expect(failure).rejects.toBeInstanceOf(RetryableVendorError);
    await expect(failure).rejects.toThrow(
      /^erp\.raisePurchaseOrder: business-central HTTP 502 unavailable \(retryable\)/,
    );
  });

  it.each([
    [
      'an unknown vendor (400 OData error)',
      undefined,
      PermanentVendorError,
      /HTTP 400 rejected \(permanent\): Internal_RecordNotFound: The Vendor does not exist/,
    ],
    [
      'an HTML page',
      '<!DOCTYPE html><html>Sign in to your account</html>',
      PermanentVendorError,
      /not-json \(permanent\).*HTML page/,
    ],
    ['truncated JSON', '{"id":"a', RetryableVendorError, /not-json \(retryable\)/],
  ])('turns %s into a typed error naming Business Central', async (label, body, type, message) => {
    // The entity and its currencies are read (and cached) first; the damaged answer is the order lookup's.
    // Prepare
    const { orders } = connector({ retry: { attempts: 1, baseDelayMs: 1 } });
    await orders.legalEntityFor('EMEA');
    await orders.raisePurchaseOrder('warm', { ...REQUEST, requestId: 'warm' });
    const request = label.startsWith('an unknown vendor') ? { ...REQUEST, vendorId: 'V-404' } : REQUEST;
    if (body !== undefined) fake.server.fail({ pathPrefix: '/v2.0/', status: 201, body });

    // Act
    const failure = orders.raisePurchaseOrder(KEY, request);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
  });
});
