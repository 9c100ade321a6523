import type { PersonRecord } from '../../shared/connectors/hris/hris-connector';
import type { PersonWeekLoad } from '../../shared/connectors/psa/psa-bookings';
import { recommend, type Recommendation } from '../../shared/staffing/recommend';
import { currentStaffingPolicy, loadStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { StaffingRequest, weeklyNeed } from '../../shared/staffing/staffing-request';

const WEEKS = ['2027-W01', '2027-W02', '2027-W03', '2027-W04'];
const CLIENT = 'ACC-NORTHWIND';

function person(personId: string, overrides: Partial<PersonRecord> = {}): PersonRecord {
  return {
    personId,
    name: `Name ${personId}`,
    grade: 'consultant',
    level: 1,
    practice: 'data-engineering',
    region: 'EMEA',
    location: 'Berlin',
    country: 'DE',
    timeZone: 'Europe/Berlin',
    utcOffsetHours: 1,
    costRateMinor: 8000,
    currency: 'EUR',
    hoursPerWeek: 40,
    employmentType: 'employee',
    skills: [
      { skill: 'dbt', proficiency: 4 },
      { skill: 'sql', proficiency: 4 },
    ],
    certifications: [],
    remoteOk: true,
    deliveryLead: 'lead@psflow.example',
    leave: [],
    ...overrides,
  };
}

/** Booked hours in each week of the window on another project. */
function booked(hoursPerWeek: number, clientId?: string, weeks = WEEKS): PersonWeekLoad[] {
  return weeks.map((week) => ({
    week,
    bookedHours: hoursPerWeek,
    bookings: [{ bookingId: `other-${week}`, projectId: 'PRJ-OTHER', kind: 'hard', hours: hoursPerWeek, clientId }],
  }));
}

/** 80 hours over four full weeks from Monday 2027-01-04: 20 h/week in 2027-W01..W04. */
function request(overrides: Partial<StaffingRequest> = {}): StaffingRequest {
  return StaffingRequest.parse({
    requestId: 'PRJ-1:L1',
    projectId: 'PRJ-1',
    roleLine: {
      lineId: 'L1',
      role: 'Analytics Engineer',
      skills: ['dbt', 'sql'],
      hours: 80,
      rate: { amountMinor: 15000, currency: 'EUR' },
      startDate: '2027-01-04',
      endDate: '2027-01-29',
    },
    requestedBy: 'delivery.lead@psflow.example',
    requestedAt: '2026-12-01T09:00:00.000Z',
    ...overrides,
  });
}

interface Scenario {
  readonly name: string;
  readonly people: readonly PersonRecord[];
  readonly request?: Partial<StaffingRequest>;
  readonly loads?: Record<string, PersonWeekLoad[]>;
  readonly holidays?: Record<string, string[]>;
  /** The first-ranked candidate, or undefined when nobody passes. */
  readonly top: string | undefined;
  readonly proposal: 'single' | 'split' | 'none';
  /** What the explanation must say, as `where: text` checks on the result. */
  readonly reasons: readonly ((result: Recommendation) => void)[];
}

const topSays =
  (factor: 'skillFit' | 'availability' | 'utilisation' | 'margin' | 'continuity' | 'timeZone', text: string) =>
  (result: Recommendation): void =>
    expect(result.candidates[0]?.factors[factor].explanation).toContain(text);
const candidateSays =
  (personId: string, factor: 'availability' | 'margin' | 'timeZone' | 'continuity', text: string) =>
  (result: Recommendation): void =>
    expect(result.candidates.find((c) => c.personId === personId)?.factors[factor].explanation).toContain(text);
const excluded =
  (personId: string, constraint: string, text: string) =>
  (result: Recommendation): void =>
    expect(result.exclusions).toContainEqual(
      expect.objectContaining({ personId, constraint, reason: expect.stringContaining(text) }),
    );
const counts =
  (expected: Partial<Recommendation['excludedCounts']>) =>
  (result: Recommendation): void =>
    expect(result.excludedCounts).toEqual(expect.objectContaining(expected));
const flagged =
  (personId: string, flag: string) =>
  (result: Recommendation): void =>
    expect(result.candidates.find((c) => c.personId === personId)?.flags).toContain(flag);
const proposalSays =
  (text: string) =>
  (result: Recommendation): void =>
    expect(result.proposal.reason).toContain(text);

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'one person fits every constraint and is proposed alone',
    people: [person('A')],
    top: 'A',
    proposal: 'single',
    reasons: [
      topSays('availability', 'available 20 of 20 h/week from 2027-01-04'),
      topSays('skillFit', 'dbt 4/5, sql 4/5'),
    ],
  },
  {
    name: 'the stronger skill fit ranks first',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 3 },
          { skill: 'sql', proficiency: 3 },
        ],
      }),
      person('B', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
    ],
    top: 'B',
    proposal: 'single',
    reasons: [topSays('skillFit', 'dbt 5/5, sql 5/5 (minimum 3/3)')],
  },
  {
    name: 'on leave for most of the window excludes a person',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
        leave: [{ leaveId: 'LV', personId: 'A', startDate: '2027-01-04', endDate: '2027-01-15', kind: 'annual' }],
      }),
      person('B'),
    ],
    top: 'B',
    proposal: 'single',
    reasons: [
      excluded('A', 'leave', 'on leave 10 of 20 working days of the window (on leave 2027-01-04..15)'),
      counts({ leave: 1 }),
    ],
  },
  {
    name: 'a week of leave is explained and lowers availability without excluding',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
        leave: [{ leaveId: 'LV', personId: 'A', startDate: '2027-01-11', endDate: '2027-01-15', kind: 'annual' }],
      }),
      person('B'),
    ],
    top: 'B',
    proposal: 'single',
    reasons: [
      candidateSays(
        'A',
        'availability',
        'available 15 of 20 h/week from 2027-01-04; short in 1 week(s) from 2027-W02 (0 of 20 h); on leave 2027-01-11..15',
      ),
    ],
  },
  {
    name: 'fully booked excludes a person with the count per constraint',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('B'),
    ],
    loads: { A: booked(40) },
    top: 'B',
    proposal: 'single',
    reasons: [
      excluded('A', 'capacity', 'free for 0% of the requested hours (booked 160 of 160 h in the window)'),
      counts({ capacity: 1 }),
    ],
  },
  {
    name: 'a margin below the floor is flagged and ranked after those above it',
    people: [
      person('A', {
        costRateMinor: 12000,
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('B', {
        skills: [
          { skill: 'dbt', proficiency: 3 },
          { skill: 'sql', proficiency: 3 },
        ],
      }),
    ],
    top: 'B',
    proposal: 'single',
    reasons: [
      flagged('A', 'margin-below-floor'),
      candidateSays(
        'A',
        'margin',
        'margin 20%: bill 150.00 EUR/h against cost 120.00 EUR/h (floor 30%, BELOW THE FLOOR)',
      ),
    ],
  },
  {
    name: 'the only candidate below the margin floor is proposed with the flag, never silently',
    people: [person('A', { costRateMinor: 12000 })],
    top: 'A',
    proposal: 'single',
    reasons: [(result) => expect(result.proposal.flags).toEqual(['margin-below-floor'])],
  },
  {
    name: 'a missing clearance excludes a person',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('B', { certifications: ['sc-clearance'] }),
    ],
    request: { requiredCertifications: ['sc-clearance'] },
    top: 'B',
    proposal: 'single',
    reasons: [excluded('A', 'certification', 'has no sc-clearance'), counts({ certification: 1 })],
  },
  {
    name: 'relaxing the certification brings the stronger person back',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('B', { certifications: ['sc-clearance'] }),
    ],
    request: { requiredCertifications: ['sc-clearance'], relaxed: ['certification'] },
    top: 'A',
    proposal: 'single',
    reasons: [counts({ certification: 0 })],
  },
  {
    name: 'partial availability leads to a split between two people',
    people: [
      person('A'),
      person('B', {
        skills: [
          { skill: 'dbt', proficiency: 3 },
          { skill: 'sql', proficiency: 3 },
        ],
      }),
    ],
    loads: { A: booked(28), B: booked(30) },
    top: 'A',
    proposal: 'split',
    reasons: [
      (result) =>
        expect(result.proposal.allocations.map((a) => [a.personId, a.weeks['2027-W01']])).toEqual([
          ['A', 12],
          ['B', 8],
        ]),
      proposalSays('nobody is free for every requested hour; Name A (60%) and Name B together cover them'),
    ],
  },
  {
    name: 'when no pair covers the hours nobody is proposed',
    people: [person('A'), person('B')],
    loads: { A: booked(32), B: booked(34) },
    top: 'A',
    proposal: 'none',
    reasons: [proposalSays('nobody, alone or with one other, is free for every requested hour (best: Name A, 40%)')],
  },
  {
    name: 'a tie is broken by person id, whatever order the index returned',
    people: [person('P-B'), person('P-A'), person('P-C')],
    top: 'P-A',
    proposal: 'single',
    reasons: [(result) => expect(result.candidates.map((c) => c.personId)).toEqual(['P-A', 'P-B', 'P-C'])],
  },
  {
    name: 'a time-zone preference favours the closer working day',
    people: [
      person('BER'),
      person('LON', { location: 'London', country: 'GB', timeZone: 'Europe/London', utcOffsetHours: 0 }),
    ],
    request: { preferredUtcOffsetHours: -5 },
    top: 'LON',
    proposal: 'single',
    reasons: [
      topSays('timeZone', '3 of 8 working hours overlap (Europe/London, UTC+0, with UTC-5)'),
      candidateSays('BER', 'timeZone', '2 of 8 working hours overlap'),
    ],
  },
  {
    name: 'people in another region are excluded when remote work across regions is not allowed',
    people: [
      person('US', {
        region: 'AMER',
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('DE'),
    ],
    top: 'DE',
    proposal: 'single',
    reasons: [excluded('US', 'region', 'works in AMER; the role is in EMEA'), counts({ region: 1 })],
  },
  {
    name: 'with remote work allowed, only people who work remotely cross regions',
    people: [
      person('US', {
        region: 'AMER',
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('CA', {
        region: 'AMER',
        remoteOk: false,
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('DE'),
    ],
    request: { remoteAllowed: true },
    top: 'US',
    proposal: 'single',
    reasons: [excluded('CA', 'region', 'works in AMER and does not work remotely')],
  },
  {
    name: 'a skill below the minimum proficiency excludes a person',
    people: [
      person('A', {
        skills: [
          { skill: 'dbt', proficiency: 2 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('B'),
    ],
    top: 'B',
    proposal: 'single',
    reasons: [excluded('A', 'skills', 'dbt 2/5, below the minimum 3'), counts({ skills: 1 })],
  },
  {
    name: 'a missing skill excludes a person',
    people: [person('A', { skills: [{ skill: 'dbt', proficiency: 5 }] }), person('B')],
    top: 'B',
    proposal: 'single',
    reasons: [excluded('A', 'skills', 'has no sql')],
  },
  {
    name: 'a per-skill minimum set by the request applies',
    people: [
      person('A'),
      person('B', {
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 3 },
        ],
      }),
    ],
    request: { minimumProficiency: { dbt: 5 } },
    top: 'B',
    proposal: 'single',
    reasons: [excluded('A', 'skills', 'dbt 4/5, below the minimum 5')],
  },
  {
    name: 'people below their utilisation target come first',
    people: [person('DIR', { grade: 'director' }), person('CON', { grade: 'consultant' })],
    loads: { DIR: booked(16), CON: booked(16) },
    top: 'CON',
    proposal: 'single',
    reasons: [
      topSays(
        'utilisation',
        'booked 40% of capacity in the window against the consultant target of 85% (below target)',
      ),
      candidateSays('DIR', 'availability', 'available 20 of 20'),
    ],
  },
  {
    name: 'continuity with the client ranks a person who worked for them recently first',
    people: [person('NEW'), person('OLD')],
    request: {},
    loads: { OLD: booked(4, CLIENT, ['2026-W40']) },
    top: 'OLD',
    proposal: 'single',
    reasons: [
      topSays('continuity', 'worked for this client in the last 26 weeks (project PRJ-OTHER)'),
      candidateSays('NEW', 'continuity', 'no work for this client'),
    ],
  },
  {
    name: 'public holidays reduce a part-timer\u2019s capacity, so a full-timer is proposed',
    people: [
      person('PT', {
        hoursPerWeek: 20,
        skills: [
          { skill: 'dbt', proficiency: 5 },
          { skill: 'sql', proficiency: 5 },
        ],
      }),
      person('FT'),
    ],
    holidays: { DE: ['2027-01-06'] },
    top: 'FT',
    proposal: 'single',
    reasons: [candidateSays('PT', 'availability', 'short in 1 week(s) from 2027-W01 (16 of 20 h)')],
  },
  {
    name: 'the exclusions are counted per constraint across a mixed pool',
    people: [
      person('R', { region: 'APAC' }),
      person('S', { skills: [{ skill: 'sql', proficiency: 4 }] }),
      person('C'),
      person('L', {
        leave: [{ leaveId: 'x', personId: 'L', startDate: '2027-01-04', endDate: '2027-01-29', kind: 'parental' }],
      }),
      person('F'),
      person('OK', { certifications: ['sc-clearance'] }),
    ],
    request: { requiredCertifications: ['sc-clearance'] },
    top: 'OK',
    proposal: 'single',
    reasons: [counts({ region: 1, skills: 1, certification: 3, leave: 0, capacity: 0 })],
  },
  {
    name: 'nobody passing the constraints gives no candidate and no proposal',
    people: [person('A', { region: 'APAC' })],
    top: undefined,
    proposal: 'none',
    reasons: [proposalSays('nobody passes the hard constraints')],
  },
  {
    name: 'a cost in another currency is compared at the policy reference rate',
    people: [person('US', { region: 'EMEA', currency: 'USD', costRateMinor: 10000 })],
    top: 'US',
    proposal: 'single',
    reasons: [topSays('margin', 'margin 39%: bill 150.00 EUR/h against cost 100.00 USD/h')],
  },
];

describe('the staffing recommendation engine', () => {
  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', (_name, scenario) => {
    // Prepare
    const input = {
      request: request(scenario.request),
      region: 'EMEA' as const,
      clientId: CLIENT,
      people: scenario.people,
      holidays: new Map(Object.entries(scenario.holidays ?? {})),
      loads: new Map(Object.entries(scenario.loads ?? {})),
      targets: { consultant: 0.85, director: 0.4 },
      policy: currentStaffingPolicy(),
    };

    // Act
    const result = recommend(input);

    // Assess
    expect(result.candidates[0]?.personId).toBe(scenario.top);
    expect(result.proposal.kind).toBe(scenario.proposal);
    for (const reason of scenario.reasons) reason(result);
    expect(recommend({ ...input, people: [...scenario.people].reverse() })).toEqual(result);
  });

  it('gives every candidate one sentence per factor and a score that is the sum of the weighted factors', () => {
    // Act
    const result = recommend({
      request: request(),
      region: 'EMEA',
      people: [person('A')],
      holidays: new Map(),
      loads: new Map(),
      targets: {},
      policy: currentStaffingPolicy(),
    });

    // Assess
    const [candidate] = result.candidates;
    const factors = Object.values(candidate.factors);
    expect(factors).toHaveLength(6);
    expect(factors.every((factor) => factor.explanation.length > 0)).toBe(true);
    expect(candidate.score).toBeCloseTo(
      factors.reduce((sum, factor) => sum + factor.contribution, 0),
      3,
    );
  });

  it('needs the weekly hours pro rata in weeks the window only partly covers', () => {
    // Act
    const need = weeklyNeed(request({}).roleLine);
    const partial = weeklyNeed({ ...request().roleLine, startDate: '2027-01-06', hours: 72 });

    // Assess
    expect(need).toEqual({ '2027-W01': 20, '2027-W02': 20, '2027-W03': 20, '2027-W04': 20 });
    expect(partial).toEqual({ '2027-W01': 12, '2027-W02': 20, '2027-W03': 20, '2027-W04': 20 });
  });

  it.each([
    [
      'weights that do not add up to 1',
      { weights: { ...currentStaffingPolicy().weights, skillFit: 0.5 } },
      'weights add up to',
    ],
    ['a floor above the target', { marginFloor: 0.6 }, 'marginTarget must be above marginFloor'],
    ['an unknown currency', { referenceRates: { EUR: 1, XXY: 2 } }, 'XXY, which is not an ISO-4217 currency'],
    ['a negative weight', { weights: { ...currentStaffingPolicy().weights, timeZone: -0.05 } }, 'weights.timeZone'],
  ])('refuses a policy with %s', (_case, change, problem) => {
    // Act
    const load = (): unknown => loadStaffingPolicy({ ...currentStaffingPolicy(), ...change });

    // Assess
    expect(load).toThrow(problem);
  });
});
