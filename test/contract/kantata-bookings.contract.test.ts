import { KantataApi } from '../../shared/connectors/kantata/kantata-client';
import { KantataPsaBookings } from '../../shared/connectors/kantata/kantata-psa-bookings';
import { KantataPsaConnector } from '../../shared/connectors/kantata/kantata-psa-connector';
import type { BookingRequest } from '../../shared/connectors/psa/psa-bookings';
import type { PsaProjectRequest } from '../../shared/connectors/psa/psa-connector';
import { PermanentVendorError } from '../../shared/integrations/vendor-errors';
import { FakeKantata } from '../fixtures/vendor-kantata/fake-kantata';
import { contractClient, MapSecrets } from './contract-harness';

const SECRET = 'psflow/test/kantata';
const PROJECT: PsaProjectRequest = {
  psflowProjectId: 'prj-0068d00000B7kQwAAJ',
  name: 'Acme ERP rollout',
  clientId: 'cli-0018d00000C1aBcAAJ',
  startDate: '2027-03-01',
  workBreakdown: [],
  roles: [],
};
const HOLD: BookingRequest = {
  bookingId: 'bk-req-1-L1-emp-42',
  personId: 'emp-42',
  projectId: PROJECT.psflowProjectId,
  clientId: PROJECT.clientId,
  kind: 'hold',
  weeks: { '2027-W10': 20, '2027-W11': 24 },
  expiresAt: '2027-03-05T17:00:00Z',
};
const CAPACITY = { '2027-W10': 40, '2027-W11': 40, '2027-W12': 40 };

