import type {
  ApprovalSlaPerformance,
  BillingKpis,
  Bottleneck,
  ChangeControlKpis,
  DurationSummary,
  ExceptionCell,
  KpiDay,
  KpiReport,
  MarginAnomaly,
  MarginVariance,
  ProcurementKpis,
  StaffingKpis,
  StageTime,
  UtilisationCell,
  WorkflowCycleTime,
} from './kpi-report';
import { mergeInto, summarise } from './latency-histogram';
import { MARGIN_POINT_HUNDREDTHS, metricParts } from './kpi-facts';
import type { DayAggregate, DurationAggregate } from './kpi-store';

/**
 * The KPI engine: pure functions from merged day items (and, for margin anomalies, from
 * engagement snapshots) to the numbers of {@link KpiReport}. No I/O, so each KPI is tested
 * on its own and computed the same way by the API, the CLI and the benchmark.
 */

/** Counters and durations of several day items added together. */
export interface MergedAggregate {
  readonly counters: Map<string, number>;
  readonly durations: Map<string, DurationAggregate>;
}

/**
 * Adds day items together: counters add, histograms add bucket by bucket, sums add; an item
 * with sign −1 (outside the range, subtracted from a longer item read whole) is taken away the same way.
 * After a subtraction, what nets to zero is dropped, as if never counted: the metric had no
 * observation in the range. A duration count or bucket below zero can only be a fact caught
 * between its day and its month item (they are written one after the other); it is dropped too
 * rather than reported. Counters may net below zero (margins), so only their zeros go.
 */
export function mergeDays(days: readonly DayAggregate[]): MergedAggregate {
  const merged: MergedAggregate = { counters: new Map(), durations: new Map() };
  let subtracted = false;
  for (const day of days) {
    const sign = day.sign ?? 1;
    if (sign < 0) subtracted = true;
    for (const [metric, value] of day.counters)
      merged.counters.set(metric, (merged.counters.get(metric) ?? 0) + sign * value);
    for (const [metric, duration] of day.durations) {
      const into = merged.durations.get(metric) ?? emptyDuration();
      addDuration(into, duration, sign);
      merged.durations.set(metric, into);
    }
  }
  if (subtracted) dropNetZeros(merged);
  return merged;
}

function dropNetZeros(merged: MergedAggregate): void {
  for (const [metric, value] of merged.counters) {
    // Sums of decimals less sums of decimals leave binary noise (0.1 + 0.2 − 0.3 is not 0), so
    // a net is taken to six decimal places, and one within a millionth of zero is zero.
    const net = Number(value.toFixed(6));
    if (net === 0) merged.counters.delete(metric);
    else merged.counters.set(metric, net);
  }
  for (const [metric, duration] of merged.durations) {
    for (const [bucket, count] of duration.histogram) if (count <= 0) duration.histogram.delete(bucket);
    if (duration.count <= 0) merged.durations.delete(metric);
    else duration.sumSeconds = Number(duration.sumSeconds.toFixed(3));
  }
}

/** Ratio, or null when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Entries of a map whose metric kind is `kind`, with the rest of the name split into parts. */
function byKind<V>(map: Map<string, V>, kind: string): Array<{ parts: string[]; value: V }> {
  const found: Array<{ parts: string[]; value: V }> = [];
  for (const [name, value] of map) {
    const [first, ...rest] = metricParts(name);
    if (first === kind) found.push({ parts: rest, value });
  }
  return found;
}

function emptyDuration(): DurationAggregate {
  return { histogram: new Map(), sumSeconds: 0, count: 0 };
}

function addDuration(into: DurationAggregate, other: DurationAggregate, sign: 1 | -1 = 1): void {
  mergeInto(into.histogram, other.histogram, sign);
  into.sumSeconds += sign * other.sumSeconds;
  into.count += sign * other.count;
}

