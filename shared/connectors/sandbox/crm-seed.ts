import type { CrmAccountFacts, CrmOpportunityFacts, CrmStatementOfWork } from '../crm/crm-connector';

/**
 * Believable demo CRM data. The first two opportunities are the ones the repository's sample
 * events (`samples/`) name, so putting those samples on a fresh local bus starts
 * their activations. Ids are Salesforce-shaped (`001` accounts, `006` opportunities).
 */

/** Demo accounts. */
export const SEED_ACCOUNTS: readonly CrmAccountFacts[] = [
  { accountId: '0018d00000XyZ12AAB', name: 'Northwind Logistics', region: 'EMEA', isNewClient: false },
  { accountId: '0018d00000AbC34AAB', name: 'Contoso Retail', region: 'AMER', isNewClient: true },
  { accountId: '0018d00000FgH56AAB', name: 'Fabrikam Health', region: 'EMEA', isNewClient: false },
  { accountId: '0018d00000JkL78AAB', name: 'Tailspin Airways', region: 'APAC', isNewClient: true },
  { accountId: '0018d00000MnP90AAB', name: 'Litware Energy', region: 'AMER', isNewClient: false },
];

/** Demo opportunities, at various stages. */
export const SEED_OPPORTUNITIES: readonly CrmOpportunityFacts[] = [
  {
    opportunityId: '0068d00000B7kQwAAJ',
    accountId: '0018d00000XyZ12AAB',
    name: 'Northwind Logistics - ERP Modernisation Phase 1',
    stage: 'Closed Won',
    isWon: true,
    isClosed: true,
    amount: 486000,
    currency: 'EUR',
    closeDate: '2026-11-18',
    region: 'EMEA',
    practice: 'ERP Advisory',
    billingModel: 'Time and Materials',
    startDate: '2027-01-11',
    endDate: '2027-06-30',
    discountPercent: 0,
    dealType: 'Existing Customer - Upgrade',
  },
  {
    opportunityId: '0068d00000C1mNoAAJ',
    accountId: '0018d00000AbC34AAB',
    name: 'Contoso Retail - Data Platform Assessment',
    stage: 'Closed Won',
    isWon: true,
    isClosed: true,
    amount: 185000,
    currency: 'USD',
    closeDate: '2026-11-19',
    region: 'AMER',
    practice: 'Data Engineering',
    billingModel: 'Fixed Fee',
    startDate: '2027-01-04',
    endDate: '2027-03-26',
    discountPercent: 5,
    dealType: 'New Customer',
  },
  {
    opportunityId: '0068d00000D2pRsAAJ',
    accountId: '0018d00000FgH56AAB',
    name: 'Fabrikam Health - Cloud Cost Review',
    stage: 'Negotiation/Review',
    isWon: false,
    isClosed: false,
    amount: 64000,
    currency: 'EUR',
    closeDate: '2026-12-05',
    region: 'EMEA',
    practice: 'Cloud Strategy',
    billingModel: 'Fixed Fee',
    startDate: '2027-01-18',
    endDate: '2027-02-26',
    discountPercent: 0,
    dealType: 'Existing Customer - Upgrade',
  },
  {
    opportunityId: '0068d00000E3tUvAAJ',
    accountId: '0018d00000JkL78AAB',
    name: 'Tailspin Airways - Crew Scheduling Optimisation',
    stage: 'Proposal/Price Quote',
    isWon: false,
    isClosed: false,
    amount: 1250000,
    currency: 'AUD',
    closeDate: '2026-12-15',
    region: 'APAC',
    practice: 'Operations Research',
    billingModel: 'Time and Materials',
    startDate: '2027-02-01',
    endDate: '2027-09-30',
    discountPercent: 12,
    dealType: 'New Customer',
  },
  {
    opportunityId: '0068d00000F4wXyAAJ',
    accountId: '0018d00000MnP90AAB',
    name: 'Litware Energy - Grid Analytics Managed Service',
    stage: 'Closed Lost',
    isWon: false,
    isClosed: true,
    amount: 320000,
    currency: 'USD',
    closeDate: '2026-11-02',
    region: 'AMER',
    practice: 'Data Engineering',
    billingModel: 'Time and Materials',
    discountPercent: 0,
    dealType: 'Existing Customer - Replacement',
  },
  {
    opportunityId: '0068d00000G5zAbAAJ',
    accountId: '0018d00000MnP90AAB',
    name: 'Litware Energy - Data Quality Sprint',
    stage: 'Negotiation/Review',
    isWon: false,
    isClosed: false,
    amount: 38000,
    currency: 'USD',
    closeDate: '2026-11-24',
    region: 'AMER',
    practice: 'Data Engineering',
    billingModel: 'Time and Materials',
    startDate: '2027-01-11',
    endDate: '2027-02-05',
    discountPercent: 0,
    dealType: 'Existing Customer - Upgrade',
  },
];

/** Statements of work of the demo opportunities: the role lines activation staffs and bills. */
export const SEED_STATEMENTS_OF_WORK: readonly CrmStatementOfWork[] = [
  {
    opportunityId: '0068d00000B7kQwAAJ',
    roleLines: [
      { lineId: 'L1', role: 'Engagement Manager', skills: ['erp-programme-management'], hours: 480, rate: { amountMinor: 22000, currency: 'EUR' }, startDate: '2027-01-11', endDate: '2027-06-30' },
      { lineId: 'L2', role: 'SAP S/4HANA Architect', skills: ['sap-s4hana', 'solution-architecture'], hours: 800, rate: { amountMinor: 19000, currency: 'EUR' }, startDate: '2027-01-11', endDate: '2027-06-30' },
      { lineId: 'L3', role: 'Finance Process Consultant', skills: ['record-to-report', 'sap-fi'], hours: 960, rate: { amountMinor: 16000, currency: 'EUR' }, startDate: '2027-02-01', endDate: '2027-06-30' },
    ],
  },
  {
    opportunityId: '0068d00000C1mNoAAJ',
    roleLines: [
      { lineId: 'L1', role: 'Data Architect', skills: ['data-platform', 'snowflake'], hours: 320, rate: { amountMinor: 25000, currency: 'USD' }, startDate: '2027-01-04', endDate: '2027-03-26' },
      { lineId: 'L2', role: 'Analytics Engineer', skills: ['dbt', 'sql'], hours: 400, rate: { amountMinor: 18000, currency: 'USD' }, startDate: '2027-01-04', endDate: '2027-03-26' },
    ],
  },
  {
    opportunityId: '0068d00000D2pRsAAJ',
    roleLines: [{ lineId: 'L1', role: 'Cloud FinOps Consultant', skills: ['finops', 'aws'], hours: 320, rate: { amountMinor: 20000, currency: 'EUR' }, startDate: '2027-01-18', endDate: '2027-02-26' }],
  },
  {
    opportunityId: '0068d00000G5zAbAAJ',
    roleLines: [{ lineId: 'L1', role: 'Data Quality Engineer', skills: ['dbt', 'great-expectations'], hours: 190, rate: { amountMinor: 20000, currency: 'USD' }, startDate: '2027-01-11', endDate: '2027-02-05' }],
  },
];
