import { approverSummary } from '../../shared/change-control/approver-summary';
import {
  currentChangePolicy,
  InvalidChangePolicyError,
  loadChangeApprovalPolicy,
  routeChange,
} from '../../shared/change-control/change-policy';
import { ChangeRequestedDetail } from '../../shared/change-control/change-request';
import { changeRequestFromCrmAmount } from '../../shared/change-control/crm-amount-change';
import { analyseImpact, type ImpactFacts } from '../../shared/change-control/impact-analysis';
import type { RoleLine } from '../../shared/model/entities';
import changeApprovalV1 from '../../shared/policies/change-approval.v1.json';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

function line(overrides: Partial<RoleLine> = {}): RoleLine {
  return {
    lineId: 'L-010',
    role: 'Engagement Manager',
    skills: [],
    hours: 100,
    rate: eur(20_000),
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    ...overrides,
  };
}

/** 100 h x 200 + 400 h x 150 = 80,000 EUR budget; cost 100 x 120 + 400 x 90 = 48,000 EUR: margin 40%. */
const LINES = [line(), line({ lineId: 'L-020', role: 'Data Engineer', hours: 400, rate: eur(15_000) })];

function facts(overrides: Partial<ImpactFacts> = {}): ImpactFacts {
  return {
    baseline: {
      projectId: 'prj-1',
      baselineVersion: 1,
      budget: eur(8_000_000),
      startDate: '2027-01-04',
      endDate: '2027-03-31',
      roleLines: LINES,
    },
    costRates: { 'L-010': eur(12_000), 'L-020': eur(9_000), 'L-030': eur(10_000) },
    bookings: [
      {
        bookingId: 'B-1',
        resourceId: 'R-ana',
        lineId: 'L-020',
        startDate: '2027-01-04',
        endDate: '2027-03-31',
        hours: 400,
      },
    ],
    approvedHours: { 'L-010': 30, 'L-020': 150 },
    milestones: [
      { name: 'Kick-off', dueDate: '2027-01-15', amount: eur(2_400_000), status: 'invoiced' },
      { name: 'Final acceptance', dueDate: '2027-03-31', amount: eur(2_400_000), status: 'planned' },
    ],
    invoiceDrafts: [{ invoiceId: 'INV-D-1', amount: eur(1_000_000) }],
    ...overrides,
  };
}

function change(proposed: Record<string, unknown>, extra: Record<string, unknown> = {}): ChangeRequestedDetail {
  return ChangeRequestedDetail.parse({
    changeId: 'CHG-1',
    projectId: { system: 'psflow', id: 'prj-1' },
    source: 'psa',
    region: 'AMER',
    practice: 'data-engineering',
    requestedBy: 'dave.delivery',
    reason: 'client asked for two more data sources',
    requestedAt: '2026-12-01T10:00:00.000Z',
    proposed,
    ...extra,
  });
}

describe('change-approval policy', () => {
  it('routes by the first threshold reached and names it', () => {
    // Act
    const route = routeChange(currentChangePolicy(), {
      region: 'AMER',
      absoluteEur: 10_000,
      percentOfBudget: 2,
      marginDropPoints: 6,
    });

    // Assess
    expect(route.ruleId).toBe('change-medium');
    expect(route.reached).toEqual(['margin drop 6.0 points >= 5 points']);
    expect(route.levels.map((level) => level.role)).toEqual(['delivery-lead', 'practice-lead']);
  });

  it('routes the same size differently by region: EMEA reaches its medium rule earlier', () => {
    // Prepare
    const size = { absoluteEur: 30_000, percentOfBudget: 4, marginDropPoints: 0 };

    // Act
    const emea = routeChange(currentChangePolicy(), { ...size, region: 'EMEA' });
    const apac = routeChange(currentChangePolicy(), { ...size, region: 'APAC' });

    // Assess
    expect(emea.ruleId).toBe('change-emea-medium');
    expect(apac.ruleId).toBe('change-small');
  });

  it('treats a threshold as reached at exactly its value', () => {
    // Act
    const route = routeChange(currentChangePolicy(), {
      region: 'APAC',
      absoluteEur: 250_000,
      percentOfBudget: 0,
      marginDropPoints: 0,
    });

    // Assess
    expect(route.ruleId).toBe('change-large');
    expect(route.levels).toHaveLength(3);
  });

  it('asks for client sign-off from 10 percent of the budget or 50k EUR', () => {
    // Act
    const below = routeChange(currentChangePolicy(), {
      region: 'AMER',
      absoluteEur: 49_999,
      percentOfBudget: 9.9,
      marginDropPoints: 0,
    });
    const above = routeChange(currentChangePolicy(), {
      region: 'AMER',
      absoluteEur: 1_000,
      percentOfBudget: 10,
      marginDropPoints: 0,
    });

    // Assess
    expect(below.clientSignOffRequired).toBe(false);
    expect(above.clientSignOffRequired).toBe(true);
    expect(above.clientSignOffReason).toContain('10.0% of the budget >= 10%');
  });

  it('refuses a policy without a catch-all rule for a region, and one whose catch-all hides later rules', () => {
    // Prepare
    const noCatchAll = structuredClone(changeApprovalV1);
    noCatchAll.rules = noCatchAll.rules.filter((rule) => rule.id !== 'change-small');
    const hidden = structuredClone(changeApprovalV1);
    hidden.rules = [hidden.rules[3], ...hidden.rules.slice(0, 3)];

    // Act
    const loadNoCatchAll = (): unknown => loadChangeApprovalPolicy(noCatchAll);
    const loadHidden = (): unknown => loadChangeApprovalPolicy(hidden);

    // Assess
    expect(loadNoCatchAll).toThrow(InvalidChangePolicyError);
    expect(loadNoCatchAll).toThrow(/no rule catches every change in EMEA/);
    expect(loadHidden).toThrow(/rule change-small catches every change, so change-large/);
  });
});