function summary(duration: DurationAggregate | undefined): DurationSummary {
  return summarise(duration?.histogram ?? new Map(), duration?.sumSeconds ?? 0, duration?.count);
}

/**
 * The bottleneck: the stage with the highest p95, named with its share of the summed stage
 * p95s. `of` says what the stages are in the reason (end-to-end stages, or human waits).
 * Null when no stage has a duration.
 */
export function bottleneckOf(stages: readonly StageTime[], of = 'stage'): Bottleneck | null {
  const timed = stages.filter((stage) => stage.duration.p95Seconds !== null && stage.duration.count > 0);
  if (timed.length === 0) return null;
  const total = timed.reduce((sum, stage) => sum + (stage.duration.p95Seconds ?? 0), 0);
  const worst = timed.reduce((left, right) =>
    (right.duration.p95Seconds ?? 0) > (left.duration.p95Seconds ?? 0) ? right : left,
  );
  const p95 = worst.duration.p95Seconds ?? 0;
  const share = total > 0 ? p95 / total : 1;
  return {
    stage: worst.stage,
    p95Seconds: p95,
    share,
    reason: `${worst.stage} has the highest p95 (${formatSeconds(p95)} over ${worst.duration.count} observations), ${Math.round(share * 100)} % of the summed ${of} p95s`,
  };
}

/** Stage order of the workflows that report their stages; others are listed by name. */
const STAGE_ORDER: readonly string[] = [
  'Prepare',
  'Approval',
  'Provisioning',
  'Billing',
  'ResourceDemand',
  'Onboarding',
];

function stageRank(stage: string): number {
  const rank = STAGE_ORDER.indexOf(stage);
  return rank < 0 ? STAGE_ORDER.length : rank;
}

/**
 * Cycle time per workflow, overall, per end-to-end stage and per human wait, with the
 * bottleneck: among the stages when the workflow reports them (they add up to the cycle, so
 * the slowest one is where time goes), otherwise among the waits, the only timings known.
 */
export function cycleTimes(merged: MergedAggregate): WorkflowCycleTime[] {
  const workflows = new Set<string>();
  for (const kind of ['cycle', 'stage', 'wait'])
    for (const { parts } of byKind(merged.durations, kind)) workflows.add(parts[0]);
  const timesOf = (kind: string, workflow: string): StageTime[] =>
    byKind(merged.durations, kind)
      .filter(({ parts }) => parts[0] === workflow)
      .map(({ parts, value }) => ({ stage: parts[1], duration: summary(value) }))
      .sort((left, right) => stageRank(left.stage) - stageRank(right.stage) || left.stage.localeCompare(right.stage));
  return [...workflows].sort().map((workflow) => {
    const stages = timesOf('stage', workflow);
    const waits = timesOf('wait', workflow);
    return {
      workflow,
      completed: merged.counters.get(`completed|${workflow}`) ?? 0,
      cycleTime: summary(merged.durations.get(`cycle|${workflow}`)),
      stages,
      waits,
      bottleneck: stages.length > 0 ? bottleneckOf(stages) : bottleneckOf(waits, 'human wait'),
    };
  });
}

/** Approval SLA performance per role, over every workflow: decided within the SLA / decided. */
export function approvalPerformance(merged: MergedAggregate): ApprovalSlaPerformance[] {
  const roles = new Map<
    string,
    { decided: number; within: number; breaches: number; escalations: number; time: DurationAggregate }
  >();
  const role = (name: string) => {
    const existing = roles.get(name);
    if (existing) return existing;
    const created = { decided: 0, within: 0, breaches: 0, escalations: 0, time: emptyDuration() };
    roles.set(name, created);
    return created;
  };
  for (const { parts, value } of byKind(merged.counters, 'appr.decided')) role(parts[1]).decided += value;
  for (const { parts, value } of byKind(merged.counters, 'appr.within')) role(parts[1]).within += value;
  for (const { parts, value } of byKind(merged.counters, 'appr.breach')) role(parts[1]).breaches += value;
  for (const { parts, value } of byKind(merged.counters, 'appr.escal')) role(parts[1]).escalations += value;
  for (const { parts, value } of byKind(merged.durations, 'appr.wait')) addDuration(role(parts[0]).time, value);
  return [...roles]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([name, totals]) => ({
      role: name,
      decided: totals.decided,
      withinSla: totals.within,
      breaches: totals.breaches,
      escalations: totals.escalations,
      slaPerformance: ratio(totals.within, totals.decided),
      decisionTime: summary(totals.time),
    }));
}

