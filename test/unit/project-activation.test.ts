import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { ZodError } from 'zod';
import { PermanentConnectorError, RetryableConnectorError } from '../../shared/connectors/connector-errors';
import type { CrmConnector, CrmStatementOfWork } from '../../shared/connectors/crm/crm-connector';
import type { RoleLine } from '../../shared/model/entities';
import type { Money } from '../../shared/model/primitives';
import { UnknownCurrencyError } from '../../shared/policies/approval-policy';
import { ActivationInput, CompletedActivation, Engagement } from '../../shared/project-activation/activation-state';
import { billingArrangementFor } from '../../shared/project-activation/activation-steps';
import { CLASSIFIER, prepareEngagement } from '../../shared/project-activation/engagement';
import { recordActivation } from '../../shared/project-activation/record-activation';
import { ActivationsTable } from '../../shared/repositories/activations-table';
import { workBreakdownFor } from '../../shared/project-activation/work-breakdown';

const PROJECT_ID = { system: 'psflow', id: 'PRJ-2026-0142' } as const;
const OPPORTUNITY_ID = '006Dn000004ABCDIA2';
const ACCOUNT_ID = '001Dn000001XYZAIA4';

function money(amountMinor: number, currency = 'EUR'): Money {
  return { amountMinor, currency };
}

/** One statement-of-work line; EUR and the first quarter of 2027 unless told otherwise. */
function roleLine(overrides: Partial<RoleLine> = {}): RoleLine {
  return {
    lineId: 'L-010',
    role: 'Engagement Manager',
    skills: ['programme-management', 'sap-s4hana'],
    hours: 120,
    rate: money(18_500),
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    ...overrides,
  };
}

/** A data-platform statement of work: 120 h x 185 + 480 h x 145 + 320 h x 110 = 127,000.00 in `currency`. */
function dataPlatformLines(currency = 'EUR'): RoleLine[] {
  return [
    roleLine({ rate: money(18_500, currency) }),
    roleLine({
      lineId: 'L-020',
      role: 'Senior Data Engineer',
      skills: ['dbt', 'snowflake'],
      hours: 480,
      rate: money(14_500, currency),
    }),
    roleLine({
      lineId: 'L-030',
      role: 'Data Engineer',
      skills: ['python', 'airflow'],
      hours: 320,
      rate: money(11_000, currency),
      startDate: '2027-02-01',
    }),
  ];
}
const DATA_PLATFORM_TOTAL_MINOR = 12_700_000;

interface OpportunityOverrides {
  readonly amount?: Money;
  readonly billingModel?: 'time-and-materials' | 'fixed-fee';
  readonly discountPercent?: number;
  readonly isNew?: boolean;
  readonly startDate?: string;
  readonly endDate?: string;
  readonly ownerEmail?: string;
}

/** The activation workflow's input, as ingestion starts it: the `Opportunity Won` detail plus the project id. */
function activationInput(overrides: OpportunityOverrides = {}): Record<string, unknown> {
  const { isNew, ...opportunity } = overrides;
  return {
    projectId: PROJECT_ID,
    wonAt: '2026-11-20T09:00:00.000Z',
    dedupeKey: `salesforce:${OPPORTUNITY_ID}:Closed Won`,
    opportunity: {
      opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
      client: {
        clientId: { system: 'salesforce', id: ACCOUNT_ID },
        name: 'Müller & Söhne GmbH',
        region: 'EMEA',
        ...(isNew === undefined ? {} : { isNew }),
      },
      name: 'Data platform modernisation',
      stage: 'Closed Won',
      amount: money(DATA_PLATFORM_TOTAL_MINOR),
      billingModel: 'time-and-materials',
      region: 'EMEA',
      practice: 'data-engineering',
      discountPercent: 5,
      closeDate: '2026-11-20',
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      ownerEmail: 'dana.reyes@example.com',
      ...opportunity,
    },
  };
}

/** A CRM in memory that knows statements of work by opportunity id and records what it was asked. */
function fakeCrm(
  statements: Readonly<Record<string, readonly RoleLine[]>>,
  failure?: Error,
): CrmConnector & { readonly sowRequests: string[] } {
  const sowRequests: string[] = [];
  return {
    system: 'salesforce',
    sowRequests,
    getOpportunity: async () => undefined,
    getAccount: async () => undefined,
    getStatementOfWork: async (opportunityId: string): Promise<CrmStatementOfWork | undefined> => {
      sowRequests.push(opportunityId);
      if (failure) throw failure;
      const roleLines = statements[opportunityId];
      return roleLines ? { opportunityId, roleLines: structuredClone([...roleLines]) } : undefined;
    },
  };
}

/** As the step's handler does: the input parsed with the state contract, then the engagement prepared. */
async function prepareFrom(input: unknown, crm: CrmConnector): Promise<Engagement> {
  return prepareEngagement(ActivationInput.parse(input), crm);
}

