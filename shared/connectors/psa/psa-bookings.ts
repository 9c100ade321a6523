import * as z from 'zod';

/** An ISO week, `2027-W02`. */
export const IsoWeek = z.string().regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'must be an ISO week such as 2027-W02');

/** A soft hold reserves capacity until it expires; a hard assignment is the booking itself. */
export const BookingKind = z.enum(['hold', 'hard']);
/** Typed {@link BookingKind}. */
export type BookingKind = z.infer<typeof BookingKind>;

/** What is asked of the PSA: hours per week of one person on one project. */
export const BookingRequest = z.object({
  /** Idempotency key: a repeat with the same id books nothing more. */
  bookingId: z.string().min(1).max(200),
  personId: z.string().min(1).max(100),
  projectId: z.string().min(1).max(255),
  clientId: z.string().min(1).max(255).optional(),
  kind: BookingKind,
  /** Hours per ISO week; every week is checked against the person's capacity in that week. */
  weeks: z.record(z.string(), z.number().positive().max(80)),
  /** When a hold lapses and its capacity is released. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
/** Typed {@link BookingRequest}. */
export type BookingRequest = z.infer<typeof BookingRequest>;

/** A booking as the PSA holds it. */
export interface Booking {
  readonly bookingId: string;
  readonly personId: string;
  readonly projectId: string;
  readonly clientId?: string;
  readonly kind: BookingKind;
  /** `pending` while its weeks are being written. */
  readonly status: 'pending' | 'active' | 'released' | 'refused';
  readonly weeks: Readonly<Record<string, number>>;
  readonly expiresAt?: string;
  /** Why a booking was refused: the first week without the capacity. */
  readonly reason?: string;
}

/** What a booking attempt came to. */
export type BookingOutcome =
  | { readonly outcome: 'booked'; readonly booking: Booking }
  | { readonly outcome: 'over-capacity'; readonly week: string; readonly freeHours: number };

/** One booking as seen in one person's week. */
export interface WeekBooking {
  readonly bookingId: string;
  readonly projectId: string;
  readonly clientId?: string;
  readonly kind: BookingKind;
  readonly hours: number;
}

/** How many hours a person is booked for in one ISO week. */
export interface WeekHours {
  readonly week: string;
  readonly bookedHours: number;
}

/** What a person is booked for in one ISO week, and the bookings behind it. */
export interface PersonWeekLoad extends WeekHours {
  readonly bookings: readonly WeekBooking[];
}

/** The hours of each person's loads, for a PSA whose only read of hours is the loads themselves. */
export function hoursOfLoads(loads: ReadonlyMap<string, readonly PersonWeekLoad[]>): Map<string, WeekHours[]> {
  return new Map(
    [...loads].map(([personId, weeks]) => [personId, weeks.map(({ week, bookedHours }) => ({ week, bookedHours }))]),
  );
}

/** A week in which a person is booked for a client: on which project, by which booking. */
export interface ClientWeek {
  readonly week: string;
  readonly projectId: string;
  readonly bookingId: string;
}

/** The weeks in which each person is booked for `clientId`, from their loads. People with none are absent. */
export function clientWeeksOfLoads(
  loads: ReadonlyMap<string, readonly PersonWeekLoad[]>,
  clientId: string,
): Map<string, ClientWeek[]> {
  const clientWeeks = new Map<string, ClientWeek[]>();
  for (const [personId, weeks] of loads) {
    const worked = weeks.flatMap(({ week, bookings }) =>
      bookings
        .filter((booking) => booking.clientId === clientId)
        .map(({ projectId, bookingId }) => ({ week, projectId, bookingId })),
    );
    if (worked.length > 0) clientWeeks.set(personId, worked);
  }
  return clientWeeks;
}

/** A project as the PSA knows it, for staffing: its client, so continuity can be scored. */
export interface PsaProjectSummary {
  readonly psflowProjectId: string;
  readonly psaProjectId: string;
  readonly name: string;
  readonly clientId: string;
}

/** Utilisation targets by grade, as fractions of contracted hours (`consultant: 0.8`). */
export type UtilisationTargets = Readonly<Record<string, number>>;

/**
 * The PSA's bookings port, a second interface beside `PsaConnector`: soft holds with an
 * expiry and hard assignments, in hours per week per project, which never take a person past
 * their capacity in any week.
 */
export interface PsaBookings {
  /**
   * Books (a hold or a hard assignment) once per booking id. Every week is checked against
   * `capacity(week)` with a conditional write, so concurrent requests never overbook. A repeat
   * of a booking that exists answers with it; a hold turned hard keeps its weeks.
   */
  book(request: BookingRequest, capacity: Readonly<Record<string, number>>): Promise<BookingOutcome>;
  /** Turns an active hold into a hard assignment. */
  confirm(bookingId: string): Promise<Booking>;
  /** Releases a booking's capacity; a repeat changes nothing. */
  release(bookingId: string, reason: string): Promise<Booking | undefined>;
  getBooking(bookingId: string): Promise<Booking | undefined>;
  /** Each person's load in the weeks from `fromWeek` to `toWeek`, inclusive; weeks with nothing are absent. */
  loads(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, PersonWeekLoad[]>>;
  /**
   * Each person's booked hours in the weeks from `fromWeek` to `toWeek`, inclusive, without the
   * bookings behind them: all that capacity needs, and a smaller read than {@link loads} where the
   * PSA can leave the bookings out. Weeks with nothing are absent.
   */
  bookedHours(personIds: readonly string[], fromWeek: string, toWeek: string): Promise<Map<string, WeekHours[]>>;
  /**
   * The weeks from `fromWeek` to `toWeek`, inclusive, in which each person is booked for
   * `clientId`, with the project and the booking: all that continuity needs, and a smaller read
   * than {@link loads} where the PSA can leave the other clients' bookings out. People with none
   * are absent.
   */
  clientWeeks(
    personIds: readonly string[],
    clientId: string,
    fromWeek: string,
    toWeek: string,
  ): Promise<Map<string, ClientWeek[]>>;
  /** Active holds whose expiry is before `now`, oldest first, from an index. */
  expiredHolds(now: Date, limit: number): Promise<Booking[]>;
  utilisationTargets(): Promise<UtilisationTargets>;
  /** The PSA project of a psflow project, if the PSA has one. */
  findProject(psflowProjectId: string): Promise<PsaProjectSummary | undefined>;
}
