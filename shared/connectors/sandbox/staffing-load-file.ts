import * as z from 'zod';
import { IsoDate } from '../../model/primitives';
import { HolidayCalendar, LeaveEntry, Person } from '../hris/hris-connector';
import { BookingKind } from '../psa/psa-bookings';
import { CrmLoadFile } from './crm-load-file';

/** A booking to stage in the sandbox PSA: the same hours in every ISO week from start to end. */
export const BookingLoadEntry = z
  .object({
    bookingId: z.string().min(1).max(200),
    personId: z.string().min(1).max(100),
    projectId: z.string().min(1).max(255),
    clientId: z.string().min(1).max(255).optional(),
    kind: BookingKind.default('hard'),
    startDate: IsoDate,
    endDate: IsoDate,
    hoursPerWeek: z.number().positive().max(80),
    /** Holds only: when the hold lapses. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((booking) => booking.startDate <= booking.endDate, {
    message: 'endDate is before startDate',
    path: ['endDate'],
  })
  .refine((booking) => booking.kind === 'hard' || booking.expiresAt !== undefined, {
    message: 'a hold needs expiresAt',
    path: ['expiresAt'],
  });
/** Typed {@link BookingLoadEntry}. */
export type BookingLoadEntry = z.infer<typeof BookingLoadEntry>;

/** The HRIS and PSA sections of a sandbox load file: people, their leave, public holidays and bookings. */
export const StaffingLoadSections = {
  people: z.array(Person).default([]),
  leave: z.array(LeaveEntry).default([]),
  holidays: z.array(HolidayCalendar).default([]),
  bookings: z.array(BookingLoadEntry).default([]),
};

/**
 * A file of sandbox records to stage a scenario: the CRM's accounts, opportunities and
 * statements of work, and the HRIS's people, leave and holidays and the PSA's bookings.
 */
export const SandboxLoadFile = CrmLoadFile.extend(StaffingLoadSections);
/** Typed {@link SandboxLoadFile}. */
export type SandboxLoadFile = z.infer<typeof SandboxLoadFile>;

/** Where the whole load format's JSON Schema is published, relative to the repository root. */
export const SANDBOX_LOAD_FILE_SCHEMA_PATH = 'docs/schemas/sandbox-load.schema.json';

/** The JSON Schema of {@link SandboxLoadFile} as an author writes it (lists that default to empty are optional). */
export function sandboxLoadFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SandboxLoadFile, { io: 'input', target: 'draft-2020-12' }),
    title: 'psflow sandbox load file',
    description:
      "CRM accounts, opportunities and statements of work; HRIS people, leave and public holidays; PSA bookings; for `psflow sandbox load FILE`. A record replaces the one with the same id; a booking over a person's capacity is refused and reported.",
  };
}
