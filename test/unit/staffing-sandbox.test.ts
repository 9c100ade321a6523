import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Person } from '../../shared/connectors/hris/hris-connector';
import { SandboxHrisConnector } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { SandboxPsaBookings } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { clientWeeksOfLoads, hoursOfLoads } from '../../shared/connectors/psa/psa-bookings';
import { SEED_PEOPLE } from '../../shared/connectors/sandbox/hris-seed';
import { loadStaffingRecords } from '../../shared/connectors/sandbox/staffing-sandbox-loader';
import { startStaffingTables, type StaffingTables } from '../support/staffing-tables';

const NOW = new Date('2027-01-04T09:00:00.000Z');

function person(personId: string, overrides: Partial<Person> = {}): Person {
  return {
    personId,
    name: `Person ${personId}`,
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
    skills: [{ skill: 'dbt', proficiency: 3 }],
    certifications: [],
    remoteOk: true,
    deliveryLead: 'lead@psflow.example',
    ...overrides,
  };
}

describe('the staffing sandbox systems', () => {
  let tables: StaffingTables;
  let hris: SandboxHrisConnector;
  let psa: SandboxPsaBookings;

  beforeAll(async () => {
    tables = await startStaffingTables();
    hris = new SandboxHrisConnector(tables.documents, tables.hrisTable);
    psa = new SandboxPsaBookings(tables.documents, tables.bookingsTable, undefined, () => NOW);
  });

  afterAll(async () => tables.close());

  it('finds candidates by skill and region through the index, highest proficiency first and ties by id', async () => {
    // Prepare
    await hris.putPerson(person('IDX-B', { skills: [{ skill: 'idx-skill', proficiency: 4 }] }));
    await hris.putPerson(person('IDX-A', { skills: [{ skill: 'idx-skill', proficiency: 4 }] }));
    await hris.putPerson(person('IDX-C', { skills: [{ skill: 'idx-skill', proficiency: 5 }] }));
    await hris.putPerson(person('IDX-D', { skills: [{ skill: 'idx-skill', proficiency: 2 }] }));
    await hris.putPerson(person('IDX-E', { region: 'AMER', skills: [{ skill: 'idx-skill', proficiency: 5 }] }));

    // Act
    const found = await hris.findCandidates({ skill: 'idx-skill', region: 'EMEA', minProficiency: 3, limit: 10 });
    const limited = await hris.findCandidates({ skill: 'idx-skill', region: 'EMEA', minProficiency: 1, limit: 2 });

    // Assess
    expect(found.map((entry) => entry.personId)).toEqual(['IDX-C', 'IDX-B', 'IDX-A']);
    expect(limited.map((entry) => entry.personId)).toEqual(['IDX-C', 'IDX-B']);
    expect(found[0]).toMatchObject({ name: expect.any(String), region: 'EMEA', leave: [] });
  });

  it('drops the index items of skills a person no longer has, and keeps their leave when they are rewritten', async () => {
    // Prepare
    await hris.putPerson(person('RW-1', { skills: [{ skill: 'rw-old', proficiency: 4 }] }));
    await hris.putLeave({
      leaveId: 'LV-1',
      personId: 'RW-1',
      startDate: '2027-02-01',
      endDate: '2027-02-05',
      kind: 'annual',
    });

    // Act
    await hris.putPerson(person('RW-1', { skills: [{ skill: 'rw-new', proficiency: 4 }] }));

    // Assess
    expect(await hris.findCandidates({ skill: 'rw-old', region: 'EMEA', minProficiency: 1, limit: 5 })).toEqual([]);
    const candidates = await hris.findCandidates({ skill: 'rw-new', region: 'EMEA', minProficiency: 1, limit: 5 });
    expect(candidates.map((entry) => entry.personId)).toEqual(['RW-1']);
    const [read] = await hris.getPeople(['RW-1']);
    expect(read.leave.map((leave) => leave.leaveId)).toEqual(['LV-1']);
    // The index item carries the profile and leave, so the candidate query returns the person whole.
    expect(candidates).toEqual([read]);
    expect(await hris.knownSkills()).toEqual(expect.any(Set));
    expect((await hris.knownSkills()).has('rw-new')).toBe(true);
  });

  it('copies leave recorded later onto every skill index item, so candidates come with it', async () => {
    // Prepare
    await hris.putPerson(
      person('LV-P', {
        skills: [
          { skill: 'lv-one', proficiency: 4 },
          { skill: 'lv-two', proficiency: 3 },
        ],
      }),
    );

    // Act
    await hris.putLeave({
      leaveId: 'LV-2',
      personId: 'LV-P',
      startDate: '2027-03-01',
      endDate: '2027-03-05',
      kind: 'training',
    });

    // Assess
    for (const skill of ['lv-one', 'lv-two']) {
      const [found] = await hris.findCandidates({ skill, region: 'EMEA', minProficiency: 1, limit: 5 });
      expect(found.leave.map((leave) => leave.leaveId)).toEqual(['LV-2']);
    }
  });

  it('refuses leave for a person the HRIS does not know, naming both', async () => {
    // Act
    const attempt = hris.putLeave({
      leaveId: 'LV-X',
      personId: 'NOBODY',
      startDate: '2027-02-01',
      endDate: '2027-02-05',
      kind: 'annual',
    });

    // Assess
    await expect(attempt).rejects.toThrow('leave LV-X: no person NOBODY in the HRIS');
  });

  it('books within capacity, answers a repeat with the first booking, and refuses hours past capacity', async () => {
    // Prepare
    const capacity = { '2027-W02': 40, '2027-W03': 40 };
    const request = {
      bookingId: 'B-1',
      personId: 'CAP-1',
      projectId: 'PRJ-1',
      kind: 'hard' as const,
      weeks: { '2027-W02': 30, '2027-W03': 30 },
    };

    // Act
    const first = await psa.book(request, capacity);
    const repeat = await psa.book(request, capacity);
    const second = await psa.book({ ...request, bookingId: 'B-2', weeks: { '2027-W02': 8, '2027-W03': 12 } }, capacity);

    // Assess
    expect(first.outcome).toBe('booked');
    expect(repeat.outcome).toBe('booked');
    expect(second).toEqual({ outcome: 'over-capacity', week: '2027-W03', freeHours: 10 });
    const loads = await psa.loads(['CAP-1'], '2027-W01', '2027-W05');
    expect(loads.get('CAP-1')?.map((load) => [load.week, load.bookedHours])).toEqual([
      ['2027-W02', 30],
      ['2027-W03', 30],
    ]);
  });

  it('reads booked hours alone across quarters, the same as the loads, and whole past the projection limit', async () => {
    // Prepare: two bookings for one person either side of a quarter boundary.
    const capacity = { '2027-W12': 40, '2027-W13': 40, '2027-W14': 40, '2027-W15': 40 };
    await psa.book(
      {
        bookingId: 'HRS-B1',
        personId: 'HRS-1',
        projectId: 'P1',
        kind: 'hard',
        weeks: { '2027-W12': 10, '2027-W14': 5 },
      },
      capacity,
    );
    await psa.book(
      {
        bookingId: 'HRS-B2',
        personId: 'HRS-1',
        projectId: 'P2',
        kind: 'hard',
        weeks: { '2027-W14': 7, '2027-W15': 3 },
      },
      capacity,
    );

    // Act
    const hours = await psa.bookedHours(['HRS-1', 'HRS-NONE'], '2027-W13', '2027-W15');
    const loads = await psa.loads(['HRS-1', 'HRS-NONE'], '2027-W13', '2027-W15');
    const longRange = await psa.bookedHours(['HRS-1'], '2025-W01', '2027-W52');

    // Assess
    expect(hours).toEqual(
      new Map([
        [
          'HRS-1',
          [
            { week: '2027-W14', bookedHours: 12 },
            { week: '2027-W15', bookedHours: 3 },
          ],
        ],
      ]),
    );
    expect(hours).toEqual(hoursOfLoads(loads));
    expect(longRange.get('HRS-1')).toEqual([
      { week: '2027-W12', bookedHours: 10 },
      { week: '2027-W14', bookedHours: 12 },
      { week: '2027-W15', bookedHours: 3 },
    ]);
  });

  it('takes back the quarters it wrote when a later quarter is full, so a refused booking leaves no hours behind', async () => {
    // Prepare
    const capacity = { '2027-W13': 40, '2027-W14': 40 };
    await psa.book(
      { bookingId: 'Q-FULL', personId: 'CAP-2', projectId: 'P', kind: 'hard', weeks: { '2027-W14': 40 } },
      capacity,
    );

    // Act
    const outcome = await psa.book(
      {
        bookingId: 'Q-SPAN',
        personId: 'CAP-2',
        projectId: 'P',
        kind: 'hard',
        weeks: { '2027-W13': 20, '2027-W14': 20 },
      },
      capacity,
    );

    // Assess
    expect(outcome).toEqual({ outcome: 'over-capacity', week: '2027-W14', freeHours: 0 });
    const loads = await psa.loads(['CAP-2'], '2027-W13', '2027-W14');
    expect(loads.get('CAP-2')?.map((load) => [load.week, load.bookedHours])).toEqual([['2027-W14', 40]]);
    expect((await psa.getBooking('Q-SPAN'))?.status).toBe('refused');
  });

  it("answers a client's weeks from its own set, the same as the loads, and takes them back on release or refusal", async () => {
    // Prepare: two bookings for one client in the same weeks across a quarter's end (the later id
    // written first), one for another client, one with no client; then a refusal that wrote Q1.
    const capacity = Object.fromEntries(['2027-W12', '2027-W13', '2027-W14', '2027-W15'].map((week) => [week, 40]));
    const booking = (
      bookingId: string,
      projectId: string,
      clientId: string | undefined,
      weeks: Record<string, number>,
    ) =>
      psa.book(
        { bookingId, personId: 'CW-1', projectId, ...(clientId ? { clientId } : {}), kind: 'hard', weeks },
        capacity,
      );
    await booking('CW-Z', 'P-LATER', 'ACC-1', { '2027-W13': 8, '2027-W14': 8 });
    await booking('CW-A', 'P-FIRST', 'ACC-1', { '2027-W13': 8, '2027-W14': 8 });
    await booking('CW-OTHER', 'P-OTHER', 'ACC-2', { '2027-W12': 8 });
    await booking('CW-NONE', 'P-NONE', undefined, { '2027-W14': 8 });
    await booking('CW-FULL', 'P-FULL', 'ACC-3', { '2027-W15': 40 });
    const refused = await booking('CW-REFUSED', 'P-REFUSED', 'ACC-3', { '2027-W13': 8, '2027-W15': 8 });

    // Act
    const worked = await psa.clientWeeks(['CW-1', 'CW-NONE'], 'ACC-1', '2027-W12', '2027-W14');
    const fromLoads = clientWeeksOfLoads(await psa.loads(['CW-1'], '2027-W12', '2027-W14'), 'ACC-1');
    const inRange = await psa.clientWeeks(['CW-1'], 'ACC-1', '2027-W14', '2027-W15');
    const afterRefusal = await psa.clientWeeks(['CW-1'], 'ACC-3', '2027-W12', '2027-W15');
    await psa.release('CW-Z', 'moved');
    const afterRelease = await psa.clientWeeks(['CW-1'], 'ACC-1', '2027-W12', '2027-W14');
    await psa.release('CW-A', 'moved');
    const { Item } = await tables.documents.send(
      new GetCommand({ TableName: tables.bookingsTable, Key: { pk: 'PERSON#CW-1', sk: 'Q#2027-Q1' } }),
    );

    // Assess
    const week = (at: string, projectId: string, bookingId: string) => ({ week: at, projectId, bookingId });
    expect(worked).toEqual(
      new Map([
        [
          'CW-1',
          [
            week('2027-W13', 'P-FIRST', 'CW-A'),
            week('2027-W13', 'P-LATER', 'CW-Z'),
            week('2027-W14', 'P-FIRST', 'CW-A'),
            week('2027-W14', 'P-LATER', 'CW-Z'),
          ],
        ],
      ]),
    );
    expect(new Set(worked.get('CW-1'))).toEqual(new Set(fromLoads.get('CW-1')));
    expect(inRange.get('CW-1')?.map((entry) => entry.week)).toEqual(['2027-W14', '2027-W14']);
    expect(refused.outcome).toBe('over-capacity');
    expect(afterRefusal.get('CW-1')).toEqual([week('2027-W15', 'P-FULL', 'CW-FULL')]);
    expect(afterRelease.get('CW-1')).toEqual([
      week('2027-W13', 'P-FIRST', 'CW-A'),
      week('2027-W14', 'P-FIRST', 'CW-A'),
    ]);
    // The last entry's release leaves no empty set behind, as DynamoDB drops it.
    expect(Object.keys(Item ?? {}).filter((name) => name.startsWith('c#'))).toEqual(['c#ACC-2']);
  });

  it('confirms a hold into a hard booking, releases capacity once, and lists lapsed holds from the index', async () => {
    // Prepare
    const capacity = { '2027-W05': 40 };
    await psa.book(
      {
        bookingId: 'H-1',
        personId: 'CAP-3',
        projectId: 'P',
        kind: 'hold',
        weeks: { '2027-W05': 40 },
        expiresAt: '2027-01-03T00:00:00.000Z',
      },
      capacity,
    );
    await psa.book(
      {
        bookingId: 'H-2',
        personId: 'CAP-4',
        projectId: 'P',
        kind: 'hold',
        weeks: { '2027-W05': 40 },
        expiresAt: '2027-01-10T00:00:00.000Z',
      },
      capacity,
    );

    // Act
    const lapsed = await psa.expiredHolds(NOW, 10);
    await psa.release('H-1', 'hold lapsed');
    await psa.release('H-1', 'hold lapsed');
    const confirmed = await psa.confirm('H-2');

    // Assess
    expect(lapsed.map((booking) => booking.bookingId)).toEqual(['H-1']);
    expect((await psa.loads(['CAP-3'], '2027-W05', '2027-W05')).get('CAP-3') ?? []).toEqual([]);
    expect(confirmed.kind).toBe('hard');
    expect(await psa.expiredHolds(new Date('2027-02-01T00:00:00.000Z'), 10)).toEqual([]);
    const { Item } = await tables.documents.send(
      new GetCommand({ TableName: tables.bookingsTable, Key: { pk: 'PERSON#CAP-3', sk: 'Q#2027-Q1' } }),
    );
    expect(Item?.['w#2027-W05']).toBe(0);
  });

  it('loads people, leave and bookings from a load file and refuses, with reasons, what does not fit', async () => {
    // Prepare
    const data = {
      people: [person('LD-1', { hoursPerWeek: 20 })],
      leave: [
        { leaveId: 'LD-L1', personId: 'LD-1', startDate: '2027-03-01', endDate: '2027-03-05', kind: 'annual' as const },
        {
          leaveId: 'LD-L2',
          personId: 'LD-404',
          startDate: '2027-03-01',
          endDate: '2027-03-05',
          kind: 'annual' as const,
        },
      ],
      holidays: [],
      bookings: [
        {
          bookingId: 'LD-B1',
          personId: 'LD-1',
          projectId: 'P',
          kind: 'hard' as const,
          startDate: '2027-02-01',
          endDate: '2027-02-12',
          hoursPerWeek: 20,
        },
        {
          bookingId: 'LD-B2',
          personId: 'LD-1',
          projectId: 'P',
          kind: 'hard' as const,
          startDate: '2027-02-01',
          endDate: '2027-02-05',
          hoursPerWeek: 4,
        },
        {
          bookingId: 'LD-B3',
          personId: 'LD-1',
          projectId: 'P',
          kind: 'hard' as const,
          startDate: '2027-03-01',
          endDate: '2027-03-05',
          hoursPerWeek: 4,
        },
        {
          bookingId: 'LD-B4',
          personId: 'LD-404',
          projectId: 'P',
          kind: 'hard' as const,
          startDate: '2027-03-01',
          endDate: '2027-03-05',
          hoursPerWeek: 4,
        },
      ],
    };

    // Act
    const result = await loadStaffingRecords(hris, psa, data);

    // Assess
    expect(result.bookings).toBe(1);
    expect(result.refused).toEqual([
      { id: 'LD-L2', reason: 'leave LD-L2: no person LD-404 in the HRIS' },
      { id: 'LD-B2', reason: "over Person LD-1's capacity in 2027-W05 (0 h free)" },
      { id: 'LD-B3', reason: "over Person LD-1's capacity in 2027-W09 (0 h free)" },
      { id: 'LD-B4', reason: 'no person LD-404 in the HRIS' },
    ]);
  });

  it('seeds about sixty people across the three regions and four practices', () => {
    // Act
    const regions = new Set(SEED_PEOPLE.map((p) => p.region));
    const practices = new Set(SEED_PEOPLE.map((p) => p.practice));

    // Assess
    expect(SEED_PEOPLE.length).toBeGreaterThanOrEqual(55);
    expect(new Set(SEED_PEOPLE.map((p) => p.personId)).size).toBe(SEED_PEOPLE.length);
    expect([...regions].sort()).toEqual(['AMER', 'APAC', 'EMEA']);
    expect(practices.size).toBe(4);
  });
});
