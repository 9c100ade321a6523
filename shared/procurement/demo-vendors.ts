import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { VendorRecord } from '../connectors/procurement/procurement-connector';
import { isConditionFailure } from '../repositories/condition-failure';

/*
 * Demo vendors of the sandbox procurement system: one of each case the workflow handles. No
 * function imports this module; the local cloud seeds it at start.
 */

const VALID = [
  { kind: 'insurance' as const, reference: 'INS-2026-001', expiresOn: '2030-12-31' },
  { kind: 'tax-form' as const, reference: 'TAX-2026-001', expiresOn: '2030-12-31' },
  { kind: 'nda' as const, reference: 'NDA-2026-001', expiresOn: '2031-12-31' },
];

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

/** The seeded vendors, by the case each demonstrates. */
export const DEMO_VENDORS: readonly VendorRecord[] = [
  {
    vendorId: 'VEN-EMEA-ATLAS',
    name: 'Atlas Data Partners',
    region: 'EMEA',
    status: 'active',
    riskRating: 'low',
    preferred: true,
    documents: VALID,
    rates: [
      { role: 'Data Engineer', rate: eur(9_000) },
      { role: 'Senior Data Engineer', rate: eur(11_500) },
    ],
  },
  {
    vendorId: 'VEN-EMEA-BRIGHT',
    name: 'Bright Analytics',
    region: 'EMEA',
    status: 'active',
    riskRating: 'medium',
    preferred: false,
    documents: VALID,
    rates: [{ role: 'Data Engineer', rate: eur(8_500) }],
  },
  {
    // New: onboarding tasks and a document check run before its first order.
    vendorId: 'VEN-EMEA-COBALT',
    name: 'Cobalt Cloud Engineering',
    region: 'EMEA',
    status: 'prospective',
    riskRating: 'medium',
    preferred: false,
    documents: VALID,
    rates: [{ role: 'Cloud Architect', rate: eur(12_000) }],
  },
  {
    // Active, but its insurance lapsed: a purchase from it is held.
    vendorId: 'VEN-EMEA-LAPSED',
    name: 'Lapsed Logistics Consulting',
    region: 'EMEA',
    status: 'active',
    riskRating: 'low',
    preferred: false,
    documents: [{ kind: 'insurance', reference: 'INS-2025-077', expiresOn: '2026-06-30' }, ...VALID.slice(1)],
    rates: [],
  },
  {
    // New, with expired insurance: onboarding blocks the order.
    vendorId: 'VEN-EMEA-NEWCO',
    name: 'Newco Interim Talent',
    region: 'EMEA',
    status: 'prospective',
    riskRating: 'high',
    preferred: false,
    documents: [{ kind: 'insurance', reference: 'INS-2024-310', expiresOn: '2026-03-31' }, ...VALID.slice(1)],
    rates: [{ role: 'Interim Project Manager', rate: eur(10_000) }],
  },
  {
    vendorId: 'VEN-EMEA-SHADOW',
    name: 'Shadow Staffing Ltd',
    region: 'EMEA',
    status: 'blocked',
    riskRating: 'high',
    preferred: false,
    documents: VALID,
    rates: [{ role: 'Data Engineer', rate: eur(5_000) }],
  },
  {
    vendorId: 'VEN-AMER-NORTHWIND',
    name: 'Northwind Consulting',
    region: 'AMER',
    status: 'active',
    riskRating: 'low',
    preferred: true,
    documents: VALID,
    rates: [{ role: 'Data Engineer', rate: { amountMinor: 10_500, currency: 'USD' } }],
  },
  {
    vendorId: 'VEN-APAC-KOALA',
    name: 'Koala Digital',
    region: 'APAC',
    status: 'active',
    riskRating: 'low',
    preferred: false,
    documents: VALID,
    rates: [{ role: 'Data Engineer', rate: { amountMinor: 14_000, currency: 'AUD' } }],
  },
];

/** Seeds the demo vendors where missing; vendors that exist are kept as a test or demo left them. */
export async function seedProcurement(
  documents: DynamoDBDocumentClient,
  stage: string,
): Promise<{ written: number; kept: number }> {
  let written = 0;
  for (const vendor of DEMO_VENDORS) {
    try {
      await documents.send(
        new PutCommand({
          TableName: `psflow-${stage}-sandbox-procurement`,
          Item: {
            ...vendor,
            recordKey: `vendor#${vendor.vendorId}`,
            parentKey: `region#${vendor.region}`,
            sortKey: vendor.vendorId,
          },
          ConditionExpression: 'attribute_not_exists(recordKey)',
        }),
      );
      written += 1;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return { written, kept: DEMO_VENDORS.length - written };
}
