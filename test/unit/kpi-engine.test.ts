import { Metric } from '../../shared/kpis/kpi-facts';
import {
  approvalPerformance,
  bottleneckOf,
  changeControlKpis,
  exceptionCells,
  marginAnomalies,
  marginVariance,
  median,
  medianAbsoluteDeviation,
  mergeDays,
  reportFromDays,
  staffingKpis,
  billingKpis,
  utilisationCell,
  type EngagementMargin,
} from '../../shared/kpis/kpi-engine';
import { KpiReport } from '../../shared/kpis/kpi-report';
import { bucketOf, countOf, mergeInto, quantile, summarise, type Histogram } from '../../shared/kpis/latency-histogram';
import type { DayAggregate } from '../../shared/kpis/kpi-store';

function histogramOf(values: readonly number[]): Histogram {
  const histogram: Histogram = new Map();
  for (const value of values) histogram.set(bucketOf(value), (histogram.get(bucketOf(value)) ?? 0) + 1);
  return histogram;
}

function day(
  date: string,
  counters: Record<string, number>,
  durations: Record<string, readonly number[]> = {},
): DayAggregate {
  return {
    day: date,
    counters: new Map(Object.entries(counters)),
    durations: new Map(
      Object.entries(durations).map(([metric, values]) => [
        metric,
        {
          histogram: histogramOf(values),
          sumSeconds: values.reduce((sum, value) => sum + value, 0),
          count: values.length,
        },
      ]),
    ),
  };
}

/** A deterministic spread of durations: 1 minute to about 10 days, log-uniform. */
function spread(count: number): number[] {
  return Array.from({ length: count }, (_, index) => 60 * 14_400 ** (((index * 7919) % count) / count));
}

function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

describe('latency histogram', () => {
  it('estimates p50 and p95 within 10 % of the exact values', () => {
    // Prepare
    const values = spread(5000);

    // Act
    const histogram = histogramOf(values);

    // Assess
    for (const q of [0.5, 0.95]) {
      const estimate = quantile(histogram, q) ?? 0;
      expect(Math.abs(estimate / exactQuantile(values, q) - 1)).toBeLessThan(0.1);
    }
  });

  it('merges two days into the histogram of their union', () => {
    // Prepare
    const values = spread(1000);
    const merged = mergeInto(histogramOf(values.slice(0, 400)), histogramOf(values.slice(400)));

    // Act
    const whole = histogramOf(values);

    // Assess
    expect(merged).toEqual(whole);
    expect(countOf(merged)).toBe(1000);
  });

  it('puts sub-second and very long durations in the end buckets', () => {
    // Assess
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.99)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    expect(bucketOf(10 ** 12)).toBe(bucketOf(10 ** 13));
    expect(summarise(new Map(), 0)).toEqual({
      count: 0,
      p50Seconds: null,
      p95Seconds: null,
      meanSeconds: null,
      maxSeconds: null,
    });
  });
});