/** Prepares the engagement for the default deal with `roleLines` as its statement of work. */
function prepare(
  overrides: OpportunityOverrides = {},
  roleLines: readonly RoleLine[] = dataPlatformLines(overrides.amount?.currency),
): Promise<Engagement> {
  return prepareFrom(activationInput(overrides), fakeCrm({ [OPPORTUNITY_ID]: roleLines }));
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/** Path of every issue a ZodError lists, dotted. */
function issuePaths(error: Error): string[] {
  return error instanceof ZodError ? error.issues.map((issue) => issue.path.join('.')) : [];
}

/** The data-platform engagement as PrepareEngagement leaves it in the state. */
function preparedEngagement(): Engagement {
  const subject: Engagement['subject'] = {
    title: 'Activate Data platform modernisation',
    clientId: { system: 'salesforce', id: ACCOUNT_ID },
    clientName: 'Müller & Söhne GmbH',
    projectId: PROJECT_ID,
    opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
    amount: money(DATA_PLATFORM_TOTAL_MINOR),
    region: 'EMEA',
    practice: 'data-engineering',
    reasons: ['size band medium: 127,000 EUR'],
  };
  return {
    projectId: PROJECT_ID,
    opportunityId: subject.opportunityId,
    clientId: subject.clientId,
    clientName: subject.clientName,
    name: 'Data platform modernisation',
    region: 'EMEA',
    practice: 'data-engineering',
    billingModel: 'time-and-materials',
    amount: money(DATA_PLATFORM_TOTAL_MINOR),
    amountEur: 127_000,
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    roleLines: dataPlatformLines(),
    wonAt: '2026-11-20T09:00:00.000Z',
    requestedBy: 'dana.reyes',
    classification: { sizeBand: 'medium', riskFlags: [], reasons: subject.reasons },
    preparedAt: '2026-11-20T09:00:04.250Z',
    subject,
  };
}

describe('prepareEngagement', () => {
  it('carries the deal and its statement of work into the engagement of a time-and-materials deal', async () => {
    // Prepare
    const crm = fakeCrm({ [OPPORTUNITY_ID]: dataPlatformLines() });
    const before = Date.now();

    // Act
    const engagement = await prepareFrom(activationInput(), crm);

    // Assess
    expect(crm.sowRequests).toEqual([OPPORTUNITY_ID]);
    expect(engagement).toMatchObject({
      projectId: PROJECT_ID,
      opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
      clientId: { system: 'salesforce', id: ACCOUNT_ID },
      clientName: 'Müller & Söhne GmbH',
      name: 'Data platform modernisation',
      region: 'EMEA',
      practice: 'data-engineering',
      billingModel: 'time-and-materials',
      amount: money(DATA_PLATFORM_TOTAL_MINOR),
      amountEur: 127_000,
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      roleLines: dataPlatformLines(),
      wonAt: '2026-11-20T09:00:00.000Z',
      requestedBy: 'dana.reyes',
    });
    expect(Date.parse(engagement.preparedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(engagement.preparedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('classifies a matching time-and-materials deal of an existing client as medium with no risk flags and says why', async () => {
    // Act
    const { classification } = await prepare();

    // Assess
    expect(classification).toEqual({ sizeBand: 'medium', riskFlags: [], reasons: ['size band medium: 127,000 EUR'] });
  });

  it('gives approvers a subject titled after the deal, with the same reasons as the classification', async () => {
    // Act
    const engagement = await prepare({ isNew: true, discountPercent: 18 });

    // Assess
    expect(engagement.subject).toEqual({
      title: 'Activate Data platform modernisation',
      clientId: engagement.clientId,
      clientName: 'Müller & Söhne GmbH',
      projectId: PROJECT_ID,
      opportunityId: engagement.opportunityId,
      amount: engagement.amount,
      region: 'EMEA',
      practice: 'data-engineering',
      reasons: engagement.classification.reasons,
    });
    expect(engagement.subject.reasons).toHaveLength(3);
  });

  it('takes the dates from the role lines when the opportunity has none: the earliest start and the latest end', async () => {
    // Prepare
    const lines = [
      roleLine({ lineId: 'L-030', startDate: '2027-02-01', endDate: '2027-04-30' }),
      roleLine({ lineId: 'L-010', startDate: '2027-01-04', endDate: '2027-03-31' }),
      roleLine({ lineId: 'L-020', startDate: '2027-01-18', endDate: '2027-02-26' }),
    ];

    // Act
    const engagement = await prepare({ startDate: undefined, endDate: undefined }, lines);

    // Assess
    expect({ startDate: engagement.startDate, endDate: engagement.endDate }).toEqual({
      startDate: '2027-01-04',
      endDate: '2027-04-30',
    });
  });

  it('prefers the dates of the opportunity over those of the role lines', async () => {
    // Act
    const engagement = await prepare({ startDate: '2027-01-11', endDate: '2027-05-28' });

    // Assess
    expect({ startDate: engagement.startDate, endDate: engagement.endDate }).toEqual({
      startDate: '2027-01-11',
      endDate: '2027-05-28',
    });
  });

  it('names the CRM integration as requester when the opportunity has no owner', async () => {
    // Act
    const engagement = await prepare({ ownerEmail: undefined });

    // Assess
    expect(engagement.requestedBy).toBe('crm-integration');
  });

  describe('size bands, at each threshold of CLASSIFIER.sizeBandsEur', () => {
    const bands = CLASSIFIER.sizeBandsEur;
    it.each([
      { below: 'small', band: 'medium', thresholdEur: bands.medium },
      { below: 'medium', band: 'large', thresholdEur: bands.large },
      { below: 'large', band: 'strategic', thresholdEur: bands.strategic },
    ])(
      'puts a EUR deal of exactly $thresholdEur EUR in $band, and one cent less in $below',
      async ({ below, band, thresholdEur }) => {
        // Prepare
        const at = money(thresholdEur * 100);
        const justBelow = money(thresholdEur * 100 - 1);

        // Act
        const atThreshold = await prepare({ amount: at });
        const belowThreshold = await prepare({ amount: justBelow });

        // Assess
        expect(atThreshold.classification.sizeBand).toBe(band);
        expect(atThreshold.amountEur).toBe(thresholdEur);
        expect(atThreshold.classification.reasons[0]).toBe(
          `size band ${band}: ${thresholdEur.toLocaleString('en')} EUR`,
        );
        expect(belowThreshold.classification.sizeBand).toBe(below);
        expect(belowThreshold.amountEur).toBe(thresholdEur - 1);
      },
    );

    it('puts a deal of 0 EUR in the small band', async () => {
      // Act
      const engagement = await prepare({ amount: money(0) });

      // Assess
      expect(engagement.classification.sizeBand).toBe('small');
    });

    // Reference rates of approval policy v1: 1 USD = 0.92 EUR, 1 GBP = 1.17 EUR; toEur rounds down to whole EUR.
    it.each([
      { amount: money(5_434_783, 'USD'), amountEur: bands.medium, band: 'medium' }, // 54,347.83 USD x 0.92 = 50,000.0036 EUR
      { amount: money(5_434_782, 'USD'), amountEur: bands.medium - 1, band: 'small' }, // 54,347.82 USD x 0.92 = 49,999.9944 EUR
      { amount: money(21_367_522, 'GBP'), amountEur: bands.large, band: 'large' }, // 213,675.22 GBP x 1.17 = 250,000.0074 EUR
      { amount: money(21_367_521, 'GBP'), amountEur: bands.large - 1, band: 'medium' }, // 213,675.21 GBP x 1.17 = 249,999.9957 EUR
      { amount: money(85_470_086, 'GBP'), amountEur: bands.strategic, band: 'strategic' }, // 854,700.86 GBP x 1.17 = 1,000,000.0062 EUR
      { amount: money(85_470_085, 'GBP'), amountEur: bands.strategic - 1, band: 'large' }, // 854,700.85 GBP x 1.17 = 999,999.9945 EUR
    ])(
      'bands $amount.amountMinor minor units of $amount.currency as $amountEur EUR, $band',
      async ({ amount, amountEur, band }) => {
        // Act
        const engagement = await prepare({ amount });

        // Assess
        expect(engagement.amountEur).toBe(amountEur);
        expect(engagement.classification.sizeBand).toBe(band);
        expect(engagement.classification.reasons[0]).toBe(`size band ${band}: ${amountEur.toLocaleString('en')} EUR`);
      },
    );
  });

  describe('risk flags', () => {
    it('flags a new client, naming it', async () => {
      // Act
      const { classification } = await prepare({ isNew: true });

      // Assess
      expect(classification.riskFlags).toEqual(['new-client']);
      expect(classification.reasons).toContain('new client: Müller & Söhne GmbH has no delivered project yet');
    });

    it('treats a client the opportunity does not mark as new as an existing client', async () => {
      // Act
      const { classification } = await prepare({ isNew: undefined });

      // Assess
      expect(classification.riskFlags).not.toContain('new-client');
    });

    it('flags a fixed fee at CLASSIFIER.fixedFeeRiskEur, quoting the threshold, and not one cent below', async () => {
      // Prepare
      const threshold = CLASSIFIER.fixedFeeRiskEur;

      // Act
      const at = await prepare({ billingModel: 'fixed-fee', amount: money(threshold * 100) });
      const below = await prepare({ billingModel: 'fixed-fee', amount: money(threshold * 100 - 1) });

      // Assess
      expect(at.classification.riskFlags).toEqual(['large-fixed-fee']);
      expect(at.classification.reasons).toContain(
        `fixed fee of ${threshold.toLocaleString('en')} EUR, at or above ${threshold.toLocaleString('en')} EUR`,
      );
      expect(below.classification.riskFlags).toEqual([]);
    });

    it('compares a fixed fee in another currency with the threshold in EUR', async () => {
      // Prepare: 217,391.31 USD x 0.92 = 200,000.0052 EUR; one cent less is 199,999.9960 EUR.
      const atThreshold = money(21_739_131, 'USD');
      const justBelow = money(21_739_130, 'USD');

      // Act
      const at = await prepare({ billingModel: 'fixed-fee', amount: atThreshold });
      const below = await prepare({ billingModel: 'fixed-fee', amount: justBelow });

      // Assess
      expect(at.amountEur).toBe(CLASSIFIER.fixedFeeRiskEur);
      expect(at.classification.riskFlags).toEqual(['large-fixed-fee']);
      expect(below.classification.riskFlags).toEqual([]);
    });

    it('does not flag a time-and-materials deal of the same size as a large fixed fee', async () => {
      // Prepare: the statement of work matches the amount, so no other flag is raised.
      const amountMinor = CLASSIFIER.fixedFeeRiskEur * 100 * 2;
      const lines = [roleLine({ hours: 2_000, rate: money(amountMinor / 2_000) })];

      // Act
      const { classification } = await prepare({ amount: money(amountMinor) }, lines);

      // Assess
      expect(classification.riskFlags).toEqual([]);
    });

    it('flags a discount above CLASSIFIER.unusualDiscountPercent, quoting it, and not one at the threshold', async () => {
      // Prepare
      const threshold = CLASSIFIER.unusualDiscountPercent;

      // Act
      const above = await prepare({ discountPercent: threshold + 2.5 });
      const at = await prepare({ discountPercent: threshold });

      // Assess
      expect(above.classification.riskFlags).toEqual(['unusual-discount']);
      expect(above.classification.reasons).toContain(`discount of ${threshold + 2.5}% is above ${threshold}%`);
      expect(at.classification.riskFlags).toEqual([]);
    });

    it('flags role lines that add up to more than CLASSIFIER.sowMismatchPercent off a time-and-materials amount, saying by how much', async () => {
      // Prepare: the lines add up to 127,000.00 EUR, the deal is 120,000.00 EUR: 5.83% off.
      const amount = money(12_000_000);

      // Act
      const { classification } = await prepare({ amount });

      // Assess
      expect(classification.riskFlags).toEqual(['sow-amount-mismatch']);
      expect(classification.reasons).toContain(
        'role lines add up to 127,000 EUR, 5.8% off the deal amount (more than 5%)',
      );
    });

    it.each([
      { direction: 'over', sowMinor: 12_600_000, flaggedDealMinor: 11_999_999 },
      { direction: 'under', sowMinor: 11_400_000, flaggedDealMinor: 12_000_001 },
    ])(
      'accepts role lines exactly CLASSIFIER.sowMismatchPercent $direction the amount and flags them one cent further off',
      async ({ sowMinor, flaggedDealMinor }) => {
        // Prepare: 600 hours at a rate that makes the lines add up to sowMinor; the deal is 120,000.00 EUR, 5% away.
        const lines = [roleLine({ hours: 600, rate: money(sowMinor / 600) })];
        expect(Math.abs(sowMinor - 12_000_000) / 12_000_000).toBe(CLASSIFIER.sowMismatchPercent / 100);

        // Act
        const atThreshold = await prepare({ amount: money(12_000_000) }, lines);
        const beyond = await prepare({ amount: money(flaggedDealMinor) }, lines);

        // Assess
        expect(atThreshold.classification.riskFlags).toEqual([]);
        expect(beyond.classification.riskFlags).toEqual(['sow-amount-mismatch']);
      },
    );

    it('rounds each role line to whole minor units before comparing the statement of work with the amount', async () => {
      // Prepare: 37.5 h x 123.45 EUR = 4,629.375 EUR, rounded to 4,629.38 EUR per line.
      const lines = [
        roleLine({ hours: 37.5, rate: money(12_345) }),
        roleLine({ lineId: 'L-020', hours: 37.5, rate: money(12_345) }),
      ];
      const amount = money(1_111_051);

      // Act
      const { classification } = await prepare({ amount }, lines);

      // Assess: 9,258.76 EUR (not 9,258.75) against 11,110.51 EUR is 16.7% off.
      expect(classification.reasons).toContain(
        'role lines add up to 9,258.76 EUR, 16.7% off the deal amount (more than 5%)',
      );
    });

    it("states the role lines in the currency's own minor unit: yen have none", async () => {
      // Prepare: 100 h at 20,000 JPY is 2,000,000 JPY against a deal of 3,000,000 JPY.
      const lines = [roleLine({ hours: 100, rate: money(20_000, 'JPY') })];

      // Act
      const { classification } = await prepare({ amount: money(3_000_000, 'JPY') }, lines);

      // Assess
      expect(classification.reasons).toContain(
        'role lines add up to 2,000,000 JPY, 33.3% off the deal amount (more than 5%)',
      );
    });

    it('flags a time-and-materials deal of no amount as a full mismatch', async () => {
      // Act
      const { classification } = await prepare({ amount: money(0) });

      // Assess
      expect(classification.riskFlags).toEqual(['sow-amount-mismatch']);
      expect(classification.reasons).toContain(
        'role lines add up to 127,000 EUR, 100.0% off the deal amount (more than 5%)',
      );
    });

    it('does not compare the role lines of a fixed-fee deal with its amount', async () => {
      // Prepare: the lines add up to 127,000.00 EUR against a fixed fee of 95,000.00 EUR.
      const amount = money(9_500_000);

      // Act
      const { classification } = await prepare({ billingModel: 'fixed-fee', amount });

      // Assess
      expect(classification.riskFlags).toEqual([]);
    });

    it('raises every flag that applies, in a fixed order, each with its own reason after the size band', async () => {
      // Act
      const { classification } = await prepare({
        billingModel: 'fixed-fee',
        amount: money(45_000_000),
        isNew: true,
        discountPercent: 22,
      });

      // Assess
      expect(classification).toEqual({
        sizeBand: 'large',
        riskFlags: ['new-client', 'large-fixed-fee', 'unusual-discount'],
        reasons: [
          'size band large: 450,000 EUR',
          'new client: Müller & Söhne GmbH has no delivered project yet',
          'fixed fee of 450,000 EUR, at or above 200,000 EUR',
          'discount of 22% is above 15%',
        ],
      });
    });
  });

  describe('errors', () => {
    it('refuses an opportunity with no statement of work as a permanent CRM failure naming the opportunity', async () => {
      // Prepare
      const crm = fakeCrm({});

      // Act
      const error = await rejectionOf(prepareFrom(activationInput(), crm));

      // Assess
      expect(error).toBeInstanceOf(PermanentConnectorError);
      expect(error).toMatchObject({ connector: 'crm', operation: 'getStatementOfWork' });
      expect(error.message).toBe(
        `crm.getStatementOfWork: opportunity ${OPPORTUNITY_ID} has no statement of work with role lines`,
      );
    });

    it('refuses a role line priced in another currency than the deal, naming the line and both currencies', async () => {
      // Prepare
      const lines = [
        ...dataPlatformLines('EUR'),
        roleLine({ lineId: 'L-040', role: 'Solution Architect', rate: money(16_000, 'GBP') }),
      ];

      // Act
      const error = await rejectionOf(prepare({}, lines));

      // Assess
      expect(error).toBeInstanceOf(PermanentConnectorError);
      expect(error).toMatchObject({ connector: 'crm', operation: 'getStatementOfWork' });
      expect(error.message).toBe('crm.getStatementOfWork: role line L-040 is priced in GBP, the deal in EUR');
    });

    it('names the first line in another currency when several are', async () => {
      // Prepare
      const lines = dataPlatformLines('USD').map((line, index) =>
        index === 0 ? { ...line, rate: money(18_500, 'EUR') } : line,
      );

      // Act
      const error = await rejectionOf(prepare({}, lines));

      // Assess
      expect(error.message).toContain('role line L-020 is priced in USD, the deal in EUR');
    });

    it.each([
      {
        what: 'no project id',
        input: (): unknown => ({ ...activationInput(), projectId: undefined }),
        path: 'projectId',
      },
      {
        what: 'a lower-case currency',
        input: (): unknown => activationInput({ amount: money(12_700_000, 'eur') }),
        path: 'opportunity.amount.currency',
      },
      {
        what: 'a discount above 100%',
        input: (): unknown => activationInput({ discountPercent: 120 }),
        path: 'opportunity.discountPercent',
      },
      {
        what: 'a start date that is not a date',
        input: (): unknown => activationInput({ startDate: '04/01/2027' }),
        path: 'opportunity.startDate',
      },
      {
        what: 'a won time that is not a timestamp',
        input: (): unknown => ({ ...activationInput(), wonAt: 'yesterday' }),
        path: 'wonAt',
      },
    ])('refuses input with $what, saying where, without asking the CRM', async ({ input, path }) => {
      // Prepare
      const crm = fakeCrm({ [OPPORTUNITY_ID]: dataPlatformLines() });

      // Act
      const error = await rejectionOf(prepareFrom(input(), crm));

      // Assess
      expect(error).toBeInstanceOf(ZodError);
      expect(issuePaths(error)).toEqual([path]);
      expect(crm.sowRequests).toEqual([]);
    });

    it('refuses input that is not an object at all', async () => {
      // Act
      const error = await rejectionOf(prepareFrom(null, fakeCrm({})));

      // Assess
      expect(error).toBeInstanceOf(ZodError);
    });

    it('refuses a deal in a currency the approval policy has no reference rate for, naming the currency', async () => {
      // Act
      const error = await rejectionOf(prepare({ amount: money(12_700_000, 'BRL') }));

      // Assess
      expect(error).toBeInstanceOf(UnknownCurrencyError);
      expect(error.message).toContain('BRL');
    });

    it('passes a retryable CRM failure through unchanged, so the workflow retries it', async () => {
      // Prepare
      const throttled = new RetryableConnectorError('crm', 'getStatementOfWork', 'REQUEST_LIMIT_EXCEEDED');

      // Act
      const error = await rejectionOf(prepareFrom(activationInput(), fakeCrm({}, throttled)));

      // Assess
      expect(error).toBe(throttled);
    });
  });

  it('classifies the same input the same way every time, whatever the order of the role lines', async () => {
    // Prepare
    const input = activationInput({
      billingModel: 'fixed-fee',
      amount: money(31_250_000, 'GBP'),
      isNew: true,
      discountPercent: 17,
    });
    const lines = dataPlatformLines('GBP');

    // Act
    const first = await prepareFrom(input, fakeCrm({ [OPPORTUNITY_ID]: lines }));
    const second = await prepareFrom(structuredClone(input), fakeCrm({ [OPPORTUNITY_ID]: lines }));
    const reordered = await prepareFrom(structuredClone(input), fakeCrm({ [OPPORTUNITY_ID]: [...lines].reverse() }));

    // Assess
    expect(first.classification.riskFlags).toEqual(['new-client', 'large-fixed-fee', 'unusual-discount']);
    expect(second.classification).toEqual(first.classification);
    expect(reordered.classification).toEqual(first.classification);
    expect({ ...second, preparedAt: first.preparedAt }).toEqual(first);
  });
});

describe('billingArrangementFor', () => {
  /** The engagement as steps read it from the workflow state. */
  function stepEngagement(overrides: Record<string, unknown> = {}): Engagement {
    return Engagement.parse({
      ...preparedEngagement(),
      billingModel: 'fixed-fee',
      amount: money(45_000_000),
      endDate: '2027-06-30',
      ...overrides,
    });
  }

  it('gives a time-and-materials engagement a rate card with the rate of each role line, in line order', async () => {
    // Prepare
    const engagement = Engagement.parse(await prepare());

    // Act
    const billing = billingArrangementFor(engagement);

    // Assess
    expect(billing).toEqual({
      kind: 'rate-card',
      rates: [
        { role: 'Engagement Manager', rate: money(18_500) },
        { role: 'Senior Data Engineer', rate: money(14_500) },
        { role: 'Data Engineer', rate: money(11_000) },
      ],
    });
  });

  it('keeps one rate per role line, even when two lines share a role', () => {
    // Prepare
    const lines = [
      roleLine({ lineId: 'L-010', role: 'Data Engineer', rate: money(11_000, 'USD') }),
      roleLine({ lineId: 'L-020', role: 'Data Engineer', rate: money(12_500, 'USD') }),
    ];

    // Act
    const billing = billingArrangementFor(
      stepEngagement({ billingModel: 'time-and-materials', amount: money(2_820_000, 'USD'), roleLines: lines }),
    );

    // Assess
    expect(billing.kind === 'rate-card' ? billing.rates : []).toEqual(
      lines.map((line) => ({ role: line.role, rate: line.rate })),
    );
  });

  it('splits a fixed fee into three milestones of 30, 40 and 30 percent, in the currency of the deal', () => {
    // Act
    const billing = billingArrangementFor(stepEngagement({ amount: money(45_000_000, 'GBP') }));

    // Assess
    expect(billing).toEqual({
      kind: 'milestone-schedule',
      milestones: [
        { name: 'Mobilisation and plan signed off', dueDate: '2027-01-21', amount: money(13_500_000, 'GBP') },
        { name: 'Mid-point deliverables accepted', dueDate: '2027-04-02', amount: money(18_000_000, 'GBP') },
        { name: 'Final acceptance', dueDate: '2027-06-30', amount: money(13_500_000, 'GBP') },
      ],
    });
  });

  it.each([
    { total: 1, parts: [0, 0, 1] },
    { total: 2, parts: [1, 1, 0] },
    { total: 7, parts: [2, 3, 2] },
    { total: 99_999, parts: [30_000, 40_000, 29_999] },
    { total: 100_001, parts: [30_000, 40_000, 30_001] },
    { total: 123_456_789, parts: [37_037_037, 49_382_716, 37_037_036] },
  ])('makes milestones of a $total minor-unit fixed fee add up to exactly the fee', ({ total, parts }) => {
    // Act
    const billing = billingArrangementFor(stepEngagement({ amount: money(total, 'EUR') }));

    // Assess
    const amounts =
      billing.kind === 'milestone-schedule' ? billing.milestones.map((milestone) => milestone.amount.amountMinor) : [];
    expect(amounts).toEqual(parts);
    expect(amounts.reduce((sum, amount) => sum + amount, 0)).toBe(total);
    expect(amounts.every((amount) => Number.isInteger(amount) && amount >= 0)).toBe(true);
  });

  it.each([
    { startDate: '2027-01-04', endDate: '2027-06-30' },
    { startDate: '2027-02-01', endDate: '2027-02-12' },
    { startDate: '2026-12-14', endDate: '2027-12-17' },
    { startDate: '2027-03-01', endDate: '2027-03-01' },
  ])(
    'dates the milestones of an engagement from $startDate to $endDate inside the window, in order, the last at the end',
    ({ startDate, endDate }) => {
      // Act
      const billing = billingArrangementFor(stepEngagement({ startDate, endDate }));

      // Assess
      const dueDates =
        billing.kind === 'milestone-schedule' ? billing.milestones.map((milestone) => milestone.dueDate) : [];
      expect(dueDates).toHaveLength(3);
      expect(dueDates.every((due) => /^\d{4}-\d{2}-\d{2}$/.test(due) && due >= startDate && due <= endDate)).toBe(true);
      expect([...dueDates].sort()).toEqual(dueDates);
      expect(dueDates[2]).toBe(endDate);
    },
  );
});

describe('workBreakdownFor', () => {
  const discovery = { startDate: '2027-01-04', endDate: '2027-01-29' };
  const build = { startDate: '2027-02-01', endDate: '2027-04-30' };
  const hypercare = { startDate: '2027-05-03', endDate: '2027-05-28' };

  /** An S/4HANA rollout's statement of work, deliberately not in date order. */
  function rolloutLines(): RoleLine[] {
    return [
      roleLine({ lineId: 'L-040', role: 'SAP FI Consultant', skills: ['sap-fi'], hours: 480, ...build }),
      roleLine({ lineId: 'L-050', role: 'Support Analyst', skills: ['sap-basis'], hours: 120, ...hypercare }),
      roleLine({ lineId: 'L-010', role: 'Engagement Manager', hours: 40, ...discovery }),
      roleLine({ lineId: 'L-030', role: 'SAP MM Consultant', skills: ['sap-mm'], hours: 450, ...build }),
      roleLine({ lineId: 'L-020', role: 'Business Analyst', skills: ['process-mapping'], hours: 80, ...discovery }),
    ];
  }

  it('makes one work package per date window, numbered 1..n in date order, with the roles, hours and lines of the window', () => {
    // Act
    const packages = workBreakdownFor(rolloutLines());

    // Assess
    expect(packages).toEqual([
      {
        code: '1',
        name: 'Engagement Manager, Business Analyst (2027-01-04 to 2027-01-29)',
        ...discovery,
        plannedHours: 120,
        roleLineIds: ['L-010', 'L-020'],
      },
      {
        code: '2',
        name: 'SAP FI Consultant, SAP MM Consultant (2027-02-01 to 2027-04-30)',
        ...build,
        plannedHours: 930,
        roleLineIds: ['L-040', 'L-030'],
      },
      {
        code: '3',
        name: 'Support Analyst (2027-05-03 to 2027-05-28)',
        ...hypercare,
        plannedHours: 120,
        roleLineIds: ['L-050'],
      },
    ]);
  });

  it('numbers the packages the same way whatever the order of the lines', () => {
    // Prepare
    const lines = rolloutLines();
    const orders = [lines, [...lines].reverse(), [lines[2], lines[0], lines[4], lines[1], lines[3]]];

    // Act
    const breakdowns = orders.map((order) => workBreakdownFor(order));

    // Assess
    const windows = breakdowns.map((packages) =>
      packages.map(({ code, startDate, endDate, plannedHours }) => ({ code, startDate, endDate, plannedHours })),
    );
    expect(windows[1]).toEqual(windows[0]);
    expect(windows[2]).toEqual(windows[0]);
    expect(windows[0].map((workPackage) => workPackage.startDate)).toEqual([
      discovery.startDate,
      build.startDate,
      hypercare.startDate,
    ]);
  });

  it('keeps the input order of the lines within a window', () => {
    // Prepare
    const lines = rolloutLines().filter((line) => line.startDate === build.startDate);

    // Act
    const inOrder = workBreakdownFor(lines);
    const reversed = workBreakdownFor([...lines].reverse());

    // Assess
    expect(inOrder.map((workPackage) => workPackage.roleLineIds)).toEqual([['L-040', 'L-030']]);
    expect(reversed.map((workPackage) => workPackage.roleLineIds)).toEqual([['L-030', 'L-040']]);
    expect(reversed[0].name).toBe('SAP MM Consultant, SAP FI Consultant (2027-02-01 to 2027-04-30)');
  });

  it('places every line in exactly one package and plans all of its hours', () => {
    // Prepare
    const lines = rolloutLines();

    // Act
    const packages = workBreakdownFor(lines);

    // Assess
    expect(packages.flatMap((workPackage) => workPackage.roleLineIds).sort()).toEqual(
      lines.map((line) => line.lineId).sort(),
    );
    expect(packages.reduce((sum, workPackage) => sum + workPackage.plannedHours, 0)).toBe(
      lines.reduce((sum, line) => sum + line.hours, 0),
    );
  });

  it('sums part-time hours of the lines of a window', () => {
    // Prepare
    const lines = [
      roleLine({ lineId: 'L-010', hours: 37.5, ...discovery }),
      roleLine({ lineId: 'L-020', role: 'Quality Reviewer', hours: 7.5, ...discovery }),
    ];

    // Act
    const packages = workBreakdownFor(lines);

    // Assess
    expect(packages.map((workPackage) => workPackage.plannedHours)).toEqual([45]);
  });

  it('makes windows that share a start but end on different days separate packages, the earlier end first', () => {
    // Prepare
    const lines = [
      roleLine({ lineId: 'L-020', startDate: '2027-02-01', endDate: '2027-06-30' }),
      roleLine({ lineId: 'L-010', startDate: '2027-02-01', endDate: '2027-03-31' }),
    ];

    // Act
    const packages = workBreakdownFor(lines);

    // Assess
    expect(packages.map(({ code, endDate, roleLineIds }) => ({ code, endDate, roleLineIds }))).toEqual([
      { code: '1', endDate: '2027-03-31', roleLineIds: ['L-010'] },
      { code: '2', endDate: '2027-06-30', roleLineIds: ['L-020'] },
    ]);
  });

  it('makes a single line one package numbered 1', () => {
    // Prepare
    const line = roleLine({
      lineId: 'L-001',
      role: 'Interim CFO',
      skills: ['finance-transformation'],
      hours: 320,
      startDate: '2027-01-11',
      endDate: '2027-04-09',
    });

    // Act
    const packages = workBreakdownFor([line]);

    // Assess
    expect(packages).toEqual([
      {
        code: '1',
        name: 'Interim CFO (2027-01-11 to 2027-04-09)',
        startDate: '2027-01-11',
        endDate: '2027-04-09',
        plannedHours: 320,
        roleLineIds: ['L-001'],
      },
    ]);
  });

  it('makes no package of no lines', () => {
    // Act
    const packages = workBreakdownFor([]);

    // Assess
    expect(packages).toEqual([]);
  });
});

describe('recordActivation', () => {
  const TABLE = 'psflow-test-activations';
  const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:psflow-project-activation:PRJ-2026-0142';
  const NOW = new Date('2026-11-21T08:15:21.000Z');

  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let client: DynamoDBDocumentClient;

  beforeEach(() => {
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    );
    dynamo = mockClient(client);
    dynamo.on(PutCommand).resolves({});
  });

  afterEach(() => {
    dynamo.restore();
  });

  /** The workflow state when RecordActivation runs: won, prepared, approved at two levels, provisioned, billed, staffed, onboarded. */
  function activationState(): Record<string, unknown> {
    return {
      ...activationInput(),
      engagement: preparedEngagement(),
      // The later decision first: the stage ends at the latest decision, not the last listed.
      approval: {
        route: { ruleId: 'activation-emea-over-250k', levelCount: 2 },
        decisions: [
          { outcome: 'approved', decidedBy: 'cfo.lindqvist', decidedAt: '2026-11-21T08:15:00.000Z', level: 2 },
          { outcome: 'approved', decidedBy: 'practice.okafor', decidedAt: '2026-11-20T13:30:00.000Z', level: 1 },
        ],
      },
      provisioned: {
        erp: { erpProjectId: 'ERP-PRJ-88412', baselineId: 'BL-1', completedAt: '2026-11-21T08:15:09.100Z' },
        psa: { psaProjectId: 'PSA-5521', completedAt: '2026-11-21T08:15:12.400Z' },
      },
      billing: { billingId: 'BIL-3307', kind: 'rate-card', completedAt: '2026-11-21T08:15:14.000Z' },
      resources: { requested: 3, completedAt: '2026-11-21T08:15:14.350Z' },
      onboarding: { contractId: 'DOC-1', sowId: 'DOC-2', taskListId: 'TL-1', completedAt: '2026-11-21T08:15:20.000Z' },
    };
  }

  /** As the step's handler does: the state parsed with its contract, then recorded in the activations table. */
  async function recordFrom(state: unknown): ReturnType<typeof recordActivation> {
    return recordActivation(CompletedActivation.parse(state), new ActivationsTable(client, TABLE), EXECUTION_ARN, NOW);
  }

  function putItems(): Record<string, unknown>[] {
    return dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item as Record<string, unknown>);
  }

  it('computes the cycle time from won to now and each stage from the timestamps in the state, to a tenth of a second', async () => {
    // Act
    const record = await recordFrom(activationState());

    // Assess
    expect(record.cycleTimeSeconds).toBe(83_721); // 2026-11-20T09:00:00Z to 2026-11-21T08:15:21Z
    expect(record.stageSeconds).toEqual({
      prepare: 4.3, // won to prepared: 4.25 s
      approval: 83_695.8, // prepared to the latest decision: 83,695.75 s
      provisioning: 12.4, // latest decision to the later of ERP and PSA
      billing: 1.6,
      resourceDemand: 0.4, // 0.35 s
      onboarding: 5.7, // 5.65 s
    });
  });

  it('writes the record with the ids of what was created, the cycle time and the stage seconds it returns', async () => {
    // Act
    const record = await recordFrom(activationState());

    // Assess
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input.TableName).toBe(TABLE);
    expect(putItems()[0]).toEqual({
      projectId: PROJECT_ID.id,
      opportunityId: OPPORTUNITY_ID,
      executionArn: EXECUTION_ARN,
      erpProjectId: 'ERP-PRJ-88412',
      psaProjectId: 'PSA-5521',
      billingId: 'BIL-3307',
      wonAt: '2026-11-20T09:00:00.000Z',
      activatedAt: NOW.toISOString(),
      cycleTimeSeconds: record.cycleTimeSeconds,
      stageSeconds: record.stageSeconds,
    });
  });

  it('announces the project as active with the budget, dates and ids of the engagement', async () => {
    // Act
    const { event } = await recordFrom(activationState());

    // Assess
    expect(event).toEqual({
      project: {
        projectId: PROJECT_ID,
        clientId: { system: 'salesforce', id: ACCOUNT_ID },
        opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
        name: 'Data platform modernisation',
        region: 'EMEA',
        practice: 'data-engineering',
        budget: money(DATA_PLATFORM_TOTAL_MINOR),
        startDate: '2027-01-04',
        endDate: '2027-03-31',
        status: 'active',
      },
      opportunityId: { system: 'salesforce', id: OPPORTUNITY_ID },
      wonAt: '2026-11-20T09:00:00.000Z',
      activatedAt: NOW.toISOString(),
      stageSeconds: {
        prepare: 4.3,
        approval: 83_695.8,
        provisioning: 12.4,
        billing: 1.6,
        resourceDemand: 0.4,
        onboarding: 5.7,
      },
    });
  });

  it('measures provisioning to whichever of ERP and PSA finished last', async () => {
    // Prepare: the ERP now finishes after the PSA.
    const state = activationState() as { provisioned: { erp: { completedAt: string } } };
    state.provisioned.erp.completedAt = '2026-11-21T08:15:13.000Z';

    // Act
    const { stageSeconds } = await recordFrom(state);

    // Assess
    expect(stageSeconds.provisioning).toBe(13);
    expect(stageSeconds.billing).toBe(1);
  });

  it.each([
    { what: 'no approval at all', approval: undefined },
    {
      what: 'an approval route with no levels, so no decisions',
      approval: { route: { ruleId: 'activation-small', levelCount: 0 } },
    },
    { what: 'an empty list of decisions', approval: { decisions: [] } },
  ])(
    'counts no approval time when the state has $what, and measures provisioning from the preparation',
    async ({ approval }) => {
      // Prepare
      const state = { ...activationState(), approval };

      // Act
      const { stageSeconds } = await recordFrom(state);

      // Assess
      expect(stageSeconds.approval).toBe(0);
      expect(stageSeconds.provisioning).toBe(83_708.2); // 2026-11-20T09:00:04.250Z to 2026-11-21T08:15:12.400Z: 83,708.15 s
    },
  );

  it('counts a stage whose end is stamped before its start, by a host whose clock is behind, as zero seconds, never negative', async () => {
    // Prepare: the billing host's clock is 2.5 s behind the PSA's.
    const state = activationState() as { billing: { completedAt: string } };
    state.billing.completedAt = '2026-11-21T08:15:09.900Z';

    // Act
    const { stageSeconds } = await recordFrom(state);

    // Assess
    expect(stageSeconds.billing).toBe(0);
    expect(stageSeconds.resourceDemand).toBe(4.5);
  });

  it.each([
    {
      what: 'no onboarding stage',
      change: (state: Record<string, unknown>) => delete state.onboarding,
      path: 'onboarding',
    },
    {
      what: 'no resources time',
      change: (state: Record<string, unknown>) => delete (state.resources as Record<string, unknown>).completedAt,
      path: 'resources.completedAt',
    },
    {
      what: 'no billing time',
      change: (state: Record<string, unknown>) => delete (state.billing as Record<string, unknown>).completedAt,
      path: 'billing.completedAt',
    },
    {
      what: 'no PSA provisioning time',
      change: (state: Record<string, unknown>) =>
        delete (state.provisioned as { psa: Record<string, unknown> }).psa.completedAt,
      path: 'provisioned.psa.completedAt',
    },
    {
      what: 'no preparation time',
      change: (state: Record<string, unknown>) => delete (state.engagement as Record<string, unknown>).preparedAt,
      path: 'engagement.preparedAt',
    },
    // As an owner's correction might leave a state: refused with its path instead of recording NaN seconds.
    {
      what: 'an empty billing time',
      change: (state: Record<string, unknown>) => ((state.billing as Record<string, unknown>).completedAt = ''),
      path: 'billing.completedAt',
    },
    {
      what: 'a date without a time',
      change: (state: Record<string, unknown>) =>
        ((state.onboarding as Record<string, unknown>).completedAt = '2026-11-21'),
      path: 'onboarding.completedAt',
    },
    {
      what: 'a decision time in words',
      change: (state: Record<string, unknown>) =>
        ((state.approval as { decisions: Record<string, unknown>[] }).decisions[0].decidedAt = 'this morning'),
      path: 'approval.decisions.0.decidedAt',
    },
  ])('refuses a state with $what, saying where, and writes nothing', async ({ change, path }) => {
    // Prepare
    const state = activationState();
    change(state);

    // Act
    const error = await rejectionOf(recordFrom(state));

    // Assess
    expect(error).toBeInstanceOf(ZodError);
    expect(issuePaths(error)).toEqual([path]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('ends approval at the latest decision by instant, when decisions carry different offsets and precision', async () => {
    // Prepare: 11:30+02:00 is 09:30Z, earlier than 09:40Z although its text sorts later.
    const state = activationState() as {
      approval: { decisions: { decidedAt: string }[] };
      engagement: { preparedAt: string };
    };
    state.engagement.preparedAt = '2026-11-20T09:00:00Z';
    state.approval.decisions[0].decidedAt = '2026-11-20T09:40:00Z';
    state.approval.decisions[1].decidedAt = '2026-11-20T11:30:00+02:00';

    // Act
    const { stageSeconds } = await recordFrom(state);

    // Assess
    expect(stageSeconds.approval).toBe(2_400);
  });

  it('propagates a failed write, so the workflow retries the step', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(new Error('Rate of requests exceeds the allowed throughput.'));

    // Act
    const error = await rejectionOf(recordFrom(activationState()));

    // Assess
    expect(error.message).toBe('Rate of requests exceeds the allowed throughput.');
  });
});
