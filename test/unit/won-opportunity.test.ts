import type { CrmOpportunityFacts } from '../../shared/connectors/crm/crm-connector';
import type { FactOrigin, WonOpportunityResult } from '../../shared/ingestion/won-opportunity';
import { buildWonOpportunity } from '../../shared/ingestion/won-opportunity';
import { FakeCrm } from '../support/ingestion-fakes';

const OPPORTUNITY_ID = '006Dn000004ABCDIA2';
const ACCOUNT_ID = '001Dn000001XYZAIA4';

/** Facts as a CRM spells them. */
function crmFacts(overrides: Partial<CrmOpportunityFacts> = {}): CrmOpportunityFacts {
  return {
    opportunityId: OPPORTUNITY_ID,
    accountId: ACCOUNT_ID,
    name: '  Data platform modernisation  ',
    stage: 'Closed Won',
    isWon: true,
    isClosed: true,
    amount: 312500,
    currency: 'EUR',
    closeDate: '2026-11-20',
    region: 'EMEA',
    practice: 'ERP Advisory',
    billingModel: 'Time and Materials',
    ...overrides,
  };
}

function crmWithAccount(): FakeCrm {
  const crm = new FakeCrm();
  crm.putAccount({ accountId: ACCOUNT_ID, name: 'Müller & Söhne GmbH', region: 'EMEA', isNewClient: true });
  return crm;
}

/** Builds with every fact attributed to `origin`, paths `$.facts.<fact>`. */
function build(
  facts: CrmOpportunityFacts,
  crm: FakeCrm = crmWithAccount(),
  origin: (fact: string) => FactOrigin = () => 'event',
): Promise<WonOpportunityResult> {
  return buildWonOpportunity({ facts, factOrigin: origin, fieldPath: (fact) => `$.facts.${fact}`, crm });
}

function valid(result: WonOpportunityResult) {
  if (result.kind !== 'valid') throw new Error(`expected a valid opportunity, got ${JSON.stringify(result)}`);
  return result.opportunity;
}

function issuesOf(result: WonOpportunityResult): ReadonlyArray<{ path: string; message: string }> {
  return result.kind === 'invalid' ? result.issues : [];
}

