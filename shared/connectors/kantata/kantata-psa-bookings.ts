import * as z from 'zod';
import { parseVendorShape } from '../../integrations/vendor-json';
import { PermanentVendorError } from '../../integrations/vendor-errors';
import { addDays, isoWeekOf, mondayOf } from '../../staffing/iso-week';
import {
  BookingRequest,
  clientWeeksOfLoads,
  hoursOfLoads,
  type Booking,
  type BookingOutcome,
  type ClientWeek,
  type PersonWeekLoad,
  type PsaBookings,
  type PsaProjectSummary,
  type UtilisationTargets,
  type WeekHours,
} from '../psa/psa-bookings';
import { kantataId, KANTATA_PAGE_SIZE, KANTATA_SERVICE_NAME, type KantataApi } from './kantata-client';

const Id = z.union([z.string().min(1), z.number()]);

/** A workspace allocation: minutes of one resource between two dates, hard or soft. */
const Allocation = z.looseObject({
  id: Id,
  workspace_id: Id,
  resource_id: Id,
  start_date: z.string(),
  end_date: z.string(),
  minutes: z.number().nonnegative(),
  hard: z.boolean(),
  external_reference_ids: z.array(Id).optional(),
});
type Allocation = z.infer<typeof Allocation>;

const Reference = z.looseObject({
  service_name: z.string(),
  service_model: z.string(),
  service_model_ref: z.union([z.string(), z.number()]),
  external_message: z.string().nullable().optional(),
});

/** What psflow keeps on a booking's external reference: Kantata has no field for a hold's expiry. */
const BookingFacts = z.object({
  personId: z.string(),
  projectId: z.string(),
  clientId: z.string().optional(),
  expiresAt: z.string().optional(),
});

const Workspace = z.looseObject({ id: Id, title: z.string(), external_reference_ids: z.array(Id).optional() });
const Resource = z.looseObject({ id: Id });
const User = z.looseObject({ id: Id, external_reference_ids: z.array(Id).optional() });

/** An allocation with the booking it belongs to, as read back from Kantata. */
interface BookedWeek {
  readonly allocation: Allocation;
  readonly bookingId: string;
  readonly facts: z.infer<typeof BookingFacts>;
}

/**
 * Staffing's bookings port over Kantata OX API v1 workspace allocations.
 *
 * - A booking is one allocation per ISO week (Monday to Friday, the week's hours as minutes) on
 *   the person's named workspace resource in the project's workspace; `hard` tells a hard
 *   assignment from a soft hold. Each allocation carries an external reference (`service_model`
 *   `Booking`, `service_model_ref` the booking id) whose `external_message` keeps psflow's facts
 *   (person, project, client, a hold's expiry), which is how a booking is found again.
 * - People are Kantata users with an external reference to their psflow (HRIS) id, written by
 *   whoever provisions users; a person without one has no load and cannot be booked.
 * - Kantata has no conditional write, so capacity is checked by reading the person's weeks,
 *   writing, then reading again: if a concurrent booking took the room in between, this one
 *   takes its allocations back and answers over-capacity. Both racers may back off; neither
 *   overbooks.
 * - Utilisation targets by grade are not a Kantata concept; they come from `targets`.
 */
export class KantataPsaBookings implements PsaBookings {
  private readonly users = new Map<string, string | undefined>();

  constructor(
    private readonly api: KantataApi,
    private readonly targets: () => Promise<UtilisationTargets>,
  ) {}

