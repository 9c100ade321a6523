import { formatSeconds } from '../../shared/kpis/kpi-engine';
import { KPI_ROUTE, KpiQuery, KpiReport, type DurationSummary } from '../../shared/kpis/kpi-report';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

/** The filters of `psflow kpis`, as given on the command line. */
export interface KpiOptions {
  readonly workflow?: string;
  readonly region?: string;
  readonly practice?: string;
  readonly from?: string;
  readonly to?: string;
}

/** `psflow kpis`: the KPIs of a range, read by the operations API from the pre-aggregated items. */
export async function showKpis(context: CliContext, options: KpiOptions): Promise<void> {
  const parsed = KpiQuery.safeParse(Object.fromEntries(Object.entries(options).filter(([, value]) => value)));
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
  const query = new URLSearchParams(
    Object.entries(parsed.data).filter((entry): entry is [string, string] => !!entry[1]),
  );
  const answer = await callApi<unknown>(context, 'GET', `${KPI_ROUTE.path}${query.size > 0 ? `?${query}` : ''}`);
  const report = KpiReport.parse(answer);
  if (context.options.json) return context.printJson(report);
  context.print(renderKpiReport(report));
}

function seconds(value: number | null): string {
  return value === null ? '-' : formatSeconds(value);
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)} %`;
}

/** Margin points with their sign, so a drop reads as one: `-1.25 pts`. */
function points(value: number | null): string {
  return value === null ? '-' : `${value > 0 ? '+' : ''}${value.toFixed(2)} pts`;
}

function durations(summary: DurationSummary): string[] {
  return [
    String(summary.count),
    seconds(summary.p50Seconds),
    seconds(summary.p95Seconds),
    seconds(summary.meanSeconds),
  ];
}

/** The report as people read it: one section per KPI, each saying when it has no data yet. */
export function renderKpiReport(report: KpiReport): string {
  const { query } = report;
  const scope = [
    `workflow ${query.workflow ?? 'all'}`,
    `region ${query.region ?? 'all'}`,
    `practice ${query.practice ?? 'all'}`,
  ].join(', ');
  const sections: string[] = [`KPIs ${query.from} to ${query.to} (${scope}); ${report.itemsRead} items read`];
  const section = (title: string, body: string | undefined, empty: string) =>
    sections.push('', title, body ?? `  ${empty}`);

  section(
    'Cycle time',
    report.cycleTimes.length > 0
      ? renderTable(
          ['WORKFLOW', 'STAGE', 'COUNT', 'P50', 'P95', 'MEAN'],
          report.cycleTimes.flatMap((workflow) => [
            [workflow.workflow, '(end to end)', ...durations(workflow.cycleTime)],
            ...workflow.stages.map((stage) => [workflow.workflow, stage.stage, ...durations(stage.duration)]),
            ...workflow.waits.map((wait) => [workflow.workflow, `wait: ${wait.stage}`, ...durations(wait.duration)]),
          ]),
        ) +
          report.cycleTimes
            .flatMap((workflow) =>
              workflow.bottleneck ? [`\nbottleneck of ${workflow.workflow}: ${workflow.bottleneck.reason}`] : [],
            )
            .join('')
      : undefined,
    'no completed executions in the range',
  );
  section(
    'Approval SLA performance',
    report.approvals.length > 0
      ? renderTable(
          ['ROLE', 'DECIDED', 'IN SLA', 'PERFORMANCE', 'BREACHES', 'ESCALATED', 'P50', 'P95'],
          report.approvals.map((role) => [
            role.role,
            String(role.decided),
            String(role.withinSla),
            percent(role.slaPerformance),
            String(role.breaches),
            String(role.escalations),
            seconds(role.decisionTime.p50Seconds),
            seconds(role.decisionTime.p95Seconds),
          ]),
        )
      : undefined,
    'no approvals decided in the range',
  );
  section(
    'Exceptions',
    report.exceptions.length > 0
      ? `${renderTable(
          ['WORKFLOW', 'STEP', 'SYSTEM', 'FILED', 'RESOLVED', 'ESCALATED', 'RATE', 'MTTR'],
          report.exceptions.map((cell) => [
            cell.workflow,
            cell.step,
            cell.system,
            String(cell.filed),
            String(cell.resolved),
            String(cell.escalations),
            percent(cell.rate),
            seconds(cell.meanTimeToResolveSeconds),
          ]),
        )}\nmean time to resolve, all: ${seconds(report.exceptionMeanTimeToResolveSeconds)}`
      : undefined,
    'no exceptions in the range',
  );
  section(
    'Staffing',
    report.staffing
      ? `  requested ${report.staffing.requested}, filled ${report.staffing.filled}, unfilled ${report.staffing.unfilled}, fill rate ${percent(report.staffing.fillRate)}, time to staff p50 ${seconds(report.staffing.timeToStaff.p50Seconds)} p95 ${seconds(report.staffing.timeToStaff.p95Seconds)}`
      : undefined,
    'no staffing events yet',
  );
  section(
    'Billing readiness',
    report.billing
      ? `  checked ${report.billing.checked}, first-pass ready ${percent(report.billing.firstPassReadiness)}, drafted ${report.billing.drafted}, cycle time p50 ${seconds(report.billing.cycleTime.p50Seconds)} p95 ${seconds(report.billing.cycleTime.p95Seconds)}, carried ${report.billing.carried}` +
          (report.billing.blocked.length > 0
            ? `\n${renderTable(
                ['BLOCKED BY', 'OWNER', 'PROJECTS'],
                report.billing.blocked.map((row) => [row.prerequisite, row.owner, String(row.projects)]),
              )}`
            : '') +
          (report.billing.carriedFor.length > 0
            ? `\n${renderTable(
                ['CARRIED FOR', 'PROJECTS'],
                report.billing.carriedFor.map((row) => [row.prerequisite, String(row.projects)]),
              )}`
            : '')
      : undefined,
    'no billing readiness events yet',
  );
  section(
    'Procurement',
    report.procurement
      ? `  purchase orders issued ${report.procurement.purchaseOrdersIssued}, PO cycle time p50 ${seconds(report.procurement.purchaseOrderCycleTime.p50Seconds)} p95 ${seconds(report.procurement.purchaseOrderCycleTime.p95Seconds)}, vendors onboarded ${report.procurement.vendorsOnboarded}`
      : undefined,
    'no procurement events yet',
  );
  section(
    'Change control',
    report.changeControl
      ? `  approved ${report.changeControl.approved}, rejected ${report.changeControl.rejected}, approval rate ${percent(report.changeControl.approvalRate)}, approval cycle time p50 ${seconds(report.changeControl.approvalCycleTime.p50Seconds)} p95 ${seconds(report.changeControl.approvalCycleTime.p95Seconds)}, applied ${report.changeControl.applied}, mean margin impact ${points(report.changeControl.meanMarginImpactPoints)}, margin drops ${report.changeControl.marginDrops}`
      : undefined,
    'no change control events yet',
  );
  section(
    'Utilisation',
    report.utilisation.length > 0
      ? renderTable(
          ['REGION', 'PRACTICE', 'BILLABLE H', 'AVAILABLE H', 'UTILISATION'],
          report.utilisation.map((cell) => [
            cell.region,
            cell.practice,
            String(cell.billableHours),
            String(cell.availableHours),
            percent(cell.utilisation),
          ]),
        )
      : undefined,
    'no utilisation events yet',
  );
  section(
    'Margin',
    report.margin.length > 0
      ? renderTable(
          ['CURRENCY', 'REVENUE', 'PLANNED', 'ACTUAL', 'VARIANCE', 'RATE VARIANCE'],
          report.margin.map((margin) => [
            margin.currency,
            String(margin.revenueMinor),
            String(margin.plannedMarginMinor),
            String(margin.actualMarginMinor),
            String(margin.varianceMinor),
            percent(margin.marginRateVariance),
          ]),
        ) +
          report.marginAnomalies
            .map((flag) => `\nanomaly ${flag.projectId}: ${flag.reason} (baseline ${flag.baseline})`)
            .join('')
      : undefined,
    'no margin events yet',
  );
  return sections.join('\n');
}
