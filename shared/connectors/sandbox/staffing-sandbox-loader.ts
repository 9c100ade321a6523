import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { capacityByWeek } from '../../staffing/capacity';
import { weeksOf } from '../../staffing/iso-week';
import { SEED_HOLIDAYS, SEED_LEAVE, SEED_PEOPLE, SEED_UTILISATION_TARGETS } from './hris-seed';
import { SandboxHrisConnector } from './sandbox-hris-connector';
import { SandboxPsaBookings } from './sandbox-psa-bookings';
import type { BookingLoadEntry, SandboxLoadFile } from './staffing-load-file';

/** Table names of the staffing sandbox systems (HRIS, PSA bookings) of one stage. */
export function staffingSandboxTableNames(stage: string): { hris: string; bookings: string } {
  return { hris: `psflow-${stage}-sandbox-hris`, bookings: `psflow-${stage}-sandbox-bookings` };
}

/** What a load of staffing records did; refused bookings say why, so nothing is dropped silently. */
export interface StaffingLoadResult {
  readonly people: number;
  readonly leave: number;
  readonly holidays: number;
  readonly bookings: number;
  readonly refused: readonly { readonly id: string; readonly reason: string }[];
}

/** The weeks of a loaded booking: the same hours in each ISO week from start to end. */
export function loadedBookingWeeks(booking: BookingLoadEntry): Record<string, number> {
  return Object.fromEntries(
    weeksOf(booking.startDate, booking.endDate).map((week) => [week.week, booking.hoursPerWeek]),
  );
}

/**
 * Writes the HRIS and PSA sections of a load file: people first, then holidays and leave, then
 * bookings, each checked against the person's capacity week by week (a booking that does not fit,
 * or names an unknown person, is refused and reported, never half-written).
 */
export async function loadStaffingRecords(
  hris: SandboxHrisConnector,
  bookings: SandboxPsaBookings,
  data: Pick<SandboxLoadFile, 'people' | 'leave' | 'holidays' | 'bookings'>,
): Promise<StaffingLoadResult> {
  const refused: { id: string; reason: string }[] = [];
  for (const person of data.people) await hris.putPerson(person);
  for (const calendar of data.holidays) await hris.putHolidays(calendar);
  let leave = 0;
  for (const entry of data.leave) {
    try {
      await hris.putLeave(entry);
      leave += 1;
    } catch (error) {
      refused.push({ id: entry.leaveId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const people = new Map(
    (await hris.getPeople(data.bookings.map((booking) => booking.personId))).map((p) => [p.personId, p]),
  );
  const holidays = await hris.getHolidays([...people.values()].map((person) => person.country));
  let booked = 0;
  for (const booking of data.bookings) {
    const person = people.get(booking.personId);
    if (!person) {
      refused.push({ id: booking.bookingId, reason: `no person ${booking.personId} in the HRIS` });
      continue;
    }
    const capacity = capacityByWeek(person, holidays.get(person.country) ?? [], booking.startDate, booking.endDate);
    const outcome = await bookings.book(
      {
        bookingId: booking.bookingId,
        personId: booking.personId,
        projectId: booking.projectId,
        ...(booking.clientId ? { clientId: booking.clientId } : {}),
        kind: booking.kind,
        weeks: loadedBookingWeeks(booking),
        ...(booking.expiresAt ? { expiresAt: booking.expiresAt } : {}),
      },
      capacity,
    );
    if (outcome.outcome === 'booked') booked += 1;
    else
      refused.push({
        id: booking.bookingId,
        reason: `over ${person.name}'s capacity in ${outcome.week} (${outcome.freeHours} h free)`,
      });
  }
  return { people: data.people.length, leave, holidays: data.holidays.length, bookings: booked, refused };
}

/** Demo bookings: some of the firm is already busy in early 2027, so utilisation differs. */
export const SEED_BOOKINGS: readonly BookingLoadEntry[] = [
  ['P-002', 'PRJ-INTERNAL-ERP', 24],
  ['P-008', 'PRJ-NORTHWIND-2026', 32],
  ['P-017', 'PRJ-LITWARE-2026', 30],
  ['P-018', 'PRJ-LITWARE-2026', 16],
  ['P-020', 'PRJ-CONTOSO-POC', 24],
  ['P-033', 'PRJ-FABRIKAM-2026', 20],
  ['P-046', 'PRJ-TAILSPIN-POC', 30],
].map(([personId, projectId, hoursPerWeek]) => ({
  bookingId: `seed-${personId}-${projectId}`,
  personId: String(personId),
  projectId: String(projectId),
  clientId: String(projectId).includes('NORTHWIND') ? '0018d00000XyZ12AAB' : undefined,
  kind: 'hard' as const,
  startDate: '2027-01-04',
  endDate: '2027-03-26',
  hoursPerWeek: Number(hoursPerWeek),
}));

/**
 * Seeds the staffing sandbox with the demo people, leave, holidays, utilisation targets and
 * bookings, where the people are missing: a person already there (staged by a test or a demo)
 * is kept as it is, so a restart changes nothing.
 */
export async function seedStaffingSandbox(
  documents: DynamoDBDocumentClient,
  stage: string,
): Promise<{ written: number; kept: number }> {
  const tables = staffingSandboxTableNames(stage);
  const hris = new SandboxHrisConnector(documents, tables.hris);
  const psa = new SandboxPsaBookings(documents, tables.bookings, undefined);
  const present = await hris.existing(SEED_PEOPLE.map((person) => person.personId));
  const missing = SEED_PEOPLE.filter((person) => !present.has(person.personId));
  if (missing.length === 0) return { written: 0, kept: SEED_PEOPLE.length };
  const ids = new Set(missing.map((person) => person.personId));
  if (Object.keys(await psa.utilisationTargets()).length === 0)
    await psa.putUtilisationTargets(SEED_UTILISATION_TARGETS);
  for (const calendar of SEED_HOLIDAYS) await hris.putHolidays(calendar);
  await hris.putNewPeople(
    missing,
    SEED_LEAVE.filter((entry) => ids.has(entry.personId)),
  );
  // A demo booking that no longer fits (someone staged leave or bookings first) is left out, not fatal.
  await loadStaffingRecords(hris, psa, {
    people: [],
    leave: [],
    holidays: [],
    bookings: SEED_BOOKINGS.filter((booking) => ids.has(booking.personId)),
  });
  return { written: missing.length, kept: SEED_PEOPLE.length - missing.length };
}