/** Executions started per workflow. */
export function startedPerWorkflow(merged: MergedAggregate): Array<{ workflow: string; started: number }> {
  return byKind(merged.counters, 'started')
    .map(({ parts, value }) => ({ workflow: parts[0], started: value }))
    .sort((left, right) => left.workflow.localeCompare(right.workflow));
}

/**
 * Exceptions per workflow, step and owning system: filed, resolved, the rate per started
 * execution and the mean time to resolve. SLA escalations carry no system, so they are
 * counted on the step's cell with the most filings (or a cell of system `unknown`).
 */
export function exceptionCells(merged: MergedAggregate): ExceptionCell[] {
  const cells = new Map<
    string,
    {
      workflow: string;
      step: string;
      system: string;
      filed: number;
      resolved: number;
      escalations: number;
      ttr: DurationAggregate;
    }
  >();
  const cell = (workflow: string, step: string, system: string) => {
    const key = `${workflow}|${step}|${system}`;
    const existing = cells.get(key);
    if (existing) return existing;
    const created = { workflow, step, system, filed: 0, resolved: 0, escalations: 0, ttr: emptyDuration() };
    cells.set(key, created);
    return created;
  };
  for (const { parts, value } of byKind(merged.counters, 'exc.filed'))
    cell(parts[0], parts[1], parts[2]).filed += value;
  for (const { parts, value } of byKind(merged.counters, 'exc.resolved'))
    cell(parts[0], parts[1], parts[2]).resolved += value;
  for (const { parts, value } of byKind(merged.durations, 'exc.mttr'))
    addDuration(cell(parts[0], parts[1], parts[2]).ttr, value);
  for (const { parts, value } of byKind(merged.counters, 'exc.escal')) {
    const [workflow, step] = parts;
    const candidates = [...cells.values()].filter((found) => found.workflow === workflow && found.step === step);
    const target =
      candidates.sort((left, right) => right.filed - left.filed || left.system.localeCompare(right.system))[0] ??
      cell(workflow, step, 'unknown');
    target.escalations += value;
  }
  const started = new Map(startedPerWorkflow(merged).map((entry) => [entry.workflow, entry.started]));
  return [...cells.values()]
    .sort(
      (left, right) =>
        right.filed - left.filed ||
        left.workflow.localeCompare(right.workflow) ||
        left.step.localeCompare(right.step) ||
        left.system.localeCompare(right.system),
    )
    .map((found) => {
      const summarised = summary(found.ttr);
      return {
        workflow: found.workflow,
        step: found.step,
        system: found.system,
        filed: found.filed,
        resolved: found.resolved,
        escalations: found.escalations,
        rate: ratio(found.filed, started.get(found.workflow) ?? 0),
        meanTimeToResolveSeconds: summarised.meanSeconds,
      };
    });
}

/** Mean time to resolve over every exception resolved in the range. */
export function meanTimeToResolve(merged: MergedAggregate): number | null {
  const all = emptyDuration();
  for (const { value } of byKind(merged.durations, 'exc.mttr')) addDuration(all, value);
  return summary(all).meanSeconds;
}

/**
 * One row per day: starts, completions, cycle-time percentiles, exceptions and SLA breaches.
 * Read from the small trend items (`trendFact`), or from day items, which hold the same kinds.
 */
