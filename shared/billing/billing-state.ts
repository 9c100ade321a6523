import * as z from 'zod';
import { IsoDateTime, Region } from '../model/primitives';

/**
 * The state contracts of billing readiness: the cycle (one execution per region and period
 * that fans out) and the project check (one child execution per project). Each state's keys
 * build the definition's result paths, so a renamed key cannot leave a step reading a path
 * nobody writes; each step parses the view it needs.
 */

/** A run id: `run-1` for the scheduled run, anything else for a rerun on demand. */
const RunId = z
  .string()
  .regex(/^[a-z0-9-]{1,20}$/, 'lower-case letters, digits and - only, at most 20')
  .default('run-1');

/** What starts a cycle: the scheduler (on the period's last business day) or an operator. */
export const CycleInput = z.object({
  region: Region,
  period: z.string().min(1).max(20),
  runId: RunId,
  trigger: z.enum(['schedule', 'on-demand']).default('on-demand'),
  requestedBy: z.string().min(1).max(200).default('billing-schedule'),
  /** Closes the cycle at this time instead of the calendar's cut-off: for rehearsals and tests. */
  cutOffAt: IsoDateTime.optional(),
});
/** Typed {@link CycleInput}. */
export type CycleInput = z.infer<typeof CycleInput>;

/** A planned cycle: the period's dates and cut-off in the region's calendar. */
export const BillingCycle = z.object({
  region: Region,
  period: z.string().min(1),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  start: z.iso.date(),
  end: z.iso.date(),
  cutOffAt: IsoDateTime,
  runId: z.string().min(1),
  policyVersion: z.string().min(1),
  plannedAt: IsoDateTime,
});
/** Typed {@link BillingCycle}. */
export type BillingCycle = z.infer<typeof BillingCycle>;

/** Progress of the fan-out: one page of the region's projects per step. */
export const FanOut = z.object({
  done: z.boolean(),
  started: z.number().int().nonnegative(),
  alreadyStarted: z.number().int().nonnegative(),
  cursor: z.string().optional(),
  /** Past the active projects: paging the projects carried into this cycle (their old periods). */
  carriedOver: z.boolean().optional(),
  /** Checks of carried projects' old periods started. */
  carriedStarted: z.number().int().nonnegative().optional(),
});
/** Typed {@link FanOut}. */
export type FanOut = z.infer<typeof FanOut>;

/** What closing the cycle found. */
export const CycleClosed = z.object({
  projects: z.number().int().nonnegative(),
  drafted: z.number().int().nonnegative(),
  carried: z.number().int().nonnegative(),
  nothingToBill: z.number().int().nonnegative(),
  unknownProjects: z.number().int().nonnegative(),
  /** Projects carried into this cycle whose old period got drafted in it. */
  carriedOverDrafted: z.number().int().nonnegative().optional(),
  /** Projects carried into this cycle whose old period is still blocked, carried on again. */
  carriedOverBlocked: z.number().int().nonnegative().optional(),
  closedAt: IsoDateTime,
});

/** Keys of the cycle state. */
export const CycleKey = { cycle: 'cycle', fanOut: 'fanOut', close: 'close' } as const;
/** Result paths of the cycle state. */
export const CycleResultPath = {
  cycle: `$.${CycleKey.cycle}`,
  fanOut: `$.${CycleKey.fanOut}`,
  close: `$.${CycleKey.close}`,
} as const satisfies Record<keyof typeof CycleKey, string>;

/** The cycle state as it grows. */
export const CycleState = CycleInput.extend({
  [CycleKey.cycle]: BillingCycle.optional(),
  [CycleKey.fanOut]: FanOut.optional(),
  [CycleKey.close]: CycleClosed.optional(),
});
/** The cycle once planned: what the fan-out and the close read. */
export const PlannedCycle = CycleState.extend({ [CycleKey.cycle]: BillingCycle, [CycleKey.fanOut]: FanOut });
/** Typed {@link PlannedCycle}. */
export type PlannedCycle = z.infer<typeof PlannedCycle>;