  async book(request: BookingRequest, capacity: Readonly<Record<string, number>>): Promise<BookingOutcome> {
    const operation = 'book';
    const parsed = BookingRequest.parse(request);
    const existing = await this.getBooking(parsed.bookingId);
    if (existing) return { outcome: 'booked', booking: existing };
    const userId = await this.user(operation, parsed.personId);
    if (userId === undefined)
      throw this.refused(operation, `no Kantata user has a psflow reference to person ${parsed.personId}`);
    const workspace = await this.workspace(operation, parsed.projectId);
    if (!workspace)
      throw this.refused(
        operation,
        `no Kantata workspace for project ${parsed.projectId}; it is created at activation`,
      );
    const weeks = Object.entries(parsed.weeks).sort(([left], [right]) => left.localeCompare(right));
    const refused = await this.overCapacity(operation, userId, weeks, capacity, 0);
    if (refused) return refused;
    const resourceId = await this.resource(operation, kantataId(workspace.id), userId);
    const facts = {
      personId: parsed.personId,
      projectId: parsed.projectId,
      ...(parsed.clientId === undefined ? {} : { clientId: parsed.clientId }),
      ...(parsed.expiresAt === undefined ? {} : { expiresAt: parsed.expiresAt }),
    };
    try {
      await this.api.create(
        operation,
        'workspace_allocations',
        'workspace_allocation',
        'workspace_allocations',
        weeks.map(([week, hours]) => ({
          resource_id: resourceId,
          start_date: mondayOf(week),
          end_date: addDays(mondayOf(week), 4),
          minutes: Math.round(hours * 60),
          hard: parsed.kind === 'hard',
          external_reference: {
            service_name: KANTATA_SERVICE_NAME,
            service_model: 'Booking',
            service_model_ref: parsed.bookingId,
            external_message: JSON.stringify(facts),
          },
        })),
      );
    } catch (error) {
      // Half a booking holds capacity nobody can use: take back what was written, then fail.
      await this.takeBack(operation, parsed.bookingId);
      throw error;
    }
    const raced = await this.overCapacity(operation, userId, weeks, capacity, 1);
    if (raced) {
      await this.takeBack(operation, parsed.bookingId);
      return raced;
    }
    const booking = await this.getBooking(parsed.bookingId);
    if (!booking) throw this.refused(operation, `booking ${parsed.bookingId} was written but cannot be read back`);
    return { outcome: 'booked', booking };
  }

  async confirm(bookingId: string): Promise<Booking> {
    const operation = 'confirm';
    const weeks = await this.bookedWeeks(operation, { service_model_refs: bookingId });
    if (weeks.length === 0) throw this.refused(operation, `no booking ${bookingId} in Kantata`);
    for (const { allocation } of weeks)
      if (!allocation.hard)
        await this.api.update(operation, 'workspace_allocations', kantataId(allocation.id), 'workspace_allocation', {
          hard: true,
        });
    const booking = await this.getBooking(bookingId);
    if (!booking) throw this.refused(operation, `booking ${bookingId} disappeared while it was confirmed`);
    return booking;
  }

  async release(bookingId: string, reason: string): Promise<Booking | undefined> {
    const booking = await this.getBooking(bookingId);
    if (!booking) return undefined;
    await this.takeBack('release', bookingId);
    return { ...booking, status: 'released', reason };
  }

  async getBooking(bookingId: string): Promise<Booking | undefined> {
    const weeks = await this.bookedWeeks('getBooking', { service_model_refs: bookingId });
    return toBookings(weeks)[0];
  }