export function dailyTrend(days: readonly DayAggregate[]): KpiDay[] {
  return [...days]
    .sort((left, right) => left.day.localeCompare(right.day))
    .map((day) => {
      const sumOf = (kind: string) => byKind(day.counters, kind).reduce((sum, { value }) => sum + value, 0);
      const cycle = emptyDuration();
      for (const { value } of byKind(day.durations, 'cycle')) addDuration(cycle, value);
      const summarised = summary(cycle);
      return {
        day: day.day,
        started: sumOf('started'),
        completed: sumOf('completed'),
        cycleTimeP50Seconds: summarised.p50Seconds,
        cycleTimeP95Seconds: summarised.p95Seconds,
        exceptionsFiled: sumOf('exc.filed'),
        slaBreaches: sumOf('appr.breach') + sumOf('exc.breach'),
      };
    });
}

/** Time to staff and fill rate: filled / (filled + unfilled), the requests that reached an outcome. */
export function staffingKpis(totals: {
  requested: number;
  filled: number;
  unfilled: number;
  timeToStaff?: DurationAggregate;
}): StaffingKpis {
  return {
    requested: totals.requested,
    filled: totals.filled,
    unfilled: totals.unfilled,
    fillRate: ratio(totals.filled, totals.filled + totals.unfilled),
    timeToStaff: summary(totals.timeToStaff),
  };
}

/** Billing cycle time and first-pass readiness: ready on the first check / checked. */
export function billingKpis(totals: {
  checked: number;
  firstPassReady: number;
  drafted?: number;
  cycleTime?: DurationAggregate;
  blocked?: ReadonlyArray<{ prerequisite: string; owner: string; projects: number }>;
  carried?: number;
  carriedFor?: ReadonlyArray<{ prerequisite: string; projects: number }>;
}): BillingKpis {
  const mostFirst = <T extends { prerequisite: string; projects: number }>(rows: readonly T[]) =>
    [...rows].sort(
      (left, right) => right.projects - left.projects || left.prerequisite.localeCompare(right.prerequisite),
    );
  return {
    checked: totals.checked,
    firstPassReady: totals.firstPassReady,
    firstPassReadiness: ratio(totals.firstPassReady, totals.checked),
    drafted: totals.drafted ?? 0,
    cycleTime: summary(totals.cycleTime),
    blocked: mostFirst(totals.blocked ?? []),
    carried: totals.carried ?? 0,
    carriedFor: mostFirst(totals.carriedFor ?? []),
  };
}

/** Purchase order cycle time and vendors onboarded. */
export function procurementKpis(merged: MergedAggregate): ProcurementKpis {
  return {
    purchaseOrdersIssued: merged.counters.get('po.issued') ?? 0,
    purchaseOrderCycleTime: summary(merged.durations.get('po.cycle')),
    vendorsOnboarded: merged.counters.get('po.vendors') ?? 0,
  };
}

/**
 * Change approval rate and cycle time, and the margin impact of applied changes: approved ÷
 * (approved + rejected), and the mean margin delta in points over the applied changes.
 */
export function changeControlKpis(merged: MergedAggregate): ChangeControlKpis {
  const count = (name: string) => merged.counters.get(name) ?? 0;
  const approved = count('chg.approved');
  const rejected = count('chg.rejected');
  const applied = count('chg.applied');
  const marginImpact = ratio(count('chg.margin'), applied);
  return {
    approved,
    rejected,
    approvalRate: ratio(approved, approved + rejected),
    approvalCycleTime: summary(merged.durations.get('chg.cycle')),
    applied,
    meanMarginImpactPoints: marginImpact === null ? null : marginImpact / MARGIN_POINT_HUNDREDTHS,
    marginDrops: count('chg.mdrop'),
  };
}

/** Utilisation of one practice in one region: billable hours / available hours. */
export function utilisationCell(
  region: string,
  practice: string,
  billableHours: number,
  availableHours: number,
): UtilisationCell {
  return { region, practice, billableHours, availableHours, utilisation: ratio(billableHours, availableHours) };
}

