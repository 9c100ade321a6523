import * as z from 'zod';
import { ExternalId, IsoDate, IsoDateTime, Money, Practice, Region } from './primitives';

/**
 * The canonical model: the one shape every workflow sees, whatever CRM, ERP, PSA or HR
 * system a record came from. Region and practice are first-class because policies key on them.
 */

/** A client (account) of the firm. */
export const Client = z.object({
  clientId: ExternalId,
  name: z.string().min(1).max(255),
  region: Region,
  isNew: z.boolean().default(false),
});
/** Typed {@link Client}. */
export type Client = z.infer<typeof Client>;

/** Commercial model of a deal or contract. */
export const BillingModel = z.enum(['time-and-materials', 'fixed-fee']);

/** A won deal, as the CRM reports it once normalised. */
export const Opportunity = z.object({
  opportunityId: ExternalId,
  client: Client,
  name: z.string().min(1).max(255),
  stage: z.string().min(1),
  amount: Money,
  billingModel: BillingModel,
  region: Region,
  practice: Practice,
  discountPercent: z.number().min(0).max(100).default(0),
  closeDate: IsoDate,
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
  ownerEmail: z.email().optional(),
});
/** Typed {@link Opportunity}. */
export type Opportunity = z.infer<typeof Opportunity>;

/** One staffing line of a statement of work. */
export const RoleLine = z.object({
  lineId: z.string().min(1),
  role: z.string().min(1),
  skills: z.array(z.string().min(1)).default([]),
  hours: z.number().positive(),
  rate: Money,
  startDate: IsoDate,
  endDate: IsoDate,
});
/** Typed {@link RoleLine}. */
export type RoleLine = z.infer<typeof RoleLine>;

/** A contract or statement of work with its role lines. */
export const Contract = z.object({
  contractId: ExternalId,
  opportunityId: ExternalId,
  billingModel: BillingModel,
  value: Money,
  roleLines: z.array(RoleLine).min(1),
  signedAt: IsoDateTime.optional(),
});
/** Typed {@link Contract}. */
export type Contract = z.infer<typeof Contract>;

/** A delivery project. */
export const Project = z.object({
  projectId: ExternalId,
  clientId: ExternalId,
  opportunityId: ExternalId.optional(),
  name: z.string().min(1),
  region: Region,
  practice: Practice,
  budget: Money,
  startDate: IsoDate,
  endDate: IsoDate.optional(),
  status: z.enum(['planned', 'active', 'closed', 'cancelled']),
});
/** Typed {@link Project}. */
export type Project = z.infer<typeof Project>;

/** A billing or delivery milestone of a project. */
export const Milestone = z.object({
  milestoneId: ExternalId,
  projectId: ExternalId,
  name: z.string().min(1),
  dueDate: IsoDate,
  amount: Money.optional(),
  status: z.enum(['open', 'evidenced', 'accepted', 'invoiced']),
});
/** Typed {@link Milestone}. */
export type Milestone = z.infer<typeof Milestone>;

/** A consultant with skills, a region, a cost rate and the days they cannot work. */
export const Resource = z.object({
  resourceId: ExternalId,
  name: z.string().min(1),
  region: Region,
  practice: Practice,
  skills: z.array(z.object({ skill: z.string().min(1), level: z.number().int().min(1).max(5) })),
  costRate: Money,
  calendar: z.object({ hoursPerWeek: z.number().positive().max(80), unavailable: z.array(IsoDate).default([]) }),
});
/** Typed {@link Resource}. */
export type Resource = z.infer<typeof Resource>;

/** A resource booked on a project role. */
export const Assignment = z.object({
  assignmentId: ExternalId,
  projectId: ExternalId,
  resourceId: ExternalId,
  roleLineId: z.string().min(1),
  startDate: IsoDate,
  endDate: IsoDate,
  hoursPerWeek: z.number().positive(),
});
/** Typed {@link Assignment}. */
export type Assignment = z.infer<typeof Assignment>;

/** Time a resource recorded against a project. */
export const TimeEntry = z.object({
  timeEntryId: ExternalId,
  projectId: ExternalId,
  resourceId: ExternalId,
  date: IsoDate,
  hours: z.number().positive().max(24),
  billable: z.boolean(),
  status: z.enum(['draft', 'submitted', 'approved', 'rejected']),
});
/** Typed {@link TimeEntry}. */
export type TimeEntry = z.infer<typeof TimeEntry>;

/** An expense claimed against a project. */
export const Expense = z.object({
  expenseId: ExternalId,
  projectId: ExternalId,
  resourceId: ExternalId,
  date: IsoDate,
  amount: Money,
  category: z.string().min(1),
  status: z.enum(['submitted', 'approved', 'rejected']),
});
/** Typed {@link Expense}. */
export type Expense = z.infer<typeof Expense>;

/** An invoice (draft or issued) in the ERP. */
export const Invoice = z.object({
  invoiceId: ExternalId,
  projectId: ExternalId,
  clientId: ExternalId,
  total: Money,
  issueDate: IsoDate.optional(),
  status: z.enum(['draft', 'issued', 'void']),
});
/** Typed {@link Invoice}. */
export type Invoice = z.infer<typeof Invoice>;

/** A vendor or subcontractor. */
export const Vendor = z.object({
  vendorId: ExternalId,
  name: z.string().min(1),
  region: Region,
});
/** Typed {@link Vendor}. */
export type Vendor = z.infer<typeof Vendor>;

/** A purchase order raised with a vendor. */
export const PurchaseOrder = z.object({
  purchaseOrderId: ExternalId,
  vendorId: ExternalId,
  projectId: ExternalId.optional(),
  amount: Money,
  region: Region,
  status: z.enum(['requested', 'approved', 'issued', 'closed', 'cancelled']),
});
/** Typed {@link PurchaseOrder}. */
export type PurchaseOrder = z.infer<typeof PurchaseOrder>;
