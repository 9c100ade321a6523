import * as z from 'zod';
import { IsoDate, Region } from '../model/primitives';
import { PsaRecordId } from '../connectors/psa/psa-billing-records';

/** How a project is billed; the billing rules policy has one rule per model. */
export const BillingModelName = z.enum(['time-and-materials', 'fixed-fee', 'retainer']);
/** Typed {@link BillingModelName}. */
export type BillingModelName = z.infer<typeof BillingModelName>;

/**
 * What billing needs to know about a project: who owns what, how it is billed and its caps.
 * Kept by psflow beside the ERP project (activation's `SetUpBilling` is where it comes from).
 */
export const BillingProject = z.object({
  projectId: PsaRecordId,
  name: z.string().min(1).max(256),
  clientId: z.string().min(1).max(128),
  region: Region,
  /** ISO 3166 alpha-2 country of the client's billing entity: the tax table's key. */
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code such as DE'),
  /** The client is a business registered for VAT or GST (reverse charge may apply across borders). */
  clientIsBusiness: z.boolean().default(true),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as EUR'),
  billingModel: BillingModelName,
  status: z.enum(['active', 'closed']).default('active'),
  /** Hourly rate per role, in major units of `currency`. */
  rateCard: z.array(z.object({ role: z.string().min(1), rate: z.number().positive() })).default([]),
  /** The retainer fee per billing period, in major units, for retainer projects. */
  retainerFee: z.number().positive().optional(),
  /** What may still be billed in total (remaining budget), in major units. */
  budgetRemaining: z.number().nonnegative().optional(),
  /** The client's purchase order cap for this period's invoice, in major units. */
  poCap: z.number().nonnegative().optional(),
  projectManager: z.string().min(1).max(128),
  deliveryLead: z.string().min(1).max(128),
});
/** Typed {@link BillingProject} as stored, with defaults applied. */
export type BillingProject = z.infer<typeof BillingProject>;

/** The active billing projects of a region, read through an index. */
export interface BillingProjects {
  /** One page of the region's active projects, in project id order; `cursor` continues the last page. */
  activeProjects(
    region: Region,
    limit: number,
    cursor?: string,
  ): Promise<{ projects: BillingProject[]; cursor?: string }>;
  /** One project by id, active or not; `undefined` when psflow does not know it. */
  project(projectId: string): Promise<BillingProject | undefined>;
}

/** Someone booked on a project for a stretch of time. */
export const ProjectAssignment = z.object({
  personId: PsaRecordId,
  projectId: PsaRecordId,
  roleLineId: z.string().min(1).max(128),
  role: z.string().min(1).max(128),
  from: IsoDate,
  to: IsoDate,
  /** Hours a full working day on the project means for this person (part-time assignments book fewer). */
  hoursPerDay: z.number().positive().max(24).default(8),
  /** Days the person is on leave within the assignment; the working calendar's source in the sandbox. */
  leaveDates: z.array(IsoDate).default([]),
});
/** Typed {@link ProjectAssignment}. */
export type ProjectAssignment = z.infer<typeof ProjectAssignment>;

/**
 * Everyone booked on a project. The minimal read port billing needs; the staffing workflow's
 * PSA bookings are the real source, and an adapter over them replaces the sandbox one.
 */
export interface AssignmentsForProject {
  assignmentsFor(projectId: string): Promise<readonly ProjectAssignment[]>;
}

/**
 * A person's days away (leave, sick days) in a month. Public holidays come from the region's
 * billing calendar; this is the person's own. The HRIS is the real source.
 */
export interface WorkingCalendar {
  leaveDays(personId: string, month: string): Promise<readonly string[]>;
}
