import * as z from 'zod';
import { IsoDateTime } from '../model/primitives';
import { ChangeRequestedDetail } from './change-request';
import { ChangeImpactData } from './change-state';

/** Where a change stands. `held`: refused by the analysis, waiting on its exception's owner. */
export const ChangeStatus = z.enum(['awaiting-approval', 'held', 'approved', 'applied', 'rejected', 'compensated']);
/** Typed {@link ChangeStatus}. */
export type ChangeStatus = z.infer<typeof ChangeStatus>;

/**
 * The change's history as the API and CLI show it: the request, its impact and approver summary,
 * the approvals, and what each applying step changed where. Each step sets its own fields, so a
 * retried step overwrites only what it wrote before.
 */
export const ChangeRecord = z.object({
  changeId: z.string().min(1),
  projectId: z.string().min(1),
  status: ChangeStatus,
  change: ChangeRequestedDetail,
  requestedAt: IsoDateTime,
  updatedAt: IsoDateTime,
  executionArn: z.string().optional(),
  heldReasons: z.array(z.string()).optional(),
  baselineVersion: z.number().int().optional(),
  newBaselineVersion: z.number().int().optional(),
  impact: ChangeImpactData.optional(),
  summary: z.array(z.string()).optional(),
  approvals: z.array(z.object({ decidedBy: z.string(), decidedAt: z.string() })).optional(),
  approvedAt: IsoDateTime.optional(),
  approvalCycleTimeSeconds: z.number().optional(),
  appliedBudget: z.array(z.string()).optional(),
  appliedPlan: z.array(z.string()).optional(),
  appliedBilling: z.array(z.string()).optional(),
  appliedBookings: z.array(z.string()).optional(),
  appliedResources: z.array(z.string()).optional(),
  appliedAt: IsoDateTime.optional(),
  rejectedReason: z.string().optional(),
  compensation: z.array(z.string()).optional(),
});
/** Typed {@link ChangeRecord}. */
export type ChangeRecord = z.infer<typeof ChangeRecord>;

/** The fields a step sets on a change record; `changeId` names it. */
export type ChangeRecordUpdate = Pick<ChangeRecord, 'changeId'> & Partial<Omit<ChangeRecord, 'changeId'>>;

/** The store of change records (`change-requests` table). */
export interface ChangeLog {
  /** Sets the given fields, creating the record if it does not exist. */
  save(update: ChangeRecordUpdate): Promise<void>;
  get(changeId: string): Promise<ChangeRecord | undefined>;
  /** A project's changes, oldest first (an index query). */
  listByProject(projectId: string): Promise<ChangeRecord[]>;
}

/** What was applied where, by system, for `changes show`. */
export function appliedWhere(record: ChangeRecord): { system: string; changes: string[] }[] {
  return [
    { system: 'erp budget', changes: record.appliedBudget ?? [] },
    { system: 'psa project', changes: record.appliedPlan ?? [] },
    { system: 'billing', changes: record.appliedBilling ?? [] },
    { system: 'bookings', changes: record.appliedBookings ?? [] },
    { system: 'staffing', changes: record.appliedResources ?? [] },
  ].filter((entry) => entry.changes.length > 0);
}