/** One invoice line, as the ERP port takes it. */
export const InvoiceLineSchema = z.object({
  kind: z.enum(['time', 'expense', 'milestone', 'retainer']),
  description: z.string(),
  quantity: z.number(),
  unitPriceMinor: z.number().int(),
  amountMinor: z.number().int(),
  sourceRecordIds: z.array(z.string()),
});

/** The invoice the check computed, as the ERP port takes it. */
export const InvoiceDraftRequestSchema = z.object({
  projectId: z.string().min(1),
  clientId: z.string().min(1),
  region: z.string().min(1),
  country: z.string().min(1),
  period: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  lines: z.array(InvoiceLineSchema).min(1),
  subtotalMinor: z.number().int(),
  taxRate: z.number().min(0),
  taxMinor: z.number().int(),
  roundingMinor: z.number().int(),
  totalMinor: z.number().int(),
  reverseCharge: z.boolean(),
  taxRule: z.string(),
});

/** Why a project is checked. */
export const CheckTrigger = z.object({
  /** `carried`: a later cycle checks the old period of a project carried into it. */
  kind: z.enum(['cycle', 'fix', 'cli', 'carried']),
  reason: z.string().min(1).max(500),
});

/** The input of a project check. */
export const ProjectCheckInput = z.object({
  cycle: BillingCycle,
  projectId: z.string().min(1).max(128),
  trigger: CheckTrigger,
});
/** Typed {@link ProjectCheckInput}. */
export type ProjectCheckInput = z.infer<typeof ProjectCheckInput>;

/** The verdict a check recorded. */
export const ReadinessOutcome = z.object({
  status: z.enum(['ready', 'blocked', 'drafted', 'nothing-to-bill', 'closed']),
  checkNumber: z.number().int().nonnegative(),
  blocking: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  checkedAt: IsoDateTime,
  invoice: InvoiceDraftRequestSchema.optional(),
});
/** Typed {@link ReadinessOutcome}. */
export type ReadinessOutcome = z.infer<typeof ReadinessOutcome>;

/** The draft the ERP made. */
export const InvoiceDraftResult = z.object({
  invoiceId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  totalMinor: z.number().int(),
  currency: z.string(),
  draftedAt: IsoDateTime,
});
/** Typed {@link InvoiceDraftResult}. */
export type InvoiceDraftResult = z.infer<typeof InvoiceDraftResult>;

/** Keys of the project check state. */
export const ProjectCheckKey = {
  readiness: 'readiness',
  draft: 'draft',
  recorded: 'recorded',
  compensation: 'compensation',
} as const;
/** Result paths of the project check state. */
export const ProjectCheckResultPath = {
  readiness: `$.${ProjectCheckKey.readiness}`,
  draft: `$.${ProjectCheckKey.draft}`,
  recorded: `$.${ProjectCheckKey.recorded}`,
  compensation: `$.${ProjectCheckKey.compensation}`,
} as const satisfies Record<keyof typeof ProjectCheckKey, string>;

/** The project check state as it grows. */
export const ProjectCheckState = ProjectCheckInput.extend({
  [ProjectCheckKey.readiness]: ReadinessOutcome.optional(),
  [ProjectCheckKey.draft]: InvoiceDraftResult.optional(),
});
/** A ready project: what drafting reads. */
export const ReadyProject = ProjectCheckState.extend({
  [ProjectCheckKey.readiness]: ReadinessOutcome.extend({ invoice: InvoiceDraftRequestSchema }),
});
/** Typed {@link ReadyProject}. */
export type ReadyProject = z.infer<typeof ReadyProject>;
/** A drafted project: what recording the draft reads. */
export const DraftedProject = ReadyProject.extend({ [ProjectCheckKey.draft]: InvoiceDraftResult });
/** Typed {@link DraftedProject}. */
export type DraftedProject = z.infer<typeof DraftedProject>;
