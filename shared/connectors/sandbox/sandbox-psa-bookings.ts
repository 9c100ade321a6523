import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { RetryableConnectorError } from '../connector-errors';
import {
  BookingKind,
  BookingRequest,
  hoursOfLoads,
  type Booking,
  type BookingOutcome,
  type ClientWeek,
  type PersonWeekLoad,
  type PsaBookings,
  type PsaProjectSummary,
  type UtilisationTargets,
  type WeekBooking,
  type WeekHours,
} from '../psa/psa-bookings';
import * as z from 'zod';
import { isConditionFailure } from '../../repositories/condition-failure';
import { quarterOf, weekRange } from '../../staffing/iso-week';
import type { SandboxRecordStore } from './sandbox-record-store';

/** Sparse index of active holds by expiry, for the sweep that releases lapsed ones. */
export const BOOKINGS_BY_HOLD_EXPIRY_INDEX = 'byHoldExpiry';
/** Value of `holdState` on active holds; absent on everything else, so the index holds only them. */
const HELD = 'held';
/** How long a writer owns a booking it started before another delivery may take over and finish it. */
const CLAIM_LEASE_MS = 30_000;
const BATCH_GET_LIMIT = 100;
/** Most weeks a projected read names; a year-long window is 53. */
const PROJECTED_WEEKS_LIMIT = 120;
const BOOKING_PREFIX = 'bk#';
const WEEK_PREFIX = 'w#';
const CLIENT_PREFIX = 'c#';
const TARGETS_KEY = { pk: 'TARGETS', sk: 'UTILISATION' };

/** Which attributes a read returns, by placeholder. */
interface Projection {
  readonly ProjectionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
}

const BookingStatus = z.enum(['pending', 'active', 'released', 'refused']);

/** One entry of a quarter item's client set: `[week, projectId, bookingId]`. */
const ClientWeekEntry = z.tuple([z.string(), z.string(), z.string()]);

/** One booking's share of a quarter item, as written by {@link SandboxPsaBookings.book}. */
const QuarterShare = z.object({
  projectId: z.string(),
  clientId: z.string().optional(),
  kind: BookingKind,
  weeks: z.record(z.string(), z.number()),
});

interface StoredBooking extends Booking {
  readonly claimToken?: string;
  readonly claimedAt?: number;
}

function bookingKey(bookingId: string): { pk: string; sk: string } {
  return { pk: `BOOKING#${bookingId}`, sk: 'BOOKING' };
}

function loadKey(personId: string, quarter: string): { pk: string; sk: string } {
  return { pk: `PERSON#${personId}`, sk: `Q#${quarter}` };
}

/** What a booking adds to its client's set in a quarter item: one entry per week, unique to the booking. */
function clientWeekEntries(
  booking: { projectId: string; bookingId: string },
  weeks: readonly [string, number][],
): Set<string> {
  return new Set(weeks.map(([week]) => JSON.stringify([week, booking.projectId, booking.bookingId])));
}

function clientWeekOf(entry: unknown): ClientWeek | undefined {
  if (typeof entry !== 'string') return undefined;
  try {
    const parsed = ClientWeekEntry.safeParse(JSON.parse(entry));
    return parsed.success ? { week: parsed.data[0], projectId: parsed.data[1], bookingId: parsed.data[2] } : undefined;
  } catch {
    return undefined;
  }
}

function byQuarter(weeks: Readonly<Record<string, number>>): Map<string, [string, number][]> {
  const grouped = new Map<string, [string, number][]>();
  for (const [week, hours] of Object.entries(weeks).sort(([left], [right]) => left.localeCompare(right))) {
    const quarter = quarterOf(week);
    grouped.set(quarter, [...(grouped.get(quarter) ?? []), [week, hours]]);
  }
  return grouped;
}