/** Margin variance: actual − planned margin, and the difference of the two margin rates. */
export function marginVariance(totals: {
  currency: string;
  revenueMinor: number;
  plannedMarginMinor: number;
  actualMarginMinor: number;
}): MarginVariance {
  const planned = ratio(totals.plannedMarginMinor, totals.revenueMinor);
  const actual = ratio(totals.actualMarginMinor, totals.revenueMinor);
  return {
    ...totals,
    varianceMinor: totals.actualMarginMinor - totals.plannedMarginMinor,
    marginRateVariance: planned === null || actual === null ? null : actual - planned,
  };
}

/** Staffing, billing, procurement, change control, utilisation and margin from the merged counters; null sections until their events exist. */
export function workflowOutcomes(
  merged: MergedAggregate,
): Pick<KpiReport, 'staffing' | 'billing' | 'procurement' | 'changeControl' | 'utilisation' | 'margin'> {
  const count = (name: string) => merged.counters.get(name) ?? 0;
  const has = (prefix: string) =>
    [...merged.counters.keys(), ...merged.durations.keys()].some((name) => name.startsWith(prefix));
  const hours = new Map<string, { billable: number; available: number }>();
  const cellOf = (region: string, practice: string) => {
    const key = `${region}|${practice}`;
    const found = hours.get(key) ?? { billable: 0, available: 0 };
    hours.set(key, found);
    return found;
  };
  for (const { parts, value } of byKind(merged.counters, 'util.billable')) cellOf(parts[0], parts[1]).billable += value;
  for (const { parts, value } of byKind(merged.counters, 'util.available'))
    cellOf(parts[0], parts[1]).available += value;
  const currencies = new Set(byKind(merged.counters, 'margin.revenue').map(({ parts }) => parts[0]));
  return {
    staffing: has('staff.')
      ? staffingKpis({
          requested: count('staff.requested'),
          filled: count('staff.filled'),
          unfilled: count('staff.unfilled'),
          timeToStaff: merged.durations.get('staff.time'),
        })
      : null,
    billing: has('bill.')
      ? billingKpis({
          checked: count('bill.checked'),
          firstPassReady: count('bill.firstpass'),
          drafted: count('bill.drafted'),
          cycleTime: merged.durations.get('bill.cycle'),
          blocked: byKind(merged.counters, 'bill.blocked').map(({ parts, value }) => ({
            prerequisite: parts[0],
            owner: parts[1],
            projects: value,
          })),
          carried: count('bill.carried'),
          carriedFor: byKind(merged.counters, 'bill.carriedfor').map(({ parts, value }) => ({
            prerequisite: parts[0],
            projects: value,
          })),
        })
      : null,
    procurement: has('po.') ? procurementKpis(merged) : null,
    changeControl: has('chg.') ? changeControlKpis(merged) : null,
    utilisation: [...hours]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([key, { billable, available }]) => {
        const [region, practice] = key.split('|');
        return utilisationCell(region, practice, billable, available);
      }),
    margin: [...currencies].sort().map((currency) =>
      marginVariance({
        currency,
        revenueMinor: count(`margin.revenue|${currency}`),
        plannedMarginMinor: count(`margin.planned|${currency}`),
        actualMarginMinor: count(`margin.actual|${currency}`),
      }),
    ),
  };
}

