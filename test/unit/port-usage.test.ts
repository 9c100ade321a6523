import { portsUsedBy } from '../../shared/integrations/port-usage';

describe('the ports a handler uses, read from its source', () => {
  it.each([
    ['a port built by name', 'const crm = connectors.crm();', ['crm']],
    ['a second interface of a port', 'billing.checkDependencies(connectors.psaBillingRecords);', ['psa']],
    [
      'the ERP invoice and purchase-order interfaces',
      'connectors.erpInvoices(); connectors.erpPurchaseOrders();',
      ['erp'],
    ],
    ['several, in port order', 'connectors.psa(); connectors.crm(); connectors.psa();', ['crm', 'psa']],
    ['a reference without a call', 'const ports = { crm: connectors.crm };', []],
    ['a name that is not a port', 'connectors.ledger(); connectors.hrisPeople;', []],
  ])('finds %s', (_label, source, expected) => {
    // Prepare, Act
    const ports = portsUsedBy(source);

    // Assess
    expect(ports).toEqual(expected);
  });
});