describe('buildWonOpportunity', () => {
  it('builds the canonical opportunity from the CRM spellings and reads the account from the CRM', async () => {
    // Prepare
    const crm = crmWithAccount();

    // Act
    const result = await build(
      crmFacts({
        startDate: '2027-01-04',
        endDate: '2027-03-31',
        discountPercent: 7.5,
        ownerEmail: 'dana.reyes@example.com',
      }),
      crm,
    );

    // Assess
    expect(valid(result)).toEqual({
      opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
      client: {
        clientId: { system: 'salesforce', id: ACCOUNT_ID },
        name: 'Müller & Söhne GmbH',
        region: 'EMEA',
        isNew: true,
      },
      name: 'Data platform modernisation',
      stage: 'Closed Won',
      amount: { amountMinor: 31_250_000, currency: 'EUR' },
      billingModel: 'time-and-materials',
      region: 'EMEA',
      practice: 'erp-advisory',
      discountPercent: 7.5,
      closeDate: '2026-11-20',
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      ownerEmail: 'dana.reyes@example.com',
    });
    expect(crm.accountReads).toEqual([ACCOUNT_ID]);
  });

  it.each<[string, string]>([
    ['Time and Materials', 'time-and-materials'],
    ['time & materials', 'time-and-materials'],
    ['T&M', 'time-and-materials'],
    ['Fixed Fee', 'fixed-fee'],
    ['FIXED-FEE', 'fixed-fee'],
    ['Fixed Price', 'fixed-fee'],
  ])('normalises the billing model %j to %s', async (billingModel, expected) => {
    // Act
    const result = await build(crmFacts({ billingModel }));

    // Assess
    expect(valid(result).billingModel).toBe(expected);
  });

  it('refuses a billing model it does not know, naming its field', async () => {
    // Act
    const result = await build(crmFacts({ billingModel: 'Retainer' }));

    // Assess
    expect(result).toMatchObject({ kind: 'invalid', reason: 'IncompleteOpportunity' });
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.billingModel', message: expect.stringContaining('"Retainer" is not a billing model') },
    ]);
  });

  it.each<[string, string]>([
    ['ERP Advisory', 'erp-advisory'],
    ['  Strategy  ', 'strategy'],
    ['Data & Analytics', 'data-and-analytics'],
    ['Cloud/Infrastructure', 'cloud-infrastructure'],
  ])('normalises the practice %j to the slug %s', async (practice, expected) => {
    // Act
    const result = await build(crmFacts({ practice }));

    // Assess
    expect(valid(result).practice).toBe(expected);
  });

  it.each<[string, string]>([
    ['punctuation only', '!!!'],
    ['one letter', 'X'],
    ['a leading digit', '3D Printing'],
  ])('refuses a practice with %s', async (_label, practice) => {
    // Act
    const result = await build(crmFacts({ practice }));

    // Assess
    expect(issuesOf(result).map((issue) => issue.path)).toEqual(['$.facts.practice']);
  });

  it.each<[number, string, number]>([
    [486000, 'EUR', 48_600_000],
    [125000.5, 'EUR', 12_500_050],
    [0.07, 'EUR', 7],
    [19.99, 'USD', 1999],
    [4_860_000, 'JPY', 4_860_000],
    [1.234, 'KWD', 1234],
    [0, 'EUR', 0],
  ])('converts %d %s to %d minor units', async (amount, currency, amountMinor) => {
    // Act
    const result = await build(crmFacts({ amount, currency }));

    // Assess
    expect(valid(result).amount).toEqual({ amountMinor, currency });
  });

  it.each<[number, string]>([
    [10.125, 'EUR'],
    [486000.125, 'EUR'],
    [100.5, 'JPY'],
    [1_000_000.5, 'JPY'],
  ])('refuses %d %s, which is finer than the currency allows, rather than rounding it', async (amount, currency) => {
    // Act
    const result = await build(crmFacts({ amount, currency }));

    // Assess
    expect(result.kind).toBe('invalid');
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.amount', message: expect.stringContaining(`decimals for ${currency}`) },
    ]);
  });

  it.each<[string, number]>([
    ['a negative amount', -1],
    ['an amount too large to be exact in minor units', 1e17],
  ])('refuses %s', async (_label, amount) => {
    // Act
    const result = await build(crmFacts({ amount }));

    // Assess
    expect(issuesOf(result).map((issue) => issue.path)).toEqual(['$.facts.amount']);
  });

  it.each<[string]>([['ZZZ'], ['eur'], ['EURO']])('refuses the currency %j', async (currency) => {
    // Act
    const result = await build(crmFacts({ currency }));

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.currency', message: expect.stringContaining('is not an ISO-4217 currency code') },
    ]);
  });

  it.each<[string, string]>([
    ['emea', 'EMEA'],
    [' Amer ', 'AMER'],
    ['apac', 'APAC'],
  ])('reads the region %j case-insensitively as %s', async (region, expected) => {
    // Act
    const result = await build(crmFacts({ region }));

    // Assess
    expect(valid(result).region).toBe(expected);
  });

  it.each<[string]>([['Mars'], ['EU'], ['']])('refuses the region %j', async (region) => {
    // Act
    const result = await build(crmFacts({ region }));

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.region', message: expect.stringContaining('is not a region; expected one of EMEA, AMER, APAC') },
    ]);
  });

  it.each<[string, string]>([
    ['an impossible month and day', '2026-13-45'],
    ['the 30th of February', '2026-02-30'],
    ['a European date', '20/11/2026'],
    ['a timestamp', '2026-11-20T10:00:00Z'],
  ])('refuses a close date with %s', async (_label, closeDate) => {
    // Act
    const result = await build(crmFacts({ closeDate }));

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.closeDate', message: expect.stringContaining('is not an ISO-8601 date (YYYY-MM-DD)') },
    ]);
  });

  it('refuses a contract that ends before it starts', async () => {
    // Act
    const result = await build(crmFacts({ startDate: '2027-06-30', endDate: '2027-01-11' }));

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.endDate', message: 'ends (2027-01-11) before it starts (2027-06-30)' },
    ]);
  });

  it('accepts a contract that starts and ends on the same day, and leaves cleared contract dates out', async () => {
    // Act
    const sameDay = await build(crmFacts({ startDate: '2027-01-11', endDate: '2027-01-11' }));
    const cleared = await build(crmFacts({ startDate: null, endDate: null }));

    // Assess
    expect(valid(sameDay)).toMatchObject({ startDate: '2027-01-11', endDate: '2027-01-11' });
    expect([valid(cleared).startDate, valid(cleared).endDate]).toEqual([undefined, undefined]);
  });

  it.each<[number | null, number]>([
    [0, 0],
    [100, 100],
    [12.5, 12.5],
    [null, 0],
  ])('accepts the discount %p as %d percent', async (discountPercent, expected) => {
    // Act
    const result = await build(crmFacts({ discountPercent }));

    // Assess
    expect(valid(result).discountPercent).toBe(expected);
  });

  it.each<[number]>([[-0.5], [100.01], [150]])('refuses the discount %d', async (discountPercent) => {
    // Act
    const result = await build(crmFacts({ discountPercent }));

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.discountPercent', message: 'must be a percentage from 0 to 100' },
    ]);
  });

  it.each<[string, string]>([
    ['empty after trimming', '   '],
    ['over 255 characters', 'N'.repeat(256)],
  ])('refuses a name that is %s', async (_label, name) => {
    // Act
    const result = await build(crmFacts({ name }));

    // Assess
    expect(issuesOf(result)).toEqual([{ path: '$.facts.name', message: 'must be 1 to 255 characters' }]);
  });

  it('accepts a name with emoji and right-to-left text', async () => {
    // Prepare
    const name = 'تحديث المنصة 🚀 Plattform-Erneuerung';

    // Act
    const result = await build(crmFacts({ name }));

    // Assess
    expect(valid(result).name).toBe(name);
  });

  it('says a required fact was cleared when it is null, and absent when it is unknown', async () => {
    // Act
    const result = await build(crmFacts({ region: null, practice: undefined }));

    // Assess
    expect(result).toMatchObject({ kind: 'invalid', reason: 'IncompleteOpportunity' });
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.region', message: 'is required but was cleared (null)' },
      { path: '$.facts.practice', message: 'is required: absent from the event and unknown to the CRM' },
    ]);
  });

  it('reports every problem at once and summarises them with their paths', async () => {
    // Act
    const result = await build(crmFacts({ currency: 'ZZZ', region: 'Mars', closeDate: 'soon' }));

    // Assess
    expect(issuesOf(result).map((issue) => issue.path)).toEqual([
      '$.facts.currency',
      '$.facts.region',
      '$.facts.closeDate',
    ]);
    expect(result.kind === 'invalid' ? result.summary : '').toContain('$.facts.region "Mars" is not a region');
  });

  it('marks messages about values read from the CRM, and only those', async () => {
    // Prepare
    const origin = (fact: string): FactOrigin => (fact === 'region' ? 'crm' : 'event');

    // Act
    const result = await build(crmFacts({ region: 'Mars', practice: '!!!' }), crmWithAccount(), origin);

    // Assess
    const messages = issuesOf(result).map((issue) => issue.message);
    expect(messages[0]).toMatch(/is not a region.* \(value read from the CRM\)$/);
    expect(messages[1]).not.toContain('(value read from the CRM)');
  });

  it('marks a bad account region as read from the CRM even when the account id came from the event', async () => {
    // Prepare
    const crm = new FakeCrm();
    crm.putAccount({ accountId: ACCOUNT_ID, name: 'Müller & Söhne GmbH', region: 'Atlantis' });

    // Act
    const result = await build(crmFacts(), crm);

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.accountId', message: expect.stringContaining('"Atlantis" is not a region') },
    ]);
    expect(issuesOf(result)[0]?.message).toContain('(value read from the CRM)');
  });

  it('rejects an account the CRM does not know as CrmRecordNotFound', async () => {
    // Act
    const result = await build(crmFacts(), new FakeCrm());

    // Assess
    expect(result).toMatchObject({
      kind: 'invalid',
      reason: 'CrmRecordNotFound',
      issues: [{ path: '$.facts.accountId', message: `account ${ACCOUNT_ID} is unknown to the CRM` }],
    });
  });

  it('refuses an account without a name', async () => {
    // Prepare
    const crm = new FakeCrm();
    crm.putAccount({ accountId: ACCOUNT_ID, name: '  ', region: 'EMEA' });

    // Act
    const result = await build(crmFacts(), crm);

    // Assess
    expect(issuesOf(result)).toEqual([
      { path: '$.facts.accountId', message: `account ${ACCOUNT_ID} has no name (value read from the CRM)` },
    ]);
  });

  it("takes the client's region from the account, and the opportunity's region when the account has none", async () => {
    // Prepare
    const withRegion = new FakeCrm();
    withRegion.putAccount({ accountId: ACCOUNT_ID, name: 'Globex', region: 'apac' });
    const withoutRegion = new FakeCrm();
    withoutRegion.putAccount({ accountId: ACCOUNT_ID, name: 'Globex', region: null });

    // Act
    const fromAccount = valid(await build(crmFacts({ region: 'EMEA' }), withRegion));
    const fromOpportunity = valid(await build(crmFacts({ region: 'AMER' }), withoutRegion));

    // Assess
    expect([fromAccount.client.region, fromAccount.region]).toEqual(['APAC', 'EMEA']);
    expect([fromOpportunity.client.region, fromOpportunity.region]).toEqual(['AMER', 'AMER']);
  });

  it.each<[string | undefined, boolean | undefined, boolean]>([
    ['New Business', false, true],
    ['new customer', false, true],
    ['Existing Business', true, false],
    [undefined, true, true],
    [undefined, undefined, false],
  ])(
    'decides from the deal type %j and the account flag %p that the client is new: %p',
    async (dealType, isNewClient, expected) => {
      // Prepare
      const crm = new FakeCrm();
      crm.putAccount({ accountId: ACCOUNT_ID, name: 'Globex', region: 'EMEA', isNewClient });

      // Act
      const result = await build(crmFacts({ dealType }), crm);

      // Assess
      expect(valid(result).client.isNew).toBe(expected);
    },
  );

  it('does not read the account when the account id is missing', async () => {
    // Prepare
    const crm = crmWithAccount();

    // Act
    const result = await build(crmFacts({ accountId: undefined }), crm);

    // Assess
    expect(issuesOf(result).map((issue) => issue.path)).toEqual(['$.facts.accountId']);
    expect(crm.accountReads).toEqual([]);
  });
});
