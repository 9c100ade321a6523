import * as z from 'zod';
import { IsoDate, IsoDateTime } from '../../model/primitives';

/**
 * The PSA's billing records: time entries, expenses and milestones. A second port beside
 * `PsaConnector` (`psa-connector.ts`) so real PSA connectors of that port keep compiling;
 * a PSA integration implements both.
 *
 * The schemas accept what a PSA can really hold, including records that are wrong for billing
 * (negative hours, a currency nobody knows, a project psflow has never heard of): refusing
 * them at the door would silently drop them, so they are read and flagged by the readiness
 * check, which names each one.
 */

/** Where a time entry or expense is in its approval life cycle. */
export const RecordStatus = z.enum(['draft', 'submitted', 'approved', 'rejected']);
/** Typed {@link RecordStatus}. */
export type RecordStatus = z.infer<typeof RecordStatus>;

/** A record id as the PSA issues it: printable, at most 128 characters (it becomes part of a key). */
export const PsaRecordId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** One person's hours on one project, role line and day. */
export const TimeEntry = z.object({
  entryId: PsaRecordId,
  personId: PsaRecordId,
  projectId: PsaRecordId,
  roleLineId: z.string().min(1).max(128),
  /** The role the hours were worked in: the rate card's key. */
  role: z.string().min(1).max(128),
  date: IsoDate,
  /** Not bounded here: negative hours or more than 24 in a day are readiness findings, not load errors. */
  hours: z.number().finite(),
  billable: z.boolean(),
  status: RecordStatus,
  /** The hourly rate the PSA applied, in major units of `currency`. */
  rate: z.number().finite(),
  currency: z.string().min(1).max(8),
});
/** Typed {@link TimeEntry}. */
export type TimeEntry = z.infer<typeof TimeEntry>;

/** An expense a person incurred for a project. */
export const Expense = z.object({
  expenseId: PsaRecordId,
  personId: PsaRecordId,
  projectId: PsaRecordId,
  date: IsoDate,
  /** In major units of `currency`. */
  amount: z.number().finite(),
  /** As the PSA holds it; a code the rounding table does not know is a finding. */
  currency: z.string().min(1).max(8),
  category: z.string().min(1).max(64),
  /** The receipt in the document system; absent when none was attached. */
  receiptDocumentId: z.string().min(1).max(256).optional(),
  status: RecordStatus,
  /** The most the expense policy allows for this expense, in `currency`. */
  policyLimit: z.number().finite().nonnegative(),
  billable: z.boolean().default(true),
});
/** Typed {@link Expense}. */
export type Expense = z.infer<typeof Expense>;

/** A fixed-fee milestone: billed in the period of its due date, once accepted with evidence. */
export const Milestone = z.object({
  milestoneId: PsaRecordId,
  projectId: PsaRecordId,
  name: z.string().min(1).max(256),
  /** In major units of `currency`. */
  amount: z.number().finite(),
  currency: z.string().min(1).max(8),
  dueDate: IsoDate,
  /** The acceptance evidence in the document system (signed acceptance, client e-mail). */
  evidenceDocumentId: z.string().min(1).max(256).optional(),
  acceptedBy: z.string().min(1).max(256).optional(),
  acceptedAt: IsoDateTime.optional(),
});
/** Typed {@link Milestone}. */
export type Milestone = z.infer<typeof Milestone>;

/** Everything the PSA holds for one project in one billing period. */
export interface ProjectPeriodRecords {
  readonly timeEntries: readonly TimeEntry[];
  readonly expenses: readonly Expense[];
  readonly milestones: readonly Milestone[];
}

/** The month a date falls in, `YYYY-MM`: the key the billing records are read by. */
export function monthOf(date: string): string {
  return date.slice(0, 7);
}

/**
 * The PSA's billing records, read by project and month (never by scanning): one read per
 * project per cycle. A semi-monthly cycle reads the month and keeps its half.
 */
export interface PsaBillingRecords {
  /** Time entries, expenses and milestones of one project dated in one month (`YYYY-MM`). */
  recordsFor(projectId: string, month: string): Promise<ProjectPeriodRecords>;
  /** Project ids with any billing record dated in the month, so records of unknown projects are found. */
  projectsWithRecords(month: string): Promise<readonly string[]>;
}