describe('KPI engine', () => {
  it('subtracts an item of sign −1 and drops what nets to nothing, keeping negative margins', () => {
    // Prepare: a month, and its first day to take away.
    const cycle = Metric.cycleTime('project-activation');
    const month = day(
      '2026-09-01',
      { [Metric.completed('project-activation')]: 3, [Metric.aborted('staffing')]: 1, 'margin.actual|EUR': -250 },
      { [cycle]: [60, 3600, 86_400], [Metric.timeToStaff()]: [7200] },
    );
    const firstDay = {
      ...day(
        '2026-09-01',
        { [Metric.aborted('staffing')]: 1, 'margin.actual|EUR': 100 },
        { [cycle]: [86_400], [Metric.timeToStaff()]: [7200] },
      ),
      sign: -1 as const,
    };

    // Act
    const merged = mergeDays([month, firstDay]);

    // Assess
    expect(Object.fromEntries(merged.counters)).toEqual({
      [Metric.completed('project-activation')]: 3,
      'margin.actual|EUR': -350,
    });
    expect([...merged.durations.keys()]).toEqual([cycle]);
    expect(merged.durations.get(cycle)).toEqual({
      histogram: histogramOf([60, 3600]),
      sumSeconds: 3660,
      count: 2,
    });
  });

  it('names the stage with the highest p95 as the bottleneck, with its share', () => {
    // Prepare
    const merged = mergeDays([
      day(
        '2026-11-01',
        {},
        {
          [Metric.stage('project-activation', 'Approval')]: [3600, 7200, 36_000],
          [Metric.stage('project-activation', 'ExceptionHandling')]: [600, 900],
        },
      ),
    ]);

    // Act
    const report = reportFromDays([
      day(
        '2026-11-01',
        {},
        {
          [Metric.stage('project-activation', 'Approval')]: [3600, 7200, 36_000],
          [Metric.stage('project-activation', 'ExceptionHandling')]: [600, 900],
        },
      ),
    ]);

    // Assess
    expect(merged.durations.size).toBe(2);
    const bottleneck = report.cycleTimes[0].bottleneck;
    expect(bottleneck?.stage).toBe('Approval');
    expect(bottleneck?.share).toBeGreaterThan(0.9);
    expect(bottleneck?.reason).toContain('Approval has the highest p95');
    expect(bottleneckOf([])).toBeNull();
  });

  it('names the bottleneck among the end-to-end stages, in their order, and lists the human waits beside them', () => {
    // Act
    const report = reportFromDays([
      day(
        '2026-11-01',
        {},
        {
          [Metric.stage('project-activation', 'Prepare')]: [5, 6],
          [Metric.stage('project-activation', 'Approval')]: [3600, 7200],
          [Metric.stage('project-activation', 'Provisioning')]: [20_000, 90_000],
          [Metric.stage('project-activation', 'Onboarding')]: [10, 12],
          [Metric.wait('project-activation', 'Approval')]: [3600, 3600, 7200],
          [Metric.wait('project-activation', 'ExceptionHandling')]: [200_000],
          [Metric.wait('staffing', 'Approval')]: [600, 1200],
        },
      ),
    ]);

    // Assess: the exception wait is the longest timing, but it lies inside a stage, so the stage is named.
    const [activation, staffing] = report.cycleTimes;
    expect(activation.stages.map((stage) => stage.stage)).toEqual([
      'Prepare',
      'Approval',
      'Provisioning',
      'Onboarding',
    ]);
    expect(activation.waits.map((wait) => wait.stage)).toEqual(['Approval', 'ExceptionHandling']);
    expect(activation.bottleneck?.stage).toBe('Provisioning');
    expect(activation.bottleneck?.reason).toContain('of the summed stage p95s');
    // Staffing reports no stages: its bottleneck comes from its waits, and says so.
    expect(staffing.stages).toEqual([]);
    expect(staffing.bottleneck?.stage).toBe('Approval');
    expect(staffing.bottleneck?.reason).toContain('of the summed human wait p95s');
  });

  it('computes approval SLA performance per role across workflows and days', () => {
    // Prepare
    const days = [
      day(
        '2026-11-01',
        {
          [Metric.approvalsDecided('project-activation', 'finance-approver')]: 4,
          [Metric.approvalsWithinSla('project-activation', 'finance-approver')]: 3,
          [Metric.approvalBreaches('project-activation', 'finance-approver')]: 2,
          [Metric.approvalEscalations('project-activation', 'finance-approver')]: 1,
        },
        { [Metric.approvalTime('finance-approver')]: [100, 200, 300, 90_000] },
      ),
      day('2026-11-02', {
        [Metric.approvalsDecided('change-control', 'finance-approver')]: 1,
        [Metric.approvalsDecided('project-activation', 'delivery-lead')]: 2,
        [Metric.approvalsWithinSla('project-activation', 'delivery-lead')]: 2,
      }),
    ];

    // Act
    const roles = approvalPerformance(mergeDays(days));

    // Assess
    expect(roles).toEqual([
      expect.objectContaining({ role: 'delivery-lead', decided: 2, withinSla: 2, slaPerformance: 1 }),
      expect.objectContaining({
        role: 'finance-approver',
        decided: 5,
        withinSla: 3,
        breaches: 2,
        escalations: 1,
        slaPerformance: 0.6,
      }),
    ]);
    expect(roles[1].decisionTime.meanSeconds).toBeCloseTo((100 + 200 + 300 + 90_000) / 4, 0);
  });

  it('computes the exception rate per workflow, step and system, and the mean time to resolve', () => {
    // Prepare
    const days = [
      day(
        '2026-11-01',
        {
          [Metric.started('project-activation')]: 20,
          [Metric.exceptionsFiled('project-activation', 'ProvisionErpProject', 'erp')]: 4,
          [Metric.exceptionsFiled('project-activation', 'ProvisionErpProject', 'psflow')]: 1,
          [Metric.exceptionsResolved('project-activation', 'ProvisionErpProject', 'erp')]: 2,
          [Metric.exceptionEscalations('project-activation', 'ProvisionErpProject')]: 1,
        },
        { [Metric.exceptionTimeToResolve('project-activation', 'ProvisionErpProject', 'erp')]: [600, 1800] },
      ),
    ];

    // Act
    const cells = exceptionCells(mergeDays(days));

    // Assess
    expect(cells[0]).toEqual({
      workflow: 'project-activation',
      step: 'ProvisionErpProject',
      system: 'erp',
      filed: 4,
      resolved: 2,
      escalations: 1,
      rate: 0.2,
      meanTimeToResolveSeconds: 1200,
    });
    expect(cells[1]).toMatchObject({ system: 'psflow', filed: 1, rate: 0.05, meanTimeToResolveSeconds: null });
  });

  it('reports a full range as a report the contract accepts', () => {
    // Prepare
    const days = [
      day(
        '2026-11-01',
        {
          [Metric.started('project-activation')]: 2,
          [Metric.completed('project-activation')]: 2,
          [Metric.staffingRequested()]: 3,
          [Metric.billableHours('EMEA', 'data')]: 60,
          [Metric.availableHours('EMEA', 'data')]: 80,
          [Metric.revenue('EUR')]: 100_000,
          [Metric.plannedMargin('EUR')]: 30_000,
          [Metric.actualMargin('EUR')]: 25_000,
        },
        { [Metric.cycleTime('project-activation')]: [3600, 7200] },
      ),
    ];

    // Act
    const report = KpiReport.parse({
      query: { workflow: null, region: null, practice: null, from: '2026-11-01', to: '2026-11-01' },
      generatedAt: '2026-11-02T00:00:00Z',
      itemsRead: 1,
      ...reportFromDays(days),
      marginAnomalies: [],
    });

    // Assess
    expect(report.days[0]).toMatchObject({ day: '2026-11-01', started: 2, completed: 2 });
    expect(report.staffing).toMatchObject({ requested: 3, fillRate: null });
    expect(report.billing).toBeNull();
    expect(report.utilisation).toEqual([
      { region: 'EMEA', practice: 'data', billableHours: 60, availableHours: 80, utilisation: 0.75 },
    ]);
    expect(report.margin[0].varianceMinor).toBe(-5000);
    expect(report.margin[0].marginRateVariance).toBeCloseTo(-0.05, 10);
  });

  it('computes the change approval rate, approval cycle time percentiles and the mean margin impact', () => {
    // Prepare: 20 approvals over two days (10 in an hour, 9 in two hours, 1 in two days), 5
    // rejections, and 4 applied changes whose margin deltas sum to -3.40 points, 3 of them drops.
    const days = [
      day(
        '2026-11-02',
        {
          [Metric.changesApproved()]: 12,
          [Metric.changesRejected()]: 2,
          [Metric.changesApplied()]: 1,
          [Metric.changeMarginImpact()]: 150,
        },
        { [Metric.changeApprovalCycleTime()]: [...Array<number>(10).fill(3600), 7200, 7200] },
      ),
      day(
        '2026-11-03',
        {
          [Metric.changesApproved()]: 8,
          [Metric.changesRejected()]: 3,
          [Metric.changesApplied()]: 3,
          [Metric.changeMarginImpact()]: -490,
          [Metric.changeMarginDrops()]: 3,
        },
        { [Metric.changeApprovalCycleTime()]: [...Array<number>(7).fill(7200), 172_800] },
      ),
    ];

    // Act
    const kpis = changeControlKpis(mergeDays(days));

    // Assess
    expect(kpis).toMatchObject({ approved: 20, rejected: 5, approvalRate: 0.8, applied: 4, marginDrops: 3 });
    expect(kpis.approvalCycleTime.count).toBe(20);
    expect(Math.abs((kpis.approvalCycleTime.p50Seconds ?? 0) - 3600) / 3600).toBeLessThan(0.1);
    expect(Math.abs((kpis.approvalCycleTime.p95Seconds ?? 0) - 7200) / 7200).toBeLessThan(0.1);
    expect(kpis.approvalCycleTime.meanSeconds).toBe((10 * 3600 + 9 * 7200 + 172_800) / 20);
    expect(kpis.meanMarginImpactPoints).toBeCloseTo(-0.85, 10);
  });

  it('leaves change control null without its events, and its ratios null without a denominator', () => {
    // Prepare
    const onlyRequests = [day('2026-11-01', { [Metric.staffingRequested()]: 1 })];
    const onlyApplied = [day('2026-11-01', { [Metric.changesApplied()]: 0, [Metric.changeMarginDrops()]: 0 })];

    // Act
    const without = reportFromDays(onlyRequests);
    const empty = reportFromDays(onlyApplied);

    // Assess
    expect(without.changeControl).toBeNull();
    expect(empty.changeControl).toMatchObject({ approvalRate: null, meanMarginImpactPoints: null, applied: 0 });
  });

  it('computes fill rate, first-pass readiness, utilisation and margin variance', () => {
    // Assess
    expect(staffingKpis({ requested: 10, filled: 6, unfilled: 2 }).fillRate).toBe(0.75);
    expect(staffingKpis({ requested: 10, filled: 0, unfilled: 0 }).fillRate).toBeNull();
    expect(billingKpis({ checked: 8, firstPassReady: 6 }).firstPassReadiness).toBe(0.75);
    expect(utilisationCell('APAC', 'strategy', 30, 0).utilisation).toBeNull();
    expect(
      marginVariance({ currency: 'EUR', revenueMinor: 0, plannedMarginMinor: 0, actualMarginMinor: -100 }),
    ).toMatchObject({ varianceMinor: -100, marginRateVariance: null });
  });
});