/** One active engagement's margin, as the anomaly check reads it. */
export interface EngagementMargin {
  readonly projectId: string;
  readonly region: string;
  readonly practice: string;
  /** Planned and actual margin as a share of revenue, 0..1 (negative when losing money). */
  readonly plannedMarginRate: number;
  readonly actualMarginRate: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median absolute deviation from the median. */
export function medianAbsoluteDeviation(values: readonly number[]): number {
  const centre = median(values);
  return median(values.map((value) => Math.abs(value - centre)));
}

/** Options of {@link marginAnomalies}. */
export interface MarginAnomalyOptions {
  /** Robust z-score above which erosion is flagged (Iglewicz and Hoaglin recommend 3.5). */
  readonly threshold?: number;
  /** Fewest peers a region × practice baseline needs; with fewer, the firm-wide baseline is used. */
  readonly minimumPeers?: number;
}

/**
 * Engagements whose margin erosion (planned rate − actual rate) is unusually high against
 * their peers, by the robust z-score 0.6745 · (x − median) / MAD. Peers are the active
 * engagements of the same region and practice when there are enough of them, otherwise
 * every active engagement; each flag names the baseline it was measured against. Only
 * erosion is flagged: a margin better than planned is not an anomaly to chase. When the MAD
 * is 0 (most peers identical), the mean absolute deviation × 1.2533 stands in for it.
 */
export function marginAnomalies(
  engagements: readonly EngagementMargin[],
  options: MarginAnomalyOptions = {},
): MarginAnomaly[] {
  const threshold = options.threshold ?? 3.5;
  const minimumPeers = options.minimumPeers ?? 5;
  const erosionOf = (engagement: EngagementMargin) => engagement.plannedMarginRate - engagement.actualMarginRate;
  const flags: MarginAnomaly[] = [];
  for (const engagement of engagements) {
    const local = engagements.filter(
      (peer) => peer.region === engagement.region && peer.practice === engagement.practice,
    );
    const peers = local.length >= minimumPeers ? local : engagements;
    if (peers.length < minimumPeers) continue;
    const baseline =
      peers === local
        ? `${engagement.region}/${engagement.practice}, ${peers.length} active engagements`
        : `all regions and practices, ${peers.length} active engagements (fewer than ${minimumPeers} in ${engagement.region}/${engagement.practice})`;
    const erosions = peers.map(erosionOf);
    const centre = median(erosions);
    let spread = medianAbsoluteDeviation(erosions);
    let spreadName = 'MAD';
    if (spread === 0) {
      spread = (1.2533 * erosions.reduce((sum, value) => sum + Math.abs(value - centre), 0)) / erosions.length;
      spreadName = 'mean absolute deviation × 1.2533 (MAD is 0)';
    }
    if (spread === 0) continue;
    const erosion = erosionOf(engagement);
    const robustZ = (0.6745 * (erosion - centre)) / spread;
    if (robustZ <= threshold) continue;
    flags.push({
      projectId: engagement.projectId,
      region: engagement.region,
      practice: engagement.practice,
      erosion,
      baseline,
      baselineMedian: centre,
      baselineMad: spread,
      robustZ,
      reason: `margin eroded by ${points(erosion)} against a median erosion of ${points(centre)} (${spreadName} ${points(spread)}); robust z ${robustZ.toFixed(1)} > ${threshold}`,
    });
  }
  return flags.sort((left, right) => right.robustZ - left.robustZ);
}

function points(rate: number): string {
  return `${(rate * 100).toFixed(1)} pp`;
}

/** Seconds as people read them: `45 s`, `12 min`, `3.5 h`, `2.1 d`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/**
 * Every section of the report that comes from the items: `days` (months, weeks and days
 * covering the range) for the totals, `trend` (one item per day) for the daily trend.
 */
export function reportFromDays(
  days: readonly DayAggregate[],
  trend: readonly DayAggregate[] = days,
): Omit<KpiReport, 'query' | 'generatedAt' | 'itemsRead' | 'marginAnomalies'> {
  const merged = mergeDays(days);
  return {
    started: startedPerWorkflow(merged),
    cycleTimes: cycleTimes(merged),
    approvals: approvalPerformance(merged),
    exceptions: exceptionCells(merged),
    exceptionMeanTimeToResolveSeconds: meanTimeToResolve(merged),
    days: dailyTrend(trend),
    ...workflowOutcomes(merged),
  };
}
