import * as z from 'zod';
import { IsoDate, IsoDateTime, Practice, Region } from '../model/primitives';

/**
 * The contract of the KPI query: what `GET /kpis` accepts and answers. The operations API,
 * `psflow kpis` and the operations console all parse with these schemas, so a field renamed
 * here breaks their builds instead of a chart. Additive changes only: new fields are optional
 * or nullable, so an older console keeps reading a newer API.
 *
 * Units: durations are seconds, ratios are 0..1 (null when the denominator is zero, so "no
 * data" is never shown as 0 %), money is integer minor units with its currency.
 */

/** The HTTP route of the KPI query in the operations API. */
export const KPI_ROUTE = {
  method: 'GET',
  path: '/kpis',
  /** API Gateway route key, as `OPERATIONS_ROUTES` is keyed. */
  key: 'GET /kpis',
} as const;

/** Longest range one query may cover, in days: a year of day items per workflow, region and practice. */
export const KPI_MAX_RANGE_DAYS = 366;

/** Days covered when the query names no range: the last 30 days up to today (UTC). */
export const KPI_DEFAULT_RANGE_DAYS = 30;

/** A workflow name filter (`project-activation`, `staffing`, ...): a lower-case slug. */
export const KpiWorkflow = z.string().regex(/^[a-z][a-z0-9-]{1,63}$/, 'must be a lower-case workflow name');

/**
 * The query, as query-string parameters of `GET /kpis` (all optional). `from` and `to` are
 * inclusive UTC days; without them the last {@link KPI_DEFAULT_RANGE_DAYS} days are read.
 */
export const KpiQuery = z
  .object({
    workflow: KpiWorkflow.optional(),
    region: Region.optional(),
    practice: Practice.optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
  })
  .strict();
/** Typed {@link KpiQuery}. */
export type KpiQuery = z.infer<typeof KpiQuery>;

/** Percentiles and totals of a set of durations, merged from day histograms. */
export const DurationSummary = z.object({
  /** How many durations were observed. */
  count: z.number().int().nonnegative(),
  /** Null when count is 0. Percentiles are bucket estimates (see docs/kpis.md), within ~10 %. */
  p50Seconds: z.number().nonnegative().nullable(),
  p95Seconds: z.number().nonnegative().nullable(),
  meanSeconds: z.number().nonnegative().nullable(),
  maxSeconds: z.number().nonnegative().nullable(),
});
/** Typed {@link DurationSummary}. */
export type DurationSummary = z.infer<typeof DurationSummary>;

/** One stage of a workflow's cycle time. */
export const StageTime = z.object({
  /** Stable stage name, e.g. `Approval` or `Provisioning`. */
  stage: z.string(),
  duration: DurationSummary,
});
/** Typed {@link StageTime}. */
export type StageTime = z.infer<typeof StageTime>;

/** The stage where work stalls most, and why it was named. */
export const Bottleneck = z.object({
  stage: z.string(),
  p95Seconds: z.number().nonnegative(),
  /** Share of the summed stage p95s this stage takes, 0..1. */
  share: z.number().min(0).max(1),
  reason: z.string(),
});
/** Typed {@link Bottleneck}. */
export type Bottleneck = z.infer<typeof Bottleneck>;

/** Cycle time of one workflow: start to done, overall and per stage. */
export const WorkflowCycleTime = z.object({
  workflow: z.string(),
  completed: z.number().int().nonnegative(),
  cycleTime: DurationSummary,
  /** End-to-end stages, in the order they run when the workflow reports them (project activation does). */
  stages: z.array(StageTime),
  /** Human waits inside the stages: each approval level, each exception's handling. */
  waits: z.array(StageTime),
  /** From the stages; from the waits for a workflow that reports no stages. Null when neither has a duration. */
  bottleneck: Bottleneck.nullable(),
});
/** Typed {@link WorkflowCycleTime}. */
export type WorkflowCycleTime = z.infer<typeof WorkflowCycleTime>;