function asBooking(item: Record<string, unknown> | undefined): StoredBooking | undefined {
  if (!item || typeof item.bookingId !== 'string') return undefined;
  const kind = BookingKind.safeParse(item.kind);
  const status = BookingStatus.safeParse(item.status);
  const weeks: Record<string, number> = {};
  if (item.weeks && typeof item.weeks === 'object')
    for (const [week, hours] of Object.entries(item.weeks)) if (typeof hours === 'number') weeks[week] = hours;
  return {
    bookingId: item.bookingId,
    personId: String(item.personId),
    projectId: String(item.projectId),
    ...(typeof item.clientId === 'string' ? { clientId: item.clientId } : {}),
    kind: kind.success ? kind.data : 'hold',
    status: status.success ? status.data : 'pending',
    weeks,
    ...(typeof item.expiresAt === 'string' ? { expiresAt: item.expiresAt } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    ...(typeof item.claimToken === 'string' ? { claimToken: item.claimToken } : {}),
    ...(typeof item.claimedAt === 'number' ? { claimedAt: item.claimedAt } : {}),
  };
}

/**
 * The sandbox PSA's bookings, on one DynamoDB table with no transactions (dynalite has none,
 * decision 3). Capacity lives in one item per person and quarter (`PERSON#<id>` / `Q#2027-Q1`)
 * holding the booked hours of each week (`w#2027-W02`), each booking's share (`bk#<id>`), and per
 * client a string set of the weeks booked for it (`c#<clientId>`: `[week, project, booking]`),
 * which continuity reads projected to the one client it asks about.
 * A booking adds its hours to a quarter item with one conditional update whose condition says,
 * per week, that the hours already booked leave room for it, and that this booking is not
 * already there; so two writers can never both take the last hours of a week, and a repeat adds
 * nothing. A booking that spans quarters writes them in order and takes back what it wrote if a
 * later quarter is full. The booking record (`BOOKING#<id>`) is claimed first with a conditional
 * put, so concurrent deliveries of one booking do the work once; a claim left by a crashed writer
 * is taken over after a lease, and the idempotent quarter writes make finishing it safe.
 */
export class SandboxPsaBookings implements PsaBookings {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly records: SandboxRecordStore | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async book(request: BookingRequest, capacity: Readonly<Record<string, number>>): Promise<BookingOutcome> {
    const parsed = BookingRequest.parse(request);
    const claim = await this.claim(parsed);
    if ('done' in claim) return claim.done;
    const written: [string, [string, number][]][] = [];
    for (const [quarter, weeks] of byQuarter(parsed.weeks)) {
      const full = weeks.find(([week, hours]) => (capacity[week] ?? 0) < hours);
      const refused = full
        ? { week: full[0], freeHours: capacity[full[0]] ?? 0 }
        : await this.add(parsed, quarter, weeks, capacity);
      if (refused) {
        for (const [takenQuarter, takenWeeks] of written.reverse()) await this.remove(parsed, takenQuarter, takenWeeks);
        await this.finish(parsed.bookingId, claim.token, {
          status: 'refused',
          reason: `over capacity in ${refused.week}`,
        });
        return { outcome: 'over-capacity', ...refused };
      }
      written.push([quarter, weeks]);
    }
    const booking = await this.finish(parsed.bookingId, claim.token, {
      status: 'active',
      ...(parsed.kind === 'hold' && parsed.expiresAt ? { holdState: HELD } : {}),
    });
    return { outcome: 'booked', booking };
  }

  async confirm(bookingId: string): Promise<Booking> {
    const booking = await this.getBooking(bookingId);
    if (!booking || booking.status !== 'active')
      throw new Error(`booking ${bookingId} is not active; it cannot be confirmed`);
    if (booking.kind === 'hard') return booking;
    for (const [quarter] of byQuarter(booking.weeks))
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: loadKey(booking.personId, quarter),
          UpdateExpression: 'SET #bk.kind = :hard',
          ConditionExpression: 'attribute_exists(#bk)',
          ExpressionAttributeNames: { '#bk': `${BOOKING_PREFIX}${bookingId}` },
          ExpressionAttributeValues: { ':hard': 'hard' },
        }),
      );
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: bookingKey(bookingId),
        UpdateExpression: 'SET kind = :hard, confirmedAt = :now REMOVE holdState, expiresAt',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':hard': 'hard', ':active': 'active', ':now': this.now().toISOString() },
      }),
    );
    return { ...booking, kind: 'hard', expiresAt: undefined };
  }

  async release(bookingId: string, reason: string): Promise<Booking | undefined> {
    const booking = await this.getBooking(bookingId);
    if (!booking) return undefined;
    if (booking.status === 'pending')
      throw new RetryableConnectorError('psa', 'release', `booking ${bookingId} is still being written`);
    if (booking.status !== 'active') return booking;
    for (const [quarter, weeks] of byQuarter(booking.weeks)) await this.remove(booking, quarter, weeks);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: bookingKey(bookingId),
        UpdateExpression: 'SET #status = :released, releasedAt = :now, reason = :reason REMOVE holdState',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':released': 'released', ':now': this.now().toISOString(), ':reason': reason },
      }),
    );
    return { ...booking, status: 'released', reason };
  }

  async getBooking(bookingId: string): Promise<StoredBooking | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: bookingKey(bookingId), ConsistentRead: true }),
    );
    return asBooking(Item);
  }

  async loads(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, PersonWeekLoad[]>> {
    const loads = new Map<string, PersonWeekLoad[]>();
    for (const item of await this.readQuarters(personIds, fromWeek, toWeek)) {
      const personId = String(item.pk).slice('PERSON#'.length);
      loads.set(personId, [...(loads.get(personId) ?? []), ...weekLoads(item, fromWeek, toWeek)]);
    }
    for (const [personId, list] of loads)
      loads.set(
        personId,
        list.sort((left, right) => left.week.localeCompare(right.week)),
      );
    return loads;
  }

  /**
   * Reads the same quarter items as {@link loads}, projected to the week totals in the range:
   * the bookings' shares (each with its own map of weeks) are most of an item's bytes.
   */
  async bookedHours(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, WeekHours[]>> {
    const weeks = weekRange(fromWeek, toWeek);
    // Past this many weeks, the expression would near DynamoDB's 4 KB limit: read the items whole.
    if (weeks.length > PROJECTED_WEEKS_LIMIT) return hoursOfLoads(await this.loads(personIds, fromWeek, toWeek));
    const hours = new Map<string, WeekHours[]>();
    const names = Object.fromEntries(weeks.map((week, index) => [`#w${index}`, `${WEEK_PREFIX}${week}`]));
    const projection = {
      ProjectionExpression: ['pk', ...Object.keys(names)].join(', '),
      ExpressionAttributeNames: names,
    };
    for (const item of await this.readQuarters(personIds, fromWeek, toWeek, projection)) {
      const personId = String(item.pk).slice('PERSON#'.length);
      const booked = weekTotals(item, fromWeek, toWeek);
      hours.set(personId, [...(hours.get(personId) ?? []), ...booked]);
    }
    for (const list of hours.values()) list.sort((left, right) => left.week.localeCompare(right.week));
    return hours;
  }

  /** Reads the quarter items in the range projected to the client's set: a few bytes for most people. */
  async clientWeeks(
    personIds: readonly string[],
    clientId: string,
    fromWeek: string,
    toWeek: string,
  ): Promise<Map<string, ClientWeek[]>> {
    const attribute = `${CLIENT_PREFIX}${clientId}`;
    const projection = { ProjectionExpression: 'pk, #c', ExpressionAttributeNames: { '#c': attribute } };
    const clientWeeks = new Map<string, ClientWeek[]>();
    for (const item of await this.readQuarters(personIds, fromWeek, toWeek, projection)) {
      const entries = item[attribute];
      if (!(entries instanceof Set)) continue;
      const personId = String(item.pk).slice('PERSON#'.length);
      const worked = [...entries].flatMap((entry) => {
        const clientWeek = clientWeekOf(entry);
        return clientWeek && clientWeek.week >= fromWeek && clientWeek.week <= toWeek ? [clientWeek] : [];
      });
      if (worked.length > 0) clientWeeks.set(personId, [...(clientWeeks.get(personId) ?? []), ...worked]);
    }
    for (const list of clientWeeks.values())
      list.sort((left, right) => left.week.localeCompare(right.week) || left.bookingId.localeCompare(right.bookingId));
    return clientWeeks;
  }

  async expiredHolds(now: Date, limit: number): Promise<Booking[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BOOKINGS_BY_HOLD_EXPIRY_INDEX,
        KeyConditionExpression: 'holdState = :held AND expiresAt < :now',
        ExpressionAttributeValues: { ':held': HELD, ':now': now.toISOString() },
        Limit: limit,
      }),
    );
    return Items.flatMap((item) => {
      const booking = asBooking(item);
      return booking ? [booking] : [];
    });
  }

  async utilisationTargets(): Promise<UtilisationTargets> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: TARGETS_KEY }));
    const targets: Record<string, number> = {};
    if (Item?.targets && typeof Item.targets === 'object')
      for (const [grade, target] of Object.entries(Item.targets))
        if (typeof target === 'number') targets[grade] = target;
    return targets;
  }

  /** Sets the utilisation targets by grade (seed and load files). */
  async putUtilisationTargets(targets: UtilisationTargets): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { ...TARGETS_KEY, targets } }));
  }

  async findProject(psflowProjectId: string): Promise<PsaProjectSummary | undefined> {
    const project = (await this.records?.listByReference('psa', psflowProjectId))?.find(
      (record) => record.systemType === 'psa#project' && record.status !== 'closed',
    );
    if (!project) return undefined;
    return {
      psflowProjectId,
      psaProjectId: project.id,
      name: String(project.name ?? psflowProjectId),
      clientId: String(project.clientId ?? ''),
    };
  }

  /** The quarter items of these people that the weeks touch, in BatchGetItem requests sent together. */
  private async readQuarters(
    personIds: readonly string[],
    fromWeek: string,
    toWeek: string,
    projection?: Projection,
  ): Promise<Record<string, unknown>[]> {
    const quarters = [...new Set(weekRange(fromWeek, toWeek).map(quarterOf))];
    const keys = [...new Set(personIds)].flatMap((personId) => quarters.map((quarter) => loadKey(personId, quarter)));
    const batches: Record<string, unknown>[][] = [];
    for (let index = 0; index < keys.length; index += BATCH_GET_LIMIT)
      batches.push(keys.slice(index, index + BATCH_GET_LIMIT));
    // The batches are independent, so they go out together: one round trip rather than one per hundred keys.
    return (await Promise.all(batches.map((batch) => this.readLoadItems(batch, projection)))).flat();
  }

  /** One BatchGetItem of capacity items, retrying the keys DynamoDB leaves unprocessed. */
  private async readLoadItems(
    keys: Record<string, unknown>[],
    projection: Projection | undefined,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] | undefined = keys;
    for (let attempt = 0; pending && pending.length > 0 && attempt < 8; attempt += 1) {
      const result: BatchGetCommandOutput = await this.documents.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ...projection } } }),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    if (pending && pending.length > 0)
      throw new RetryableConnectorError('psa', 'loads', 'keys left unread after retries');
    return items;
  }

  private async claim(request: BookingRequest): Promise<{ token: string } | { done: BookingOutcome }> {
    const token = randomUUID();
    const claimedAt = this.now().getTime();
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...bookingKey(request.bookingId), ...request, status: 'pending', claimToken: token, claimedAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { token };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.getBooking(request.bookingId);
    if (!existing)
      throw new RetryableConnectorError('psa', 'book', `booking ${request.bookingId} vanished after its claim`);
    if (existing.status !== 'pending') {
      return existing.status === 'refused'
        ? { done: { outcome: 'over-capacity', week: (existing.reason ?? '').split(' ').pop() ?? '', freeHours: 0 } }
        : { done: { outcome: 'booked', booking: existing } };
    }
    if ((existing.claimedAt ?? 0) + CLAIM_LEASE_MS > claimedAt)
      throw new RetryableConnectorError(
        'psa',
        'book',
        `booking ${request.bookingId} is being written by another delivery`,
      );
    // The first writer's lease lapsed (it crashed): take the claim over and finish its work.
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: bookingKey(request.bookingId),
          UpdateExpression: 'SET claimToken = :token, claimedAt = :at',
          ConditionExpression: 'claimToken = :old',
          ExpressionAttributeValues: { ':token': token, ':at': claimedAt, ':old': existing.claimToken ?? '' },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new RetryableConnectorError(
          'psa',
          'book',
          `booking ${request.bookingId} was taken over by another delivery`,
        );
      throw error;
    }
    return { token };
  }

  /** Adds a booking's weeks to one quarter item; answers the first full week when the condition fails. */
  private async add(
    request: BookingRequest,
    quarter: string,
    weeks: readonly [string, number][],
    capacity: Readonly<Record<string, number>>,
  ): Promise<{ week: string; freeHours: number } | undefined> {
    const names: Record<string, string> = { '#bk': `${BOOKING_PREFIX}${request.bookingId}` };
    const values: Record<string, unknown> = {
      ':entry': {
        projectId: request.projectId,
        ...(request.clientId ? { clientId: request.clientId } : {}),
        kind: request.kind,
        weeks: Object.fromEntries(weeks),
      },
    };
    const conditions = ['attribute_not_exists(#bk)'];
    const adds: string[] = [];
    if (request.clientId) {
      names['#c'] = `${CLIENT_PREFIX}${request.clientId}`;
      values[':c'] = clientWeekEntries(request, weeks);
      adds.push('#c :c');
    }
    weeks.forEach(([week, hours], index) => {
      names[`#w${index}`] = `${WEEK_PREFIX}${week}`;
      values[`:h${index}`] = hours;
      values[`:limit${index}`] = (capacity[week] ?? 0) - hours;
      conditions.push(`(attribute_not_exists(#w${index}) OR #w${index} <= :limit${index})`);
      adds.push(`#w${index} :h${index}`);
    });
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: loadKey(request.personId, quarter),
          UpdateExpression: `SET #bk = :entry ADD ${adds.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item = {} } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: loadKey(request.personId, quarter), ConsistentRead: true }),
    );
    // A writer that took over a lapsed claim finds its predecessor's share already there.
    if (Item[names['#bk']] !== undefined) return undefined;
    for (const [week, hours] of weeks) {
      const booked = Number(Item[`${WEEK_PREFIX}${week}`] ?? 0);
      if (booked + hours > (capacity[week] ?? 0))
        return { week, freeHours: Math.max(0, (capacity[week] ?? 0) - booked) };
    }
    // The condition failed on a week that has room again now (a release in between): try once more.
    return this.add(request, quarter, weeks, capacity);
  }

  private async remove(
    booking: { bookingId: string; personId: string; projectId: string; clientId?: string },
    quarter: string,
    weeks: readonly [string, number][],
  ): Promise<void> {
    const names: Record<string, string> = { '#bk': `${BOOKING_PREFIX}${booking.bookingId}` };
    const values: Record<string, unknown> = {};
    const adds = weeks.map(([week, hours], index) => {
      names[`#w${index}`] = `${WEEK_PREFIX}${week}`;
      values[`:h${index}`] = -hours;
      return `#w${index} :h${index}`;
    });
    // DynamoDB drops a set that its last entry leaves, so a client with no weeks left leaves no attribute.
    let deletes = '';
    if (booking.clientId) {
      names['#c'] = `${CLIENT_PREFIX}${booking.clientId}`;
      values[':c'] = clientWeekEntries(booking, weeks);
      deletes = ' DELETE #c :c';
    }
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: loadKey(booking.personId, quarter),
          UpdateExpression: `REMOVE #bk ADD ${adds.join(', ')}${deletes}`,
          ConditionExpression: 'attribute_exists(#bk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // Already taken back by an earlier attempt: nothing to do.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async finish(bookingId: string, token: string, fields: Record<string, string>): Promise<Booking> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':token': token };
    const sets = Object.entries(fields).map(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:v${index}`] = value;
      return `#f${index} = :v${index}`;
    });
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: bookingKey(bookingId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE claimToken, claimedAt`,
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const booking = asBooking(Attributes);
      if (!booking) throw new Error(`booking ${bookingId} could not be read back`);
      return booking;
    } catch (error) {
      if (isConditionFailure(error))
        throw new RetryableConnectorError('psa', 'book', `booking ${bookingId} was taken over by another delivery`);
      throw error;
    }
  }
}

/** The week totals of a quarter item inside the range; weeks with nothing booked are left out. */
function weekTotals(item: Record<string, unknown>, fromWeek: string, toWeek: string): WeekHours[] {
  return Object.entries(item)
    .filter(([name]) => name.startsWith(WEEK_PREFIX))
    .map(([name, booked]) => ({ week: name.slice(WEEK_PREFIX.length), bookedHours: Number(booked) }))
    .filter(({ week, bookedHours }) => week >= fromWeek && week <= toWeek && bookedHours > 0);
}

function weekLoads(item: Record<string, unknown>, fromWeek: string, toWeek: string): PersonWeekLoad[] {
  // Each share is parsed once for the item, not once per week it could touch.
  const shares = Object.entries(item)
    .filter(([name]) => name.startsWith(BOOKING_PREFIX))
    .flatMap(([name, share]) => {
      const entry = QuarterShare.safeParse(share);
      return entry.success ? [{ bookingId: name.slice(BOOKING_PREFIX.length), ...entry.data }] : [];
    });
  return weekTotals(item, fromWeek, toWeek).map(({ week, bookedHours }) => ({
    week,
    bookedHours,
    bookings: shares.flatMap((share): WeekBooking[] => {
      const hours = share.weeks[week];
      if (hours === undefined) return [];
      return [
        {
          bookingId: share.bookingId,
          projectId: share.projectId,
          ...(share.clientId ? { clientId: share.clientId } : {}),
          kind: share.kind,
          hours,
        },
      ];
    }),
  }));
}