describe('margin anomalies', () => {
  const engagement = (id: string, erosion: number, practice = 'data', region = 'EMEA'): EngagementMargin => ({
    projectId: id,
    region,
    practice,
    plannedMarginRate: 0.3,
    actualMarginRate: 0.3 - erosion,
  });

  it('flags the engagement whose erosion is far above its peers, saying why and against which baseline', () => {
    // Prepare
    const engagements = [
      ...[0.01, 0.02, 0.02, 0.03, 0.015, 0.025, 0.02].map((erosion, index) => engagement(`p${index}`, erosion)),
      engagement('outlier', 0.18),
    ];

    // Act
    const flags = marginAnomalies(engagements);

    // Assess
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      projectId: 'outlier',
      baseline: 'EMEA/data, 8 active engagements',
    });
    expect(flags[0].baselineMedian).toBeCloseTo(0.02, 10);
    expect(flags[0].robustZ).toBeGreaterThan(3.5);
    expect(flags[0].reason).toContain('margin eroded by 18.0 pp against a median erosion of 2.0 pp');
  });

  it('falls back to the firm-wide baseline when a practice has too few engagements, and says so', () => {
    // Prepare
    const engagements = [
      ...[0.01, 0.02, 0.02, 0.03, 0.015, 0.025].map((erosion, index) => engagement(`p${index}`, erosion)),
      engagement('lonely', 0.2, 'strategy', 'APAC'),
    ];

    // Act
    const flags = marginAnomalies(engagements);

    // Assess
    expect(flags.map((flag) => flag.projectId)).toEqual(['lonely']);
    expect(flags[0].baseline).toContain('all regions and practices, 7 active engagements');
  });

  it('does not flag a margin better than planned, nor peers that are all alike', () => {
    // Prepare
    const alike = Array.from({ length: 6 }, (_, index) => engagement(`same${index}`, 0.02));
    const better = [...alike, engagement('better', -0.3)];

    // Act
    const flags = marginAnomalies(better);

    // Assess
    expect(flags).toEqual([]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1);
  });
});
