/**
 * KPI facts: what one workflow event adds to the day aggregates. A fact names its
 * dimensions (workflow, and region and practice when the event knows them), the UTC day it
 * counts on, counters to add and durations to observe. Metric names carry the workflow (and
 * role, step or system) themselves, so an item that rolls several workflows up still tells
 * them apart.
 */

/** Stands for "every value" of a dimension in the key of a rolled-up item. */
export const ANY = '*';

/** What one event adds to the aggregates. */
export interface KpiFact {
  readonly workflow: string;
  /** Absent when the event does not say; the fact then counts only in items that roll every region up. */
  readonly region?: string;
  readonly practice?: string;
  /** ISO timestamp of the moment the fact happened; its UTC day is the item it counts in. */
  readonly at: string;
  readonly counters?: Readonly<Record<string, number>>;
  /** Metric name → one observed duration in seconds. */
  readonly durations?: Readonly<Record<string, number>>;
}

/** `|` separates the parts of a metric name; a part never contains one. */
function part(value: string): string {
  return value.replaceAll('|', '/');
}

/** Hundredths in a margin point: the unit `chg.margin` is summed in ({@link Metric.changeMarginImpact}). */
export const MARGIN_POINT_HUNDREDTHS = 100;

/** Builds metric names. Each function's parts become the breakdown the report shows. */
export const Metric = {
  /** Executions started (counted when their start is known: at completion or abort). */
  started: (workflow: string) => `started|${part(workflow)}`,
  completed: (workflow: string) => `completed|${part(workflow)}`,
  aborted: (workflow: string) => `aborted|${part(workflow)}`,
  /** Duration: start to done. */
  cycleTime: (workflow: string) => `cycle|${part(workflow)}`,
  /** Duration: one end-to-end stage of an execution (stages follow each other and add up to the cycle). */
  stage: (workflow: string, stage: string) => `stage|${part(workflow)}|${part(stage)}`,
  /** Duration: one human wait inside an execution (an approval level, an exception's handling); waits overlap stages. */
  wait: (workflow: string, wait: string) => `wait|${part(workflow)}|${part(wait)}`,
  approvalsDecided: (workflow: string, role: string) => `appr.decided|${part(workflow)}|${part(role)}`,
  approvalsWithinSla: (workflow: string, role: string) => `appr.within|${part(workflow)}|${part(role)}`,
  /**
   * Duration: task opened to decided, per role. The report reads it per role across workflows,
   * and the workflow is already in the item's key, so one histogram per role keeps items small.
   */
  approvalTime: (role: string) => `appr.wait|${part(role)}`,
  approvalBreaches: (workflow: string, role: string) => `appr.breach|${part(workflow)}|${part(role)}`,
  approvalEscalations: (workflow: string, role: string) => `appr.escal|${part(workflow)}|${part(role)}`,
  exceptionsFiled: (workflow: string, step: string, system: string) =>
    `exc.filed|${part(workflow)}|${part(step)}|${part(system)}`,
  exceptionsResolved: (workflow: string, step: string, system: string) =>
    `exc.resolved|${part(workflow)}|${part(step)}|${part(system)}`,
  /** Duration: filed to the owner's action; kept as a mean only ({@link isMeanOnly}). */
  exceptionTimeToResolve: (workflow: string, step: string, system: string) =>
    `exc.mttr|${part(workflow)}|${part(step)}|${part(system)}`,
  exceptionBreaches: (workflow: string, step: string) => `exc.breach|${part(workflow)}|${part(step)}`,
  exceptionEscalations: (workflow: string, step: string) => `exc.escal|${part(workflow)}|${part(step)}`,
  staffingRequested: () => 'staff.requested',
  staffingFilled: () => 'staff.filled',
  staffingUnfilled: () => 'staff.unfilled',
  /** Duration: requested to filled. */
  timeToStaff: () => 'staff.time',
  billingChecked: () => 'bill.checked',
  billingFirstPassReady: () => 'bill.firstpass',
  /** Duration: period close to invoice draft. */
  billingCycleTime: () => 'bill.cycle',
  billingDrafted: () => 'bill.drafted',
  /** Projects blocked at their first check of a cycle, per blocking prerequisite and its owner. */
  billingBlocked: (prerequisite: string, owner: string) => `bill.blocked|${part(prerequisite)}|${part(owner)}`,
  /** Projects carried to the next period at a cycle's cut-off. */
  billingCarried: () => 'bill.carried',
  /** Carried projects per blocking prerequisite (a project with two reasons counts under both). */
  billingCarriedFor: (prerequisite: string) => `bill.carriedfor|${part(prerequisite)}`,
  purchaseOrdersIssued: () => 'po.issued',
  /** Duration: purchase request to issued purchase order. */
  purchaseOrderCycleTime: () => 'po.cycle',
  vendorsOnboarded: () => 'po.vendors',
  changesApproved: () => 'chg.approved',
  changesRejected: () => 'chg.rejected',
  /** Duration: change requested to its last approval. */
  changeApprovalCycleTime: () => 'chg.cycle',
  changesApplied: () => 'chg.applied',
  /**
   * Sum of the margin impact of applied changes, in hundredths of a margin point (negative is a
   * drop). Integer, like the money counters, so the sums merged over items and days stay exact.
   */
  changeMarginImpact: () => 'chg.margin',
  /** Applied changes whose margin impact was negative. */
  changeMarginDrops: () => 'chg.mdrop',
  /** Region and practice are in the name too, so the all-regions item still breaks utilisation down. */
  billableHours: (region: string, practice: string) => `util.billable|${part(region)}|${part(practice)}`,
  availableHours: (region: string, practice: string) => `util.available|${part(region)}|${part(practice)}`,
  revenue: (currency: string) => `margin.revenue|${part(currency)}`,
  plannedMargin: (currency: string) => `margin.planned|${part(currency)}`,
  actualMargin: (currency: string) => `margin.actual|${part(currency)}`,
} as const;

