import { cutOffAt, parsePeriod } from '../../shared/billing/billing-calendar';
import { currentBillingPolicy, type FindingCode } from '../../shared/billing/billing-policy';
import type { BillingProject, ProjectAssignment } from '../../shared/billing/billing-ports';
import { checkReadiness, unknownProjectFinding, type ReadinessInput } from '../../shared/billing/readiness';
import type { Expense, Milestone, TimeEntry } from '../../shared/connectors/psa/psa-billing-records';
import { workingDaysBetween } from '../../shared/billing/billing-calendar';

const policy = currentBillingPolicy();
const calendar = policy.calendars.EMEA;
const period = parsePeriod('2026-11', calendar);
const cutOff = cutOffAt(period, calendar);
/** The 21 working days of November 2026 in EMEA (no public holiday falls in it). */
const DAYS = workingDaysBetween(period.start, period.end, calendar);

function project(overrides: Partial<BillingProject> = {}): BillingProject {
  return {
    projectId: 'P-1',
    name: 'ERP roll-out',
    clientId: 'C-1',
    region: 'EMEA',
    country: 'DE',
    clientIsBusiness: true,
    currency: 'EUR',
    billingModel: 'time-and-materials',
    status: 'active',
    rateCard: [{ role: 'consultant', rate: 100 }],
    projectManager: 'pm.paula',
    deliveryLead: 'dl.dora',
    ...overrides,
  };
}

function assignment(overrides: Partial<ProjectAssignment> = {}): ProjectAssignment {
  return {
    personId: 'alice',
    projectId: 'P-1',
    roleLineId: 'L1',
    role: 'consultant',
    from: '2026-10-01',
    to: '2026-12-31',
    hoursPerDay: 8,
    leaveDates: [],
    ...overrides,
  };
}

function entry(date: string, overrides: Partial<TimeEntry> = {}): TimeEntry {
  return {
    entryId: `T-alice-${date}`,
    personId: 'alice',
    projectId: 'P-1',
    roleLineId: 'L1',
    role: 'consultant',
    date,
    hours: 8,
    billable: true,
    status: 'approved',
    rate: 100,
    currency: 'EUR',
    ...overrides,
  };
}

function expense(overrides: Partial<Expense> = {}): Expense {
  return {
    expenseId: 'E-1',
    personId: 'alice',
    projectId: 'P-1',
    date: '2026-11-10',
    amount: 120.5,
    currency: 'EUR',
    category: 'travel',
    receiptDocumentId: 'DOC-1',
    status: 'approved',
    policyLimit: 500,
    billable: true,
    ...overrides,
  };
}

function milestone(overrides: Partial<Milestone> = {}): Milestone {
  return {
    milestoneId: 'M-1',
    projectId: 'P-1',
    name: 'Blueprint signed off',
    amount: 25_000,
    currency: 'EUR',
    dueDate: '2026-11-20',
    evidenceDocumentId: 'DOC-ACC-1',
    acceptedBy: 'client.cfo',
    acceptedAt: '2026-11-20T10:00:00Z',
    ...overrides,
  };
}

/** A ready T&M month: alice's 21 working days approved at the card rate. */
function input(change: (base: ReadinessInput) => Partial<ReadinessInput> = () => ({})): ReadinessInput {
  const base: ReadinessInput = {
    project: project(),
    period,
    calendar,
    cutOffAt: cutOff,
    records: { timeEntries: DAYS.map((day) => entry(day)), expenses: [], milestones: [] },
    assignments: [assignment()],
    leave: {},
    policy,
  };
  return { ...base, ...change(base) };
}

const withEntries = (base: ReadinessInput, entries: TimeEntry[]) => ({
  records: { ...base.records, timeEntries: entries },
});
const replaceDay = (base: ReadinessInput, day: string, replacement: TimeEntry[]) =>
  withEntries(base, [...base.records.timeEntries.filter((item) => item.date !== day), ...replacement]);

