import type {
  CandidateQuery,
  HiringRequisitionRequest,
  HrisConnector,
  PersonRecord,
} from '../../shared/connectors/hris/hris-connector';
import {
  clientWeeksOfLoads,
  hoursOfLoads,
  type Booking,
  type BookingOutcome,
  type PersonWeekLoad,
  type PsaBookings,
  type PsaProjectSummary,
  type UtilisationTargets,
} from '../../shared/connectors/psa/psa-bookings';
import { gatherAndRecommend } from '../../shared/staffing/gather-recommendation';
import { weekRange } from '../../shared/staffing/iso-week';
import { recommend } from '../../shared/staffing/recommend';
import { currentStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { StaffingRequest } from '../../shared/staffing/staffing-request';

/** Every port call in order, with the number of calls still running when it started. */
interface Call {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly inFlight: number;
}

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
    skills: [{ skill: 'dbt', proficiency: 4 }],
    certifications: [],
    remoteOk: true,
    deliveryLead: 'lead@psflow.example',
    leave: [],
    ...overrides,
  };
}

/** In-memory ports that record each call and answer a tick later, as a network would. */
function recordingPorts(
  people: readonly PersonRecord[],
  holidays: Record<string, string[]>,
  loads: Record<string, PersonWeekLoad[]>,
): { calls: Call[]; hris: HrisConnector; bookings: PsaBookings } {
  const calls: Call[] = [];
  let running = 0;
  const call = async <T>(name: string, args: readonly unknown[], answer: () => T): Promise<T> => {
    calls.push({ name, args, inFlight: running });
    running += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
    return answer();
  };
  const refuse = (name: string): never => {
    throw new Error(`${name} is not part of a recommendation`);
  };
  const hris: HrisConnector = {
    findCandidates: (query: CandidateQuery) =>
      call('findCandidates', [query], () =>
        people
          .filter((entry) => entry.region === query.region && entry.skills.some((skill) => skill.skill === query.skill))
          .slice(0, query.limit),
      ),
    getPeople: (ids: readonly string[]) =>
      call('getPeople', [ids], () => people.filter((entry) => ids.includes(entry.personId))),
    getHolidays: (countries: readonly string[]) =>
      call('getHolidays', [countries], () => new Map(countries.map((country) => [country, holidays[country] ?? []]))),
    knownSkills: () => refuse('knownSkills'),
    openRequisition: (_key: string, _request: HiringRequisitionRequest) => refuse('openRequisition'),
  };
  const loadsBetween = (ids: readonly string[], fromWeek: string, toWeek: string): Map<string, PersonWeekLoad[]> =>
    new Map(ids.map((id) => [id, (loads[id] ?? []).filter((load) => load.week >= fromWeek && load.week <= toWeek)]));
  const bookings: PsaBookings = {
    book: (): Promise<BookingOutcome> => refuse('book'),
    confirm: (): Promise<Booking> => refuse('confirm'),
    release: (): Promise<Booking | undefined> => refuse('release'),
    getBooking: (): Promise<Booking | undefined> => refuse('getBooking'),
    loads: (ids: readonly string[], fromWeek: string, toWeek: string) =>
      call('loads', [ids, fromWeek, toWeek], () => loadsBetween(ids, fromWeek, toWeek)),
    bookedHours: (ids: readonly string[], fromWeek: string, toWeek: string) =>
      call('bookedHours', [ids, fromWeek, toWeek], () => hoursOfLoads(loadsBetween(ids, fromWeek, toWeek))),
    clientWeeks: (ids: readonly string[], clientId: string, fromWeek: string, toWeek: string) =>
      // Answered latest first, unlike the loads, so a ranking that depends on the order read differs.
      call('clientWeeks', [ids, clientId, fromWeek, toWeek], () => {
        const worked = clientWeeksOfLoads(loadsBetween(ids, fromWeek, toWeek), clientId);
        for (const list of worked.values()) list.reverse();
        return worked;
      }),
    expiredHolds: (): Promise<Booking[]> => refuse('expiredHolds'),
    utilisationTargets: () => call('utilisationTargets', [], (): UtilisationTargets => ({ consultant: 0.8 })),
    findProject: (): Promise<PsaProjectSummary | undefined> => refuse('findProject'),
  };
  return { calls, hris, bookings };
}

