import type { RoleLine } from '../model/entities';
import type { Money } from '../model/primitives';

/**
 * The data change control reads from systems other workflows own. Each port is minimal and has a
 * sandbox adapter (`sandbox-change-ports.ts`); the lead points them at staffing's and billing's
 * data when those land: {@link CostRates} at the HRIS cost rates, {@link BookingsOnProject} at
 * the PSA bookings, {@link ApprovedHours} at approved time entries, {@link BillingSchedule} at
 * the milestone schedule and invoice drafts.
 */

/** The project as its current baseline stands: what a change is compared with. */
export interface ProjectBaseline {
  readonly projectId: string;
  /** Increments with each applied change; version 1 is the activation's baseline. */
  readonly baselineVersion: number;
  readonly budget: Money;
  readonly startDate: string;
  readonly endDate: string;
  readonly roleLines: readonly RoleLine[];
  readonly scope?: string;
}

/** Reads the current baseline of a project (the ERP budget version, the PSA plan). */
export interface ProjectPlans {
  currentBaseline(projectId: string): Promise<ProjectBaseline | undefined>;
}

/** The HRIS's cost of an hour of a role in a region (staffing's data). */
export interface CostRates {
  costRateFor(role: string, region: string, currency: string): Promise<Money | undefined>;
}

/** A booking of a person on the project (staffing's PSA bookings). */
export interface ProjectBooking {
  readonly bookingId: string;
  readonly resourceId: string;
  readonly lineId: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly hours: number;
}

/** The bookings on a project. */
export interface BookingsOnProject {
  bookingsFor(projectId: string): Promise<readonly ProjectBooking[]>;
}

/** Hours already approved in time entries, per role line (billing's time entries). */
export interface ApprovedHours {
  approvedHoursByLine(projectId: string): Promise<Readonly<Record<string, number>>>;
}

/** A billing milestone. */
export interface Milestone {
  readonly name: string;
  readonly dueDate: string;
  readonly amount: Money;
  readonly status: 'planned' | 'invoiced';
}

/** An invoice drafted but not sent. */
export interface InvoiceDraft {
  readonly invoiceId: string;
  readonly amount: Money;
}

/** The billing schedule and the drafts (billing's data). */
export interface BillingSchedule {
  milestonesFor(projectId: string): Promise<readonly Milestone[]>;
  draftedInvoicesFor(projectId: string): Promise<readonly InvoiceDraft[]>;
}

/** What the PSA plan of a project becomes after a change. */
export interface PlanUpdate {
  readonly endDate: string;
  readonly roleLines: readonly RoleLine[];
  readonly scope?: string;
}

/**
 * Where an approved change is applied (ERP, PSA, billing, bookings). Every write is tagged with
 * the change id and keeps what it replaced, so a retried step changes nothing twice and
 * {@link ChangeApplication.revertChange} can restore the previous baseline after an abort.
 */
export interface ChangeApplication {
  /** Adds the ERP budget as a new baseline version; earlier versions stay as recorded. */
  reviseBudget(
    projectId: string,
    changeId: string,
    budget: Money,
  ): Promise<{ baselineId: string; baselineVersion: number; previousVersion: number }>;
  /** Sets the PSA project's end date, roles and scope. */
  updatePlan(projectId: string, changeId: string, plan: PlanUpdate): Promise<{ psaProjectId: string }>;
  /** Moves planned milestones past the new end to it, or sets the rate card's rates from the lines. */
  updateBillingSchedule(
    projectId: string,
    changeId: string,
    update: { readonly endDate: string; readonly rates: readonly { readonly role: string; readonly rate: Money }[] },
  ): Promise<{ billingId?: string; movedMilestones: string[]; ratesUpdated: string[] }>;
  /** Extends or shortens a booking to a new end date, or releases it. */
  adjustBooking(
    projectId: string,
    changeId: string,
    bookingId: string,
    adjustment: { readonly endDate: string } | { readonly release: true },
  ): Promise<void>;
  /** Compensation: voids the change's baseline version and restores what its steps replaced; lists what it did. */
  revertChange(projectId: string, changeId: string, reason: string): Promise<string[]>;
}