describe('the billing readiness check', () => {
  it('finds a complete, approved T&M month ready and drafts lines, tax and totals', () => {
    // Prepare
    const subject = input();

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(DAYS).toHaveLength(21);
    expect(result.findings).toEqual([]);
    expect(result.ready).toBe(true);
    expect(result.invoice).toMatchObject({
      projectId: 'P-1',
      period: '2026-11',
      currency: 'EUR',
      subtotalMinor: 21 * 8 * 100 * 100,
      taxRate: 0.19,
      taxMinor: 319_200,
      totalMinor: 1_999_200,
      reverseCharge: false,
    });
    expect(result.invoice?.lines).toEqual([
      expect.objectContaining({ kind: 'time', quantity: 168, unitPriceMinor: 10_000, amountMinor: 1_680_000 }),
    ]);
  });

  it('gives the same answer for the same records in any order', () => {
    // Prepare
    const forward = input((base) => replaceDay(base, DAYS[3], [entry(DAYS[3], { status: 'submitted' })]));
    const backward = {
      ...forward,
      records: { ...forward.records, timeEntries: [...forward.records.timeEntries].reverse() },
    };

    // Act
    const [first, second] = [checkReadiness(forward), checkReadiness(backward)];

    // Assess
    expect(second).toEqual(first);
  });

  type Scenario = {
    name: string;
    change: (base: ReadinessInput) => Partial<ReadinessInput>;
    code: FindingCode;
    owner: string;
    ownerId: string;
    recordIds: string[];
    message: RegExp;
  };
  const scenarios: Scenario[] = [
    {
      name: 'a working day without submitted time',
      change: (base) => replaceDay(base, '2026-11-12', []),
      code: 'time-missing',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['alice/L1'],
      message: /1 working day\(s\): 2026-11-12/,
    },
    {
      name: 'a day only in draft',
      change: (base) => replaceDay(base, '2026-11-13', [entry('2026-11-13', { status: 'draft' })]),
      code: 'time-missing',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['alice/L1'],
      message: /2026-11-13/,
    },
    {
      name: 'submitted time not yet approved',
      change: (base) => replaceDay(base, '2026-11-16', [entry('2026-11-16', { status: 'submitted' })]),
      code: 'time-not-approved',
      owner: 'project-manager',
      ownerId: 'pm.paula',
      recordIds: ['T-alice-2026-11-16'],
      message: /1 time entry of alice \(8 h\) submitted but not approved/,
    },
    {
      name: 'a rate that differs from the rate card',
      change: (base) => replaceDay(base, '2026-11-17', [entry('2026-11-17', { rate: 95 })]),
      code: 'rate-mismatch',
      owner: 'finance',
      ownerId: 'finance',
      recordIds: ['T-alice-2026-11-17'],
      message: /applies 95 EUR\/h; the rate card says 100/,
    },
    {
      name: 'an expense not approved',
      change: (base) => ({ records: { ...base.records, expenses: [expense({ status: 'submitted' })] } }),
      code: 'expense-not-approved',
      owner: 'project-manager',
      ownerId: 'pm.paula',
      recordIds: ['E-1'],
      message: /is submitted, not approved/,
    },
    {
      name: 'an expense without a receipt',
      change: (base) => ({ records: { ...base.records, expenses: [expense({ receiptDocumentId: undefined })] } }),
      code: 'expense-receipt-missing',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['E-1'],
      message: /has no receipt/,
    },
    {
      name: 'an expense over its policy limit',
      change: (base) => ({ records: { ...base.records, expenses: [expense({ amount: 900 })] } }),
      code: 'expense-over-policy',
      owner: 'project-manager',
      ownerId: 'pm.paula',
      recordIds: ['E-1'],
      message: /900 EUR is outside the policy limit of 500/,
    },
    {
      name: 'an expense in an unknown currency',
      change: (base) => ({ records: { ...base.records, expenses: [expense({ currency: 'XBT' })] } }),
      code: 'expense-unknown-currency',
      owner: 'finance',
      ownerId: 'finance',
      recordIds: ['E-1'],
      message: /"XBT", a currency the rounding table does not know/,
    },
    {
      name: 'a fixed-fee milestone due this period without acceptance evidence',
      change: (base) => ({
        project: project({ billingModel: 'fixed-fee' }),
        records: { ...base.records, milestones: [milestone({ evidenceDocumentId: undefined, acceptedBy: undefined })] },
      }),
      code: 'milestone-evidence-missing',
      owner: 'delivery-lead',
      ownerId: 'dl.dora',
      recordIds: ['M-1'],
      message: /no acceptance evidence document, who accepted it/,
    },
    {
      name: 'a billable total over the remaining budget',
      change: () => ({ project: project({ budgetRemaining: 10_000 }) }),
      code: 'over-budget',
      owner: 'delivery-lead',
      ownerId: 'dl.dora',
      recordIds: ['P-1'],
      message: /billable 16800.00 EUR exceeds the remaining budget of 10000/,
    },
    {
      name: 'a billable total over the PO cap',
      change: () => ({ project: project({ poCap: 15_000 }) }),
      code: 'over-po-cap',
      owner: 'finance',
      ownerId: 'finance',
      recordIds: ['P-1'],
      message: /exceeds the purchase order cap of 15000/,
    },
    {
      name: 'negative hours',
      change: (base) =>
        withEntries(base, [...base.records.timeEntries, entry('2026-11-18', { entryId: 'T-neg', hours: -4 })]),
      code: 'negative-hours',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['T-neg'],
      message: /T-neg of alice on 2026-11-18 has -4 hours/,
    },
    {
      name: 'more than 24 hours in one day',
      change: (base) =>
        withEntries(base, [
          ...base.records.timeEntries,
          entry('2026-11-19', { entryId: 'T-long', hours: 20, roleLineId: 'L2' }),
        ]),
      code: 'too-many-hours-in-day',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['T-alice-2026-11-19', 'T-long'],
      message: /alice booked 28 hours on 2026-11-19/,
    },
    {
      name: 'time on a date outside the assignment',
      change: () => ({ assignments: [assignment({ to: '2026-11-27' })] }),
      code: 'time-outside-assignment',
      owner: 'project-manager',
      ownerId: 'pm.paula',
      recordIds: ['T-alice-2026-11-30'],
      message: /alice is not assigned to P-1 on 2026-11-30/,
    },
    {
      name: 'a duplicate entry',
      change: (base) => withEntries(base, [...base.records.timeEntries, entry('2026-11-20', { entryId: 'T-zz-copy' })]),
      code: 'duplicate-time-entry',
      owner: 'consultant',
      ownerId: 'alice',
      recordIds: ['T-zz-copy'],
      message: /T-zz-copy duplicates T-alice-2026-11-20/,
    },
    {
      name: 'a client country without a tax row',
      change: () => ({ project: project({ country: 'BR' }) }),
      code: 'tax-rule-missing',
      owner: 'finance',
      ownerId: 'finance',
      recordIds: ['P-1'],
      message: /no row for the client's country BR/,
    },
    {
      name: 'a role missing from the rate card',
      change: () => ({ project: project({ rateCard: [{ role: 'architect', rate: 150 }] }) }),
      code: 'rate-card-missing',
      owner: 'finance',
      ownerId: 'finance',
      recordIds: DAYS.map((day) => `T-alice-${day}`).sort(),
      message: /role consultant has no rate/,
    },
  ];

  it.each(scenarios)('blocks on $name, naming owner, due time and record', (scenario) => {
    // Prepare
    const subject = input(scenario.change);

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.ready).toBe(false);
    expect(result.invoice).toBeUndefined();
    const finding = result.findings.find((item) => item.code === scenario.code);
    expect(finding).toMatchObject({
      owner: scenario.owner,
      ownerId: scenario.ownerId,
      recordIds: scenario.recordIds,
      blocks: true,
    });
    expect(finding?.message).toMatch(scenario.message);
    const lead = policy.rules.findings[scenario.code].dueHoursBeforeCutOff;
    expect(finding?.dueAt).toBe(new Date(cutOff.getTime() - lead * 3_600_000).toISOString());
    expect(Date.parse(finding?.dueAt ?? '')).toBeLessThan(cutOff.getTime());
  });

  it('leaves bad entries off the invoice total instead of counting them', () => {
    // Prepare
    const subject = input((base) =>
      withEntries(base, [...base.records.timeEntries, entry('2026-11-18', { entryId: 'T-neg', hours: -4 })]),
    );

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.billableMinor).toBe(1_680_000);
  });

  it('excuses leave days and public holidays from time completeness', () => {
    // Prepare
    const december = parsePeriod('2026-12', calendar);
    const days = workingDaysBetween(december.start, december.end, calendar);
    const leave = days.slice(0, 3);
    const subject = input(() => ({
      period: december,
      cutOffAt: cutOffAt(december, calendar),
      records: {
        timeEntries: days.filter((day) => !leave.includes(day)).map((day) => entry(day)),
        expenses: [],
        milestones: [],
      },
      leave: { alice: leave },
    }));

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(days).not.toContain('2026-12-24');
    expect(days).not.toContain('2026-12-25');
    expect(result.findings).toEqual([]);
    expect(result.ready).toBe(true);
  });

  it('only expects time inside the assignment and the period', () => {
    // Prepare
    const subject = input((base) => ({
      assignments: [assignment(), assignment({ personId: 'bob', from: '2026-11-25', to: '2027-01-31' })],
      records: {
        ...base.records,
        timeEntries: [
          ...base.records.timeEntries,
          ...['2026-11-25', '2026-11-26'].map((day) => entry(day, { entryId: `T-bob-${day}`, personId: 'bob' })),
        ],
      },
    }));

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.findings.map((finding) => [finding.code, finding.ownerId, finding.message])).toEqual([
      ['time-missing', 'bob', expect.stringContaining('2 working day(s): 2026-11-27, 2026-11-30')],
    ]);
  });

  it('bills accepted fixed-fee milestones and reverse-charges an EU business client abroad', () => {
    // Prepare
    const subject = input((base) => ({
      project: project({ billingModel: 'fixed-fee', country: 'FR' }),
      records: { ...base.records, milestones: [milestone(), milestone({ milestoneId: 'M-2', dueDate: '2026-12-15' })] },
    }));

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.ready).toBe(true);
    expect(result.invoice).toMatchObject({
      subtotalMinor: 2_500_000,
      taxMinor: 0,
      totalMinor: 2_500_000,
      reverseCharge: true,
    });
    expect(result.invoice?.lines.map((line) => line.sourceRecordIds)).toEqual([['M-1']]);
  });

  it('bills a retainer with its expenses and rounds a CHF total to 5 rappen', () => {
    // Prepare
    const subject = input((base) => ({
      project: project({
        billingModel: 'retainer',
        country: 'CH',
        currency: 'CHF',
        clientIsBusiness: false,
        retainerFee: 10_000.02,
      }),
      records: {
        ...base.records,
        timeEntries: base.records.timeEntries.map((item) => ({ ...item, currency: 'CHF' })),
        expenses: [expense({ currency: 'CHF', amount: 100 })],
      },
    }));

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.findings).toEqual([]);
    // 1,000,002 + 10,000 = 1,010,002; 8.1% VAT = 81,810.162 -> 81,810; 1,091,812 -> 1,091,810 (step 5).
    expect(result.invoice).toMatchObject({
      subtotalMinor: 1_010_002,
      taxMinor: 81_810,
      roundingMinor: -2,
      totalMinor: 1_091_810,
    });
  });

  it('reports a project with nothing to bill without blocking it', () => {
    // Prepare
    const subject = input(() => ({ assignments: [], records: { timeEntries: [], expenses: [], milestones: [] } }));

    // Act
    const result = checkReadiness(subject);

    // Assess
    expect(result.ready).toBe(true);
    expect(result.invoice).toBeUndefined();
    expect(result.findings).toEqual([expect.objectContaining({ code: 'nothing-to-bill', blocks: false })]);
  });

  it('names every record booked to a project psflow does not know', () => {
    // Prepare
    const records = {
      timeEntries: [
        entry('2026-11-02', { entryId: 'T-x1', projectId: 'P-GHOST' }),
        entry('2026-11-03', { entryId: 'T-x2', projectId: 'P-GHOST' }),
      ],
      expenses: [expense({ expenseId: 'E-x', projectId: 'P-GHOST' })],
      milestones: [],
    };

    // Act
    const finding = unknownProjectFinding('P-GHOST', records, cutOff, policy);

    // Assess
    expect(finding).toMatchObject({ code: 'unknown-project', owner: 'finance', recordIds: ['E-x', 'T-x1', 'T-x2'] });
    expect(finding.message).toMatch(
      /2 time entries \(16 h\), 1 expense\(s\) and 0 milestone\(s\) are booked to P-GHOST/,
    );
  });
});