/**
 * Duration kinds the report reads only as a mean: their items keep a count and a sum, no
 * histogram buckets. Exception time to resolve is broken down per workflow × step × system,
 * so buckets for each cell would make the rolled-up items several times larger.
 */
const MEAN_ONLY_KINDS: ReadonlySet<string> = new Set(['exc.mttr']);

/** Whether a duration metric is kept as a count and a sum only. */
export function isMeanOnly(metric: string): boolean {
  return MEAN_ONLY_KINDS.has(metricParts(metric)[0]);
}

/** Metric kinds the daily trend reads (`dailyTrend`), kept per day under their kind alone. */
const TREND_KINDS: ReadonlySet<string> = new Set([
  'started',
  'completed',
  'cycle',
  'exc.filed',
  'appr.breach',
  'exc.breach',
]);

/**
 * What a fact adds to the daily trend: its trend metrics summed over their breakdown (every
 * workflow, role, step), so a trend item holds a handful of attributes, not every breakdown.
 * Undefined when the fact has none.
 */
export function trendFact(fact: KpiFact): KpiFact | undefined {
  const counters: Record<string, number> = {};
  const durations: Record<string, number> = {};
  for (const [metric, delta] of Object.entries(fact.counters ?? {})) {
    const kind = metricParts(metric)[0];
    if (TREND_KINDS.has(kind)) counters[kind] = (counters[kind] ?? 0) + delta;
  }
  for (const [metric, seconds] of Object.entries(fact.durations ?? {})) {
    const kind = metricParts(metric)[0];
    // One duration per kind and fact: the facts the registry builds time one cycle each.
    if (TREND_KINDS.has(kind)) durations[kind] = seconds;
  }
  if (Object.keys(counters).length === 0 && Object.keys(durations).length === 0) return undefined;
  return { ...fact, counters, durations };
}

/** The parts of a metric name: its kind first, then its breakdown. */
export function metricParts(name: string): string[] {
  return name.split('|');
}

/** Seconds from one ISO timestamp to another, never negative (clocks of two systems may disagree slightly). */
export function secondsBetween(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}