describe('Change Requested contract', () => {
  it('refuses a change that proposes nothing, naming the place', () => {
    // Act
    const parsed = ChangeRequestedDetail.safeParse({ ...change({ scope: 'x' }), proposed: {} });

    // Assess
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['proposed'],
      message: 'a change proposes at least one of budget, endDate, roleLines or scope',
    });
  });
});

describe('analyseImpact', () => {
  it('computes budget, margin, schedule, staffing and billing deltas for more hours and a later end', () => {
    // Prepare
    const proposal = change(
      { endDate: '2027-04-30', roleLines: [LINES[0], { ...LINES[1], hours: 480 }] },
      { clientSignOff: { documentReference: 'DOC-7', signedAt: '2026-11-30T12:00:00.000Z' } },
    );

    // Act
    const outcome = analyseImpact(proposal, facts(), currentChangePolicy());

    // Assess
    if (outcome.decision !== 'assess') throw new Error(outcome.reasons.join('; '));
    const { impact } = outcome;
    expect(impact.budget).toEqual({
      before: eur(8_000_000),
      after: eur(9_200_000),
      deltaMinor: 1_200_000,
      percent: 15,
    });
    // Cost 48,000 → 55,200: margin 40.0% → 40.0%.
    expect(impact.margin).toMatchObject({ beforePercent: 40, afterPercent: 40, dropPoints: 0 });
    expect(impact.schedule).toEqual({ beforeEnd: '2027-03-31', afterEnd: '2027-04-30', days: 30 });
    expect(impact.staffing.hours).toEqual([{ lineId: 'L-020', role: 'Data Engineer', before: 400, after: 480 }]);
    expect(impact.staffing.bookingsToExtend.map((booking) => booking.bookingId)).toEqual(['B-1']);
    expect(impact.staffing.bookingsPastEnd).toEqual([]);
    expect(impact.route).toMatchObject({ ruleId: 'change-medium', clientSignOffRequired: true });
  });

  it('finds bookings and planned milestones past an earlier end, and the drafted invoices', () => {
    // Prepare
    const proposal = change({ endDate: '2027-03-15' });

    // Act
    const outcome = analyseImpact(proposal, facts(), currentChangePolicy());

    // Assess
    if (outcome.decision !== 'assess') throw new Error(outcome.reasons.join('; '));
    expect(outcome.impact.staffing.bookingsPastEnd.map((booking) => booking.bookingId)).toEqual(['B-1']);
    expect(outcome.impact.billing.milestonesPastEnd.map((milestone) => milestone.name)).toEqual(['Final acceptance']);
    expect(outcome.impact.billing.invoiceDrafts).toHaveLength(1);
    expect(outcome.impact.route.ruleId).toBe('change-small');
  });

  it('measures a margin drop when a cheaper budget keeps the hours', () => {
    // Prepare: 80,000 → 72,000 EUR for the same 48,000 EUR cost: 40% → 33.3%.
    const proposal = change(
      { budget: eur(7_200_000) },
      { clientSignOff: { documentReference: 'DOC-9', signedAt: '2026-11-30T12:00:00.000Z' } },
    );

    // Act
    const outcome = analyseImpact(proposal, facts(), currentChangePolicy());

    // Assess
    if (outcome.decision !== 'assess') throw new Error(outcome.reasons.join('; '));
    expect(outcome.impact.margin).toMatchObject({ beforePercent: 40, afterPercent: 33.3, dropPoints: 6.7 });
    expect(outcome.impact.route.ruleId).toBe('change-medium');
    expect(outcome.impact.route.reached).toEqual(['10.0% of the budget >= 10%', 'margin drop 6.7 points >= 5 points']);
  });

  it('refuses hours cut below the hours already approved in time entries, per line', () => {
    // Prepare
    const proposal = change({
      roleLines: [
        { ...LINES[0], hours: 20 },
        { ...LINES[1], hours: 400 },
      ],
    });

    // Act
    const outcome = analyseImpact(proposal, facts(), currentChangePolicy());

    // Assess
    expect(outcome).toEqual({
      decision: 'refused',
      reasons: [
        'proposed.roleLines: line L-010 (Engagement Manager) would have 20 h, but 30 h are already approved in time entries',
      ],
    });
  });

  it('refuses removing a line whose hours are already approved', () => {
    // Act
    const outcome = analyseImpact(change({ roleLines: [LINES[0]] }), facts(), currentChangePolicy());

    // Assess
    expect(outcome.decision === 'refused' && outcome.reasons[0]).toContain(
      'line L-020 (Data Engineer) would have 0 h, but 150 h are already approved',
    );
  });

  it('refuses a negative budget and an end before the start, each with its place', () => {
    // Act
    const outcome = analyseImpact(change({ budget: eur(-100), endDate: '2026-12-31' }), facts(), currentChangePolicy());

    // Assess
    expect(outcome.decision === 'refused' && outcome.reasons).toEqual([
      'proposed.budget: the budget would be negative (-1 EUR)',
      'proposed.endDate: 2026-12-31 is before the project starts (2027-01-04)',
    ]);
  });

  it('refuses a change whose new line has no HRIS cost rate, since the margin cannot be computed', () => {
    // Act
    const outcome = analyseImpact(
      change({ roleLines: [...LINES, line({ lineId: 'L-040', role: 'Architect', hours: 10 })] }),
      facts(),
      currentChangePolicy(),
    );

    // Assess
    expect(outcome.decision === 'refused' && outcome.reasons).toEqual([
      'no HRIS cost rate in EUR for L-040 (Architect): the margin cannot be computed',
    ]);
  });

  it('refuses a change above the sign-off threshold without the client sign-off', () => {
    // Act
    const outcome = analyseImpact(change({ budget: eur(9_000_000) }), facts(), currentChangePolicy());

    // Assess
    expect(outcome.decision === 'refused' && outcome.reasons[0]).toMatch(
      /^clientSignOff: client sign-off required: 12.5% of the budget >= 10%; attach/,
    );
  });
});