/** Approval SLA performance of one role. */
export const ApprovalSlaPerformance = z.object({
  role: z.string(),
  decided: z.number().int().nonnegative(),
  /** Decided at or before the due time. */
  withinSla: z.number().int().nonnegative(),
  /** SLA breach events for tasks of this role (a late task may breach more than once). */
  breaches: z.number().int().nonnegative(),
  escalations: z.number().int().nonnegative(),
  /** withinSla / decided. */
  slaPerformance: z.number().min(0).max(1).nullable(),
  decisionTime: DurationSummary,
});
/** Typed {@link ApprovalSlaPerformance}. */
export type ApprovalSlaPerformance = z.infer<typeof ApprovalSlaPerformance>;

/** Exceptions of one workflow step and owning system: a cell of the console's heat map. */
export const ExceptionCell = z.object({
  workflow: z.string(),
  step: z.string(),
  /** The system whose failure filed them (`erp`, `psa`, `crm`, ...; `psflow` for its own rules). */
  system: z.string(),
  filed: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
  escalations: z.number().int().nonnegative(),
  /** filed / executions started of the workflow in the range; null without started executions. */
  rate: z.number().nonnegative().nullable(),
  /** Mean time from filing to the owner's action. */
  meanTimeToResolveSeconds: z.number().nonnegative().nullable(),
});
/** Typed {@link ExceptionCell}. */
export type ExceptionCell = z.infer<typeof ExceptionCell>;

/** One UTC day of the range, for trend charts. */
export const KpiDay = z.object({
  day: IsoDate,
  started: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  cycleTimeP50Seconds: z.number().nonnegative().nullable(),
  cycleTimeP95Seconds: z.number().nonnegative().nullable(),
  exceptionsFiled: z.number().int().nonnegative(),
  slaBreaches: z.number().int().nonnegative(),
});
/** Typed {@link KpiDay}. */
export type KpiDay = z.infer<typeof KpiDay>;

/** Time to staff and fill rate; null in the report until staffing emits its events. */
export const StaffingKpis = z.object({
  requested: z.number().int().nonnegative(),
  filled: z.number().int().nonnegative(),
  unfilled: z.number().int().nonnegative(),
  /** filled / (filled + unfilled): requests that reached an outcome. */
  fillRate: z.number().min(0).max(1).nullable(),
  timeToStaff: DurationSummary,
});
/** Typed {@link StaffingKpis}. */
export type StaffingKpis = z.infer<typeof StaffingKpis>;

/** Billing cycle time and first-pass readiness; null until billing readiness emits its events. */
export const BillingKpis = z.object({
  /** Projects checked for the first time in a cycle. */
  checked: z.number().int().nonnegative(),
  /** Ready on the first check, without a fix. */
  firstPassReady: z.number().int().nonnegative(),
  firstPassReadiness: z.number().min(0).max(1).nullable(),
  /** Invoices drafted. */
  drafted: z.number().int().nonnegative(),
  /** Period end to invoice draft. */
  cycleTime: DurationSummary,
  /** Projects blocked at their first check, per blocking prerequisite and its owner, most first. */
  blocked: z.array(z.object({ prerequisite: z.string(), owner: z.string(), projects: z.number().int().nonnegative() })),
  /** Projects carried to the next period at cut-off. */
  carried: z.number().int().nonnegative(),
  /** Carried projects per blocking prerequisite, most first (a project with two reasons counts under both). */
  carriedFor: z.array(z.object({ prerequisite: z.string(), projects: z.number().int().nonnegative() })),
});
/** Typed {@link BillingKpis}. */
export type BillingKpis = z.infer<typeof BillingKpis>;

/** Purchase order cycle time and vendors onboarded; null until procurement emits its events. */
export const ProcurementKpis = z.object({
  purchaseOrdersIssued: z.number().int().nonnegative(),
  /** Purchase request to issued purchase order. */
  purchaseOrderCycleTime: DurationSummary,
  vendorsOnboarded: z.number().int().nonnegative(),
});
/** Typed {@link ProcurementKpis}. */
export type ProcurementKpis = z.infer<typeof ProcurementKpis>;