/** 80 hours over four full weeks from Monday 2027-03-01 (2027-W09..W12). */
const REQUEST = StaffingRequest.parse({
  requestId: 'PRJ-1:L1',
  projectId: 'PRJ-1',
  roleLine: {
    lineId: 'L1',
    role: 'Analytics Engineer',
    skills: ['dbt'],
    hours: 80,
    rate: { amountMinor: 15000, currency: 'EUR' },
    startDate: '2027-03-01',
    endDate: '2027-03-26',
  },
  requestedBy: 'sam.staffing',
  requestedAt: '2026-12-01T09:00:00.000Z',
});

const PEOPLE = [
  person('A'),
  person('B', { skills: [{ skill: 'dbt', proficiency: 2 }] }),
  person('C', { region: 'AMER', country: 'US' }),
  person('D', { country: 'FR', hoursPerWeek: 20 }),
];

describe('gathering what a staffing recommendation reads', () => {
  it('reads in two round trips, the booked hours and client weeks only of those who pass the other constraints', async () => {
    // Prepare
    const { calls, hris, bookings } = recordingPorts(PEOPLE, {}, {});

    // Act
    const result = await gatherAndRecommend(
      REQUEST,
      { region: 'EMEA', clientId: 'ACC-1' },
      { hris, bookings },
      currentStaffingPolicy(),
    );

    // Assess
    expect(calls.map((entry) => entry.name)).toEqual([
      'findCandidates',
      'findCandidates',
      'findCandidates',
      'utilisationTargets',
      'getHolidays',
      'bookedHours',
      'clientWeeks',
    ]);
    const rounds = calls.filter((entry) => entry.inFlight === 0).map((entry) => entry.name);
    expect(rounds).toEqual(['findCandidates', 'getHolidays']);
    expect(calls.filter((entry) => entry.name !== 'findCandidates').map((entry) => entry.args[0])).toEqual([
      undefined,
      ['DE', 'FR', 'US'],
      ['A', 'D'],
      ['A', 'D'],
    ]);
    expect(result.excludedCounts).toMatchObject({ region: 1, skills: 1 });
    expect(result.candidates.map((candidate) => candidate.personId)).toEqual(['A', 'D']);
  });

  it('reads the window hours, and the client weeks from the lookback to the window end only when the client is known', async () => {
    // Prepare
    const { calls: withClient, ...known } = recordingPorts(PEOPLE, {}, {});
    const { calls: withoutClient, ...unknown } = recordingPorts(PEOPLE, {}, {});

    // Act
    await gatherAndRecommend(REQUEST, { region: 'EMEA', clientId: 'ACC-1' }, known, currentStaffingPolicy());
    await gatherAndRecommend(REQUEST, { region: 'EMEA' }, unknown, currentStaffingPolicy());

    // Assess
    const weeks = (calls: readonly Call[]): unknown[] =>
      calls
        .filter((entry) => ['loads', 'bookedHours', 'clientWeeks'].includes(entry.name))
        .map((entry) => [entry.name, ...entry.args.slice(1)]);
    expect(weeks(withClient)).toEqual([
      ['bookedHours', '2027-W09', '2027-W12'],
      ['clientWeeks', 'ACC-1', '2026-W36', '2027-W12'],
    ]);
    expect(weeks(withoutClient)).toEqual([['bookedHours', '2027-W09', '2027-W12']]);
  });

  it('still scores continuity from the lookback and availability from holidays read beside the bookings', async () => {
    // Prepare: D worked for the client last autumn; France has a holiday in the window.
    const autumn: PersonWeekLoad = {
      week: '2026-W45',
      bookedHours: 8,
      bookings: [{ bookingId: 'old', projectId: 'PRJ-OLD', clientId: 'ACC-1', kind: 'hard', hours: 8 }],
    };
    const ports = recordingPorts(PEOPLE, { FR: ['2027-03-10'] }, { D: [autumn] });

    // Act
    const result = await gatherAndRecommend(
      REQUEST,
      { region: 'EMEA', clientId: 'ACC-1' },
      ports,
      currentStaffingPolicy(),
    );

    // Assess
    const d = result.candidates.find((candidate) => candidate.personId === 'D');
    expect(d?.factors.continuity.score).toBe(1);
    expect(d?.factors.continuity.explanation).toContain('project PRJ-OLD');
    expect(d?.availableByWeek['2027-W10']).toBe(16);
    expect(d?.factors.utilisation.explanation).toMatch(/^booked 0% of capacity/);
    const a = result.candidates.find((candidate) => candidate.personId === 'A');
    expect(a?.factors.continuity.score).toBe(0);
  });

  it('never reads bookings whole, and ranks exactly as if it read all of them', async () => {
    // Prepare: seeded pools with leave, holidays, margins either side of the floor, and bookings
    // for three clients (and the request's own project) before and inside the window; some
    // people have two bookings for one client in the same weeks, so the first one is a tie.
    let state = 7;
    const random = (): number => {
      state = (state * 48_271) % 2_147_483_647;
      return state / 2_147_483_647;
    };
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
    const weeks = weekRange('2026-W30', '2027-W14');
    for (let round = 0; round < 60; round += 1) {
      const people = Array.from({ length: 20 + Math.floor(random() * 50) }, (_, index) =>
        person(`P${String(index).padStart(3, '0')}`, {
          region: index % 12 === 0 ? 'AMER' : 'EMEA',
          country: pick(['DE', 'FR']),
          hoursPerWeek: pick([40, 40, 32, 20]),
          costRateMinor: pick([6000, 8000, 9000, 11_000, 12_000]),
          skills: [{ skill: 'dbt', proficiency: 1 + Math.floor(random() * 5) }],
          leave:
            random() < 0.2
              ? [
                  {
                    leaveId: 'L',
                    personId: 'x',
                    startDate: '2027-03-08',
                    endDate: pick(['2027-03-09', '2027-03-19']),
                    kind: 'annual',
                  },
                ]
              : [],
        }),
      );
      const loads: Record<string, PersonWeekLoad[]> = {};
      for (const entry of people) {
        const hours = pick([0, 8, 16, 24, 36]);
        const clientId = pick(['ACC-1', 'ACC-2', 'ACC-3']);
        const projectId = pick(['PRJ-1', 'PRJ-OLD', 'PRJ-X']);
        const second = random() < 0.3 ? pick(['PRJ-1', 'PRJ-OLD', 'PRJ-X']) : undefined;
        const from = Math.floor(random() * weeks.length);
        const to = from + Math.floor(random() * 10);
        loads[entry.personId] = weeks
          .filter((_, index) => hours > 0 && index >= from && index <= to)
          .map((week) => ({
            week,
            bookedHours: second ? 2 * hours : hours,
            // The later booking id comes first, as a PSA may answer in any order.
            bookings: [
              ...(second
                ? [{ bookingId: `c-${entry.personId}`, projectId: second, clientId, kind: 'hard' as const, hours }]
                : []),
              { bookingId: `b-${entry.personId}`, projectId, clientId, kind: 'hard', hours },
            ],
          }));
      }
      const holidays = { FR: ['2027-03-10'], DE: ['2027-03-22'] };
      const { calls, ...ports } = recordingPorts(people, holidays, loads);

      // Act
      const gathered = await gatherAndRecommend(
        REQUEST,
        { region: 'EMEA', clientId: 'ACC-1' },
        ports,
        currentStaffingPolicy(),
      );

      // Assess
      const everyone = recommend({
        request: REQUEST,
        region: 'EMEA',
        clientId: 'ACC-1',
        people: [
          ...people.filter((entry) => entry.region === 'EMEA').slice(0, currentStaffingPolicy().candidatePoolPerRegion),
          ...people.filter((entry) => entry.region === 'AMER').slice(0, 5),
        ],
        holidays: new Map(Object.entries(holidays)),
        // What one read from the lookback's first week to the window's last returned before.
        loads: new Map(
          Object.entries(loads).map(([id, list]) => [
            id,
            list.filter((load) => load.week >= '2026-W36' && load.week <= '2027-W12'),
          ]),
        ),
        targets: { consultant: 0.8 },
        policy: currentStaffingPolicy(),
      });
      expect(gathered).toEqual(everyone);
      expect(calls.map((entry) => entry.name)).not.toContain('loads');
    }
  });
});