describe('Kantata bookings (workspace allocations) against a fake Kantata OX (API v1)', () => {
  let fake: FakeKantata;

  beforeEach(async () => {
    fake = new FakeKantata();
    await fake.server.start();
  });

  afterEach(async () => {
    await fake.server.stop();
  });

  async function connectors() {
    const harness = contractClient('kantata-api', 'psa');
    const api = new KantataApi(harness.http, new MapSecrets({ [SECRET]: fake.secret() }), SECRET);
    const project = await new KantataPsaConnector(api).createProject('k1', PROJECT);
    const user = fake.addUser('emp-42', 'Ada Lovelace');
    return { ...harness, project, user, bookings: new KantataPsaBookings(api, async () => ({ consultant: 0.8 })) };
  }

  const allocations = () => [...fake.table('workspace_allocations').values()];

  it('books a hold as one soft allocation per week, once, and reads it back', async () => {
    // Prepare
    const { bookings, project } = await connectors();

    // Act
    const first = await bookings.book(HOLD, CAPACITY);
    const again = await bookings.book(HOLD, CAPACITY);

    // Assess
    const booking = {
      bookingId: HOLD.bookingId,
      personId: 'emp-42',
      projectId: PROJECT.psflowProjectId,
      clientId: PROJECT.clientId,
      kind: 'hold',
      status: 'active',
      weeks: { '2027-W10': 20, '2027-W11': 24 },
      expiresAt: HOLD.expiresAt,
    };
    expect(first).toEqual({ outcome: 'booked', booking });
    expect(again).toEqual(first);
    expect(allocations()).toEqual([
      expect.objectContaining({ start_date: '2027-03-08', end_date: '2027-03-12', minutes: 1200, hard: false }),
      expect.objectContaining({ start_date: '2027-03-15', end_date: '2027-03-19', minutes: 1440, hard: false }),
    ]);
    expect(allocations()[0].workspace_id).toBe(project.psaProjectId);
    expect(fake.table('workspace_resources').size).toBe(1);
    expect(fake.server.requests.filter((r) => r.method === 'POST' && r.path.includes('allocations'))).toHaveLength(1);
  });

  it('refuses a week without room, counting allocations made in Kantata itself, and writes nothing', async () => {
    // Prepare
    const { bookings, user } = await connectors();
    const elsewhere = fake.insert('workspace_resources', { workspace_id: '1', user_id: user.id });
    fake.insert('workspace_allocations', {
      resource_id: elsewhere.id,
      workspace_id: '1',
      start_date: '2027-03-15',
      end_date: '2027-03-19',
      minutes: 30 * 60,
      hard: true,
    });

    // Act
    const outcome = await bookings.book(HOLD, CAPACITY);

    // Assess
    expect(outcome).toEqual({ outcome: 'over-capacity', week: '2027-W11', freeHours: 10 });
    expect(allocations()).toHaveLength(1);
  });

  it('takes its allocations back when a concurrent booking took the room between read and write', async () => {
    // Prepare
    const { bookings, user } = await connectors();
    const elsewhere = fake.insert('workspace_resources', { workspace_id: '1', user_id: user.id });
    fake.afterCreate = (collection) => {
      if (collection !== 'workspace_allocations') return;
      fake.afterCreate = undefined;
      fake.insert('workspace_allocations', {
        resource_id: elsewhere.id,
        workspace_id: '1',
        start_date: '2027-03-08',
        end_date: '2027-03-12',
        minutes: 25 * 60,
        hard: true,
      });
    };

    // Act
    const outcome = await bookings.book(HOLD, CAPACITY);

    // Assess
    expect(outcome).toEqual({ outcome: 'over-capacity', week: '2027-W10', freeHours: 15 });
    expect(allocations()).toEqual([expect.objectContaining({ minutes: 25 * 60, resource_id: elsewhere.id })]);
    expect(await bookings.getBooking(HOLD.bookingId)).toBeUndefined();
  });

  it('takes back the part of a bulk allocation create that Kantata wrote before failing', async () => {
    // Prepare
    const { bookings } = await connectors();
    fake.bulkLimit = { collection: 'workspace_allocations', created: 1 };

    // Act
    const failure = bookings.book({ ...HOLD, weeks: { '2027-W10': 8, '2027-W11': 8, '2027-W12': 8 } }, CAPACITY);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PermanentVendorError);
    await expect(failure).rejects.toThrow(/partial-failure .*bulk create of 3 workspace_allocations answered with 1/);
    expect(allocations()).toEqual([]);
    expect(fake.server.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('confirms a hold into a hard assignment, shows it in the load, and releases it once', async () => {
    // Prepare
    const { bookings } = await connectors();
    await bookings.book(HOLD, CAPACITY);

    // Act
    const confirmed = await bookings.confirm(HOLD.bookingId);
    const loads = await bookings.loads(['emp-42', 'emp-unknown'], '2027-W09', '2027-W10');
    const released = await bookings.release(HOLD.bookingId, 'the request closed');
    const again = await bookings.release(HOLD.bookingId, 'the request closed');

    // Assess
    expect(confirmed).toMatchObject({ kind: 'hard', weeks: HOLD.weeks });
    expect(loads).toEqual(
      new Map([
        [
          'emp-42',
          [
            {
              week: '2027-W10',
              bookedHours: 20,
              bookings: [
                {
                  bookingId: HOLD.bookingId,
                  projectId: PROJECT.psflowProjectId,
                  clientId: PROJECT.clientId,
                  kind: 'hard',
                  hours: 20,
                },
              ],
            },
          ],
        ],
      ]),
    );
    expect(released).toMatchObject({ status: 'released', reason: 'the request closed' });
    expect(again).toBeUndefined();
    expect(allocations()).toEqual([]);
  });

  it("answers a client's weeks from the allocations, and none for another client", async () => {
    // Prepare
    const { bookings } = await connectors();
    await bookings.book(HOLD, CAPACITY);

    // Act
    const worked = await bookings.clientWeeks(['emp-42'], PROJECT.clientId, '2027-W11', '2027-W12');
    const other = await bookings.clientWeeks(['emp-42'], 'cli-other', '2027-W09', '2027-W12');

    // Assess
    expect(worked).toEqual(
      new Map([['emp-42', [{ week: '2027-W11', projectId: PROJECT.psflowProjectId, bookingId: HOLD.bookingId }]]]),
    );
    expect(other).toEqual(new Map());
  });

  it('looks up every person of a load in one users request, and their weeks one person at a time', async () => {
    // Prepare
    const { bookings } = await connectors();
    for (let person = 0; person < 30; person++) fake.addUser(`emp-${100 + person}`, `Person ${person}`);
    await bookings.book(HOLD, CAPACITY);
    const before = fake.server.requests.length;
    const people = [...Array.from({ length: 30 }, (_, person) => `emp-${100 + person}`), 'emp-42', 'emp-unknown'];

    // Act
    const loads = await bookings.loads(people, '2027-W10', '2027-W11');

    // Assess
    const paths = fake.server.requests.slice(before).map((request) => request.path);
    expect(paths.filter((path) => path === '/api/v1/users.json')).toHaveLength(1);
    expect(paths.filter((path) => path === '/api/v1/workspace_allocations.json')).toHaveLength(31);
    expect([...loads.keys()]).toEqual(['emp-42']);
  });

  it('lists holds past their expiry, oldest first, and never a hard assignment', async () => {
    // Prepare
    const { bookings } = await connectors();
    await bookings.book({ ...HOLD, bookingId: 'late', expiresAt: '2027-03-06T00:00:00Z' }, CAPACITY);
    await bookings.book(
      { ...HOLD, bookingId: 'early', weeks: { '2027-W12': 8 }, expiresAt: '2027-03-04T00:00:00Z' },
      CAPACITY,
    );
    await bookings.book(
      { ...HOLD, bookingId: 'future', weeks: { '2027-W12': 8 }, expiresAt: '2027-04-01T00:00:00Z' },
      CAPACITY,
    );
    await bookings.book(
      { ...HOLD, bookingId: 'hard', kind: 'hard', weeks: { '2027-W12': 8 }, expiresAt: undefined },
      CAPACITY,
    );

    // Act
    const expired = await bookings.expiredHolds(new Date('2027-03-10T00:00:00Z'), 10);
    const first = await bookings.expiredHolds(new Date('2027-03-10T00:00:00Z'), 1);

    // Assess
    expect(expired.map((booking) => booking.bookingId)).toEqual(['early', 'late']);
    expect(first.map((booking) => booking.bookingId)).toEqual(['early']);
  });

  it('finds the project with its client, and refuses a person Kantata does not know', async () => {
    // Prepare
    const { bookings, project } = await connectors();

    // Act
    const summary = await bookings.findProject(PROJECT.psflowProjectId);
    const failure = bookings.book({ ...HOLD, personId: 'emp-nobody' }, CAPACITY);

    // Assess
    expect(summary).toEqual({
      psflowProjectId: PROJECT.psflowProjectId,
      psaProjectId: project.psaProjectId,
      name: 'Acme ERP rollout',
      clientId: PROJECT.clientId,
    });
    expect(await bookings.findProject('prj-unknown')).toBeUndefined();
    await expect(failure).rejects.toThrow(/no Kantata user has a psflow reference to person emp-nobody/);
    expect(await bookings.utilisationTargets()).toEqual({ consultant: 0.8 });
  });
});