/** Change approval cycle time and the margin impact of applied changes; null until change control emits its events. */
export const ChangeControlKpis = z.object({
  approved: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** approved / (approved + rejected): the changes that reached a decision. */
  approvalRate: z.number().min(0).max(1).nullable(),
  /** Change requested to its last approval. */
  approvalCycleTime: DurationSummary,
  applied: z.number().int().nonnegative(),
  /** Mean of the applied changes' margin delta, in margin points (negative is a drop); null without applied changes. */
  meanMarginImpactPoints: z.number().nullable(),
  /** Applied changes that lowered the margin. */
  marginDrops: z.number().int().nonnegative(),
});
/** Typed {@link ChangeControlKpis}. */
export type ChangeControlKpis = z.infer<typeof ChangeControlKpis>;

/** Utilisation of one practice in one region. */
export const UtilisationCell = z.object({
  region: z.string(),
  practice: z.string(),
  billableHours: z.number().nonnegative(),
  availableHours: z.number().nonnegative(),
  /** billable / available. */
  utilisation: z.number().nonnegative().nullable(),
});
/** Typed {@link UtilisationCell}. */
export type UtilisationCell = z.infer<typeof UtilisationCell>;

/** Planned against actual margin, summed over the range, in one currency. */
export const MarginVariance = z.object({
  currency: z.string(),
  revenueMinor: z.number().int(),
  plannedMarginMinor: z.number().int(),
  actualMarginMinor: z.number().int(),
  /** actual − planned. */
  varianceMinor: z.number().int(),
  /** Actual margin as a share of revenue minus the planned share (percentage points / 100). */
  marginRateVariance: z.number().nullable(),
});
/** Typed {@link MarginVariance}. */
export type MarginVariance = z.infer<typeof MarginVariance>;

/** An engagement whose margin erosion is far from its peers', with the why and the baseline. */
export const MarginAnomaly = z.object({
  projectId: z.string(),
  region: z.string(),
  practice: z.string(),
  /** planned margin rate − actual margin rate. */
  erosion: z.number(),
  /** Which engagements the median and MAD were taken over, e.g. `EMEA/data-engineering, 14 active engagements`. */
  baseline: z.string(),
  baselineMedian: z.number(),
  baselineMad: z.number(),
  /** 0.6745 × (erosion − median) / MAD. */
  robustZ: z.number(),
  reason: z.string(),
});
/** Typed {@link MarginAnomaly}. */
export type MarginAnomaly = z.infer<typeof MarginAnomaly>;

/** The answer of `GET /kpis`. */
export const KpiReport = z.object({
  /** The query as resolved: defaults applied. */
  query: z.object({
    workflow: z.string().nullable(),
    region: z.string().nullable(),
    practice: z.string().nullable(),
    from: IsoDate,
    to: IsoDate,
  }),
  generatedAt: IsoDateTime,
  /** Items merged to answer (months, weeks and days, and the daily trend items): the cost of the query. */
  itemsRead: z.number().int().nonnegative(),
  /** Executions started per workflow in the range. */
  started: z.array(z.object({ workflow: z.string(), started: z.number().int().nonnegative() })),
  cycleTimes: z.array(WorkflowCycleTime),
  approvals: z.array(ApprovalSlaPerformance),
  exceptions: z.array(ExceptionCell),
  /** Mean time to resolve over every exception cell. */
  exceptionMeanTimeToResolveSeconds: z.number().nonnegative().nullable(),
  days: z.array(KpiDay),
  staffing: StaffingKpis.nullable(),
  billing: BillingKpis.nullable(),
  procurement: ProcurementKpis.nullable(),
  changeControl: ChangeControlKpis.nullable(),
  utilisation: z.array(UtilisationCell),
  margin: z.array(MarginVariance),
  marginAnomalies: z.array(MarginAnomaly),
});
/** Typed {@link KpiReport}. */
export type KpiReport = z.infer<typeof KpiReport>;
