import * as fs from 'node:fs';
import * as path from 'node:path';
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

/**
 * The CDK grants a function its connector secrets from the ports named in its entry file alone, so
 * a connector built anywhere else, or passed on as a getter, would run in AWS without its secret.
 */
describe('every connector a function builds is named in its entry file', () => {
  const functionsRoot = path.join(__dirname, '..', '..', 'functions');
  const sources = fs
    .readdirSync(functionsRoot, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file, source: fs.readFileSync(path.join(functionsRoot, file), 'utf8') }));

  it('reads the function sources', () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it.each(
    sources.filter(({ source }) => !/export const handler\b/.test(source)).map(({ file, source }) => [file, source]),
  )('the helper module %s builds no connector', (_file, source) => {
    expect(portsUsedBy(source)).toEqual([]);
  });

  it.each(sources.map(({ file, source }) => [file, source]))(
    '%s hands on no connector getter uncalled',
    (_file, source) => {
      expect(source.match(/\bconnectors\.[a-z]+\b(?![A-Z(])/g) ?? []).toEqual([]);
    },
  );
});