  async loads(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, PersonWeekLoad[]>> {
    const operation = 'loads';
    const loads = new Map<string, PersonWeekLoad[]>();
    await this.findUsers(operation, [...new Set(personIds)]);
    for (const personId of new Set(personIds)) {
      const userId = await this.user(operation, personId);
      if (userId === undefined) continue;
      const weeks = await this.weeksOfUser(operation, userId, mondayOf(fromWeek), addDays(mondayOf(toWeek), 6));
      const byWeek = new Map<string, PersonWeekLoad>();
      for (const { allocation, bookingId, facts } of weeks) {
        const week = isoWeekOf(allocation.start_date);
        if (week < fromWeek || week > toWeek) continue;
        const hours = allocation.minutes / 60;
        const load = byWeek.get(week) ?? { week, bookedHours: 0, bookings: [] };
        byWeek.set(week, {
          week,
          bookedHours: load.bookedHours + hours,
          bookings: [
            ...load.bookings,
            {
              bookingId,
              projectId: facts.projectId,
              ...(facts.clientId === undefined ? {} : { clientId: facts.clientId }),
              kind: allocation.hard ? 'hard' : 'hold',
              hours,
            },
          ],
        });
      }
      if (byWeek.size > 0)
        loads.set(
          personId,
          [...byWeek.values()].sort((left, right) => left.week.localeCompare(right.week)),
        );
    }
    return loads;
  }

  /** Kantata answers allocations whole, so the hours come from the same read as the loads. */
  async bookedHours(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, WeekHours[]>> {
    return hoursOfLoads(await this.loads(personIds, fromWeek, toWeek));
  }

  /** Kantata answers allocations whole, so the client's weeks come from the loads. */
  async clientWeeks(
    personIds: readonly string[],
    clientId: string,
    fromWeek: string,
    toWeek: string,
  ): Promise<Map<string, ClientWeek[]>> {
    return clientWeeksOfLoads(await this.loads(personIds, fromWeek, toWeek), clientId);
  }

  async expiredHolds(now: Date, limit: number): Promise<Booking[]> {
    const weeks = await this.bookedWeeks('expiredHolds', { hard: false });
    return toBookings(weeks)
      .filter(
        (booking) =>
          booking.kind === 'hold' && booking.expiresAt !== undefined && booking.expiresAt < now.toISOString(),
      )
      .sort((left, right) => String(left.expiresAt).localeCompare(String(right.expiresAt)))
      .slice(0, limit);
  }

  async utilisationTargets(): Promise<UtilisationTargets> {
    return this.targets();
  }

  async findProject(psflowProjectId: string): Promise<PsaProjectSummary | undefined> {
    const operation = 'findProject';
    const { objects, included } = await this.api.listIncluding(
      operation,
      'workspaces',
      {
        external_reference_service_name: KANTATA_SERVICE_NAME,
        external_reference_service_model_refs: psflowProjectId,
        include: 'external_references',
      },
      'external_references',
    );
    const [first] = objects;
    if (first === undefined) return undefined;
    const workspace = this.parse(operation, Workspace, first, 'a workspace');
    const reference = (workspace.external_reference_ids ?? [])
      .map((id) => included.get(kantataId(id)))
      .map((value) =>
        value === undefined ? undefined : this.parse(operation, Reference, value, 'an external reference'),
      )
      .find((ref) => ref?.service_name === KANTATA_SERVICE_NAME && String(ref.service_model_ref) === psflowProjectId);
    const client = z.object({ clientId: z.string() }).safeParse(safeJson(reference?.external_message ?? ''));
    return {
      psflowProjectId,
      psaProjectId: kantataId(workspace.id),
      name: workspace.title,
      clientId: client.success ? client.data.clientId : '',
    };
  }

  /** The first week without room, counting this booking `own` times (0 before writing it, 1 after). */
  private async overCapacity(
    operation: string,
    userId: string,
    weeks: readonly [string, number][],
    capacity: Readonly<Record<string, number>>,
    own: number,
  ): Promise<BookingOutcome | undefined> {
    const first = weeks[0][0];
    const last = weeks[weeks.length - 1][0];
    const booked = new Map<string, number>();
    for (const { allocation } of await this.weeksOfUser(
      operation,
      userId,
      mondayOf(first),
      addDays(mondayOf(last), 6),
    )) {
      const week = isoWeekOf(allocation.start_date);
      booked.set(week, (booked.get(week) ?? 0) + allocation.minutes / 60);
    }
    for (const [week, hours] of weeks) {
      const others = (booked.get(week) ?? 0) - own * hours;
      if (others + hours > (capacity[week] ?? 0))
        return { outcome: 'over-capacity', week, freeHours: Math.max(0, (capacity[week] ?? 0) - others) };
    }
    return undefined;
  }

  private async takeBack(operation: string, bookingId: string): Promise<void> {
    for (const { allocation } of await this.bookedWeeks(operation, { service_model_refs: bookingId }))
      await this.api.remove(operation, 'workspace_allocations', kantataId(allocation.id));
  }

  private async weeksOfUser(operation: string, userId: string, from: string, to: string): Promise<BookedWeek[]> {
    return this.bookedWeeks(operation, { user_id: userId, start_date_between: `${from}:${to}` }, true);
  }

  /** psflow's allocations matching a filter, each with its booking id and facts. */
  private async bookedWeeks(
    operation: string,
    filter: { service_model_refs?: string; hard?: boolean; user_id?: string; start_date_between?: string },
    includeForeign = false,
  ): Promise<BookedWeek[]> {
    const { service_model_refs: refs, ...rest } = filter;
    const { objects, included } = await this.api.listIncluding(
      operation,
      'workspace_allocations',
      {
        ...rest,
        ...(includeForeign ? {} : { external_reference_service_name: KANTATA_SERVICE_NAME }),
        ...(refs === undefined ? {} : { external_reference_service_model_refs: refs }),
        include: 'external_references',
      },
      'external_references',
    );
    return objects.map((value) => {
      const allocation = this.parse(operation, Allocation, value, 'a workspace allocation');
      const reference = (allocation.external_reference_ids ?? [])
        .map((id) => included.get(kantataId(id)))
        .map((ref) => (ref === undefined ? undefined : this.parse(operation, Reference, ref, 'an external reference')))
        .find((ref) => ref?.service_name === KANTATA_SERVICE_NAME && ref.service_model === 'Booking');
      const facts = BookingFacts.safeParse(safeJson(reference?.external_message ?? ''));
      // Allocations made in Kantata itself still take capacity; they belong to no psflow booking.
      return {
        allocation,
        bookingId:
          reference === undefined ? `kantata-${kantataId(allocation.id)}` : String(reference.service_model_ref),
        facts: facts.success
          ? facts.data
          : { personId: '', projectId: `kantata-${kantataId(allocation.workspace_id)}` },
      };
    });
  }

  private async user(operation: string, personId: string): Promise<string | undefined> {
    if (!this.users.has(personId)) await this.findUsers(operation, [personId]);
    return this.users.get(personId);
  }

  /**
   * The Kantata users of people not looked up yet, up to 200 per request (the documented limit
   * of `external_reference_service_model_refs`), remembered for this instance's life.
   */
  private async findUsers(operation: string, personIds: readonly string[]): Promise<void> {
    const unknown = personIds.filter((personId) => !this.users.has(personId));
    for (let index = 0; index < unknown.length; index += KANTATA_PAGE_SIZE) {
      const chunk = unknown.slice(index, index + KANTATA_PAGE_SIZE);
      const { objects, included } = await this.api.listIncluding(
        operation,
        'users',
        {
          external_reference_service_name: KANTATA_SERVICE_NAME,
          external_reference_service_model_refs: chunk.join(','),
          include: 'external_references',
        },
        'external_references',
      );
      for (const personId of chunk) this.users.set(personId, undefined);
      for (const value of objects) {
        const user = this.parse(operation, User, value, 'a user');
        for (const id of user.external_reference_ids ?? []) {
          const found = included.get(kantataId(id));
          const reference =
            found === undefined ? undefined : this.parse(operation, Reference, found, 'an external reference');
          if (reference?.service_name === KANTATA_SERVICE_NAME && reference.service_model === 'Person')
            this.users.set(String(reference.service_model_ref), kantataId(user.id));
        }
      }
    }
  }

  private async workspace(operation: string, projectId: string): Promise<z.infer<typeof Workspace> | undefined> {
    const [first] = await this.api.list(operation, 'workspaces', {
      external_reference_service_name: KANTATA_SERVICE_NAME,
      external_reference_service_model_refs: projectId,
    });
    return first === undefined ? undefined : this.parse(operation, Workspace, first, 'a workspace');
  }

  private async resource(operation: string, workspaceId: string, userId: string): Promise<string> {
    const [existing] = await this.api.list(operation, 'workspace_resources', {
      workspace_id: workspaceId,
      user_id: userId,
    });
    const resource =
      existing ??
      (
        await this.api.create(operation, 'workspace_resources', 'workspace_resource', 'workspace_resources', [
          { workspace_id: workspaceId, user_id: userId },
        ])
      )[0];
    return kantataId(this.parse(operation, Resource, resource, 'a workspace resource').id);
  }

  private refused(operation: string, message: string): PermanentVendorError {
    return new PermanentVendorError(this.api.connector, operation, { system: 'kantata', kind: 'rejected' }, message);
  }

  private parse<Schema extends z.ZodType>(
    operation: string,
    schema: Schema,
    value: unknown,
    what: string,
  ): z.output<Schema> {
    return parseVendorShape(this.api.site(operation), schema, value, what, JSON.stringify(value));
  }
}

/** Bookings from their weeks, in the order first seen. */
function toBookings(weeks: readonly BookedWeek[]): Booking[] {
  const bookings = new Map<string, Booking>();
  for (const { allocation, bookingId, facts } of weeks) {
    const week = isoWeekOf(allocation.start_date);
    const booking = bookings.get(bookingId);
    bookings.set(bookingId, {
      bookingId,
      personId: facts.personId,
      projectId: facts.projectId,
      ...(facts.clientId === undefined ? {} : { clientId: facts.clientId }),
      // One soft week makes the booking a hold: confirming turns every week hard.
      kind: booking?.kind === 'hold' || !allocation.hard ? 'hold' : 'hard',
      status: 'active',
      weeks: { ...booking?.weeks, [week]: (booking?.weeks[week] ?? 0) + allocation.minutes / 60 },
      ...(facts.expiresAt === undefined ? {} : { expiresAt: facts.expiresAt }),
    });
  }
  return [...bookings.values()];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
