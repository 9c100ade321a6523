import { useState, type FormEvent } from 'react';
import type { ChangeControlKpis, KpiReport } from '../../../shared/kpis/kpi-report';
import { BarChart, HeatMap, LineChart } from '../components/charts';
import { Empty, ErrorState, Loading, useLoad } from '../components/states';
import { useSession } from '../session';

/** KPIs: cycle times, change control, the cycle-time trend, SLA performance, the exception heat map and utilisation, each with its numbers. */
export function KpisPage() {
  const { client } = useSession();
  const [filter, setFilter] = useState({ workflow: '', region: '', from: '', to: '' });
  const [applied, setApplied] = useState(filter);
  const report = useLoad(
    () =>
      client.kpis({
        workflow: applied.workflow || undefined,
        region: applied.region || undefined,
        from: applied.from || undefined,
        to: applied.to || undefined,
      }),
    [client, applied],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(filter);
  };
  return (
    <section aria-labelledby="kpis-title">
      <h1 id="kpis-title">KPIs</h1>
      <form className="toolbar" onSubmit={submit}>
        <label>
          Workflow
          <input value={filter.workflow} onChange={(event) => setFilter({ ...filter, workflow: event.target.value })} />
        </label>
        <label>
          Region
          <select value={filter.region} onChange={(event) => setFilter({ ...filter, region: event.target.value })}>
            <option value="">all</option>
            <option value="EMEA">EMEA</option>
            <option value="AMER">AMER</option>
            <option value="APAC">APAC</option>
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={filter.from}
            onChange={(event) => setFilter({ ...filter, from: event.target.value })}
          />
        </label>
        <label>
          To
          <input type="date" value={filter.to} onChange={(event) => setFilter({ ...filter, to: event.target.value })} />
        </label>
        <button type="submit">Show</button>
      </form>
      {report.loading && !report.data ? <Loading what="the KPIs" /> : null}
      {report.error ? <ErrorState error={report.error} onRetry={report.reload} /> : null}
      {report.data ? <KpiCharts report={report.data} /> : null}
    </section>
  );
}

function KpiCharts({ report }: { report: KpiReport }) {
  const { query } = report;
  const trend = report.days
    .filter((day) => day.cycleTimeP50Seconds !== null)
    .map((day) => ({ label: day.day, value: hours(day.cycleTimeP50Seconds ?? 0) }));
  const sla = report.approvals
    .filter((role) => role.slaPerformance !== null)
    .map((role) => ({ label: role.role, value: Math.round((role.slaPerformance ?? 0) * 1000) / 10 }));
  const steps = [...new Set(report.exceptions.map((cell) => `${cell.workflow} / ${cell.step}`))];
  const systems = [...new Set(report.exceptions.map((cell) => cell.system))];
  const filed = (row: string, system: string) =>
    report.exceptions
      .filter((cell) => `${cell.workflow} / ${cell.step}` === row && cell.system === system)
      .reduce((sum, cell) => sum + cell.filed, 0);
  const utilisation = report.utilisation
    .filter((cell) => cell.utilisation !== null)
    .map((cell) => ({
      label: `${cell.region} ${cell.practice}`,
      value: Math.round((cell.utilisation ?? 0) * 1000) / 10,
    }));
  return (
    <>
      <p className="lead">
        {query.from} to {query.to}
        {query.workflow ? `, ${query.workflow}` : ''}
        {query.region ? `, ${query.region}` : ''}: {report.itemsRead} items merged.
      </p>
      {report.cycleTimes.map((cycle) => (
        <p key={cycle.workflow}>
          <strong>{cycle.workflow}</strong>: {cycle.completed} completed, cycle time p50{' '}
          {formatHours(cycle.cycleTime.p50Seconds)}, p95 {formatHours(cycle.cycleTime.p95Seconds)}
          {cycle.bottleneck ? `; bottleneck ${cycle.bottleneck.stage} (${cycle.bottleneck.reason})` : ''}
        </p>
      ))}
      {report.changeControl ? <ChangeControlLine kpis={report.changeControl} /> : null}
      <div className="charts">
        {trend.length > 0 ? (
          <LineChart title="Cycle time trend (p50 per day)" unit="hours" series={trend} />
        ) : (
          <Empty title="No cycle-time trend yet">No execution completed in this range.</Empty>
        )}
        {sla.length > 0 ? (
          <BarChart
            labelHeader="Role"
            title="Approval SLA performance by role"
            unit="% within SLA"
            bars={sla}
            max={100}
          />
        ) : (
          <Empty title="No approval decided yet">SLA performance appears once approvals are decided.</Empty>
        )}
        {steps.length > 0 ? (
          <HeatMap
            rowHeader="Workflow and step"
            title="Exceptions by step and system"
            unit="exceptions filed"
            rows={steps}
            columns={systems}
            value={filed}
          />
        ) : (
          <Empty title="No exception filed">Nothing failed past its retries in this range.</Empty>
        )}
        {utilisation.length > 0 ? (
          <BarChart
            labelHeader="Region and practice"
            title="Utilisation by region and practice"
            unit="% billable"
            bars={utilisation}
            max={100}
          />
        ) : (
          <Empty title="No utilisation recorded">
            Utilisation appears once billable and available hours are reported.
          </Empty>
        )}
      </div>
    </>
  );
}

function ChangeControlLine({ kpis }: { kpis: ChangeControlKpis }) {
  const rate = kpis.approvalRate === null ? 'n/a' : `${Math.round(kpis.approvalRate * 1000) / 10} %`;
  const margin = kpis.meanMarginImpactPoints === null ? 'n/a' : `${kpis.meanMarginImpactPoints.toFixed(2)} pts`;
  return (
    <p>
      <strong>change control</strong>: {kpis.approved} approved, {kpis.rejected} rejected (approval rate {rate}),
      approval cycle time p50 {formatHours(kpis.approvalCycleTime.p50Seconds)}, p95{' '}
      {formatHours(kpis.approvalCycleTime.p95Seconds)}; {kpis.applied} applied, mean margin impact {margin},{' '}
      {kpis.marginDrops} with a margin drop
    </p>
  );
}

function hours(seconds: number): number {
  return Math.round((seconds / 3600) * 10) / 10;
}

function formatHours(seconds: number | null): string {
  return seconds === null ? 'n/a' : `${hours(seconds)} h`;
}