describe('approverSummary', () => {
  it('gives each delta as before → after and why the level, the same way every time', () => {
    // Prepare
    const proposal = change(
      { endDate: '2027-04-30', roleLines: [LINES[0], { ...LINES[1], hours: 480 }] },
      { clientSignOff: { documentReference: 'DOC-42', signedAt: '2026-11-30T12:00:00.000Z' } },
    );
    const outcome = analyseImpact(proposal, facts(), currentChangePolicy());
    if (outcome.decision !== 'assess') throw new Error(outcome.reasons.join('; '));

    // Act
    const first = approverSummary(proposal, outcome.impact);
    const second = approverSummary(proposal, outcome.impact);

    // Assess
    expect(first).toEqual(second);
    expect(first).toEqual([
      'Change CHG-1 to project prj-1 (from the PSA, requested by dave.delivery): client asked for two more data sources',
      'Budget: 80,000 EUR → 92,000 EUR (+12,000 EUR, +15.0%)',
      'Margin: 40.0% → 40.0% (no drop); cost 48,000 EUR → 55,200 EUR',
      'End date: 2027-03-31 → 2027-04-30 (+30 days)',
      'Hours L-020 Data Engineer: 400 h → 480 h (+80 h to staff)',
      'Booking B-1 (R-ana): extended to 2027-04-30',
      'Invoice draft INV-D-1 (10,000 EUR) is already drafted: review it',
      'Approval: delivery-lead, then practice-lead, because this is a medium change: 50k EUR or more, 10% or more of the budget, or a margin drop of 5 points or more (15.0% of the budget >= 10%; change policy v1, rule change-medium)',
      'Client sign-off: client sign-off required: 15.0% of the budget >= 10%; provided: DOC-42',
    ]);
  });
});

describe('changeRequestFromCrmAmount', () => {
  const amountChange = {
    dedupeKey: 'salesforce:0001-abc:3:006Dn000004ABCD',
    opportunityId: { system: 'salesforce' as const, id: '006Dn000004ABCD' },
    projectId: { system: 'psflow' as const, id: 'prj-1' },
    region: 'EMEA' as const,
    practice: 'data-engineering',
    newAmount: eur(9_500_000),
    changedBy: 'sally.sales',
    changedAt: '2026-12-01T10:00:00.000Z',
  };

  it('makes the new amount the proposed budget, under a change id derived from the CRM change', () => {
    // Act
    const first = changeRequestFromCrmAmount(amountChange);
    const again = changeRequestFromCrmAmount(amountChange);

    // Assess
    expect(first.data).toMatchObject({
      changeId: 'crm-salesforce:0001-abc:3:006Dn000004ABCD',
      source: 'crm',
      proposed: { budget: eur(9_500_000) },
    });
    expect(again.data?.changeId).toBe(first.data?.changeId);
  });

  it('refuses an amount in fractional minor units, naming the place', () => {
    // Act
    const parsed = changeRequestFromCrmAmount({ ...amountChange, newAmount: { amountMinor: 10.5, currency: 'EUR' } });

    // Assess
    expect(parsed.error?.issues[0].path).toEqual(['proposed', 'budget', 'amountMinor']);
  });
});
