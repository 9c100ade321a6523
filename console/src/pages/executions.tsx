import { useState, type FormEvent } from 'react';
import type { ExecutionDetail, ExecutionSummary } from '../../../shared/operations-api/operations-schemas';
import { StateGraph, type StateStatus } from '../components/state-graph';
import { Empty, ErrorState, Loading, useLoad } from '../components/states';
import { useSession } from '../session';

type Kind = 'opportunity' | 'client' | 'project';

/** Executions: find by client, project or opportunity; the status, the graph and the event history. */
export function ExecutionsPage() {
  const { client } = useSession();
  const [kind, setKind] = useState<Kind>('opportunity');
  const [id, setId] = useState('');
  const [system, setSystem] = useState('');
  const [found, setFound] = useState<{ loading: boolean; error?: unknown; items?: ExecutionSummary[] }>({
    loading: false,
  });
  const [selected, setSelected] = useState<string | undefined>();

  const find = async (event?: FormEvent) => {
    event?.preventDefault();
    setSelected(undefined);
    setFound({ loading: true });
    try {
      const items = await client.findExecutions({ [kind]: id.trim(), system: system || undefined });
      setFound({ loading: false, items });
      if (items.length === 1) setSelected(items[0].executionArn);
    } catch (error) {
      setFound({ loading: false, error });
    }
  };

  return (
    <section aria-labelledby="executions-title">
      <h1 id="executions-title">Executions</h1>
      <form className="toolbar" onSubmit={find}>
        <label>
          Find by
          <select
            value={kind}
            onChange={(event) =>
              setKind(
                event.target.value === 'client'
                  ? 'client'
                  : event.target.value === 'project'
                    ? 'project'
                    : 'opportunity',
              )
            }
          >
            <option value="opportunity">Opportunity</option>
            <option value="client">Client</option>
            <option value="project">Project</option>
          </select>
        </label>
        <label>
          Id
          <input value={id} onChange={(event) => setId(event.target.value)} required placeholder="0068d00000E3tUvAAJ" />
        </label>
        <label>
          System
          <select value={system} onChange={(event) => setSystem(event.target.value)}>
            <option value="">default (CRM, or psflow for projects)</option>
            <option value="salesforce">salesforce</option>
            <option value="psflow">psflow</option>
            <option value="erp">erp</option>
            <option value="psa">psa</option>
          </select>
        </label>
        <button type="submit">Find</button>
      </form>
      {found.loading ? <Loading what="executions" /> : null}
      {found.error ? <ErrorState error={found.error} onRetry={() => void find()} /> : null}
      {found.items && found.items.length === 0 ? (
        <Empty title={`No executions recorded for ${kind} ${id}`}>
          Check the id and the system: opportunities and clients are CRM ids, projects are psflow ids.
        </Empty>
      ) : null}
      {found.items && found.items.length > 0 ? (
        <table>
          <caption>
            Executions of {kind} {id}
          </caption>
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Execution</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {found.items.map((item) => (
              <tr key={item.executionArn} aria-selected={item.executionArn === selected}>
                <td>{item.workflow}</td>
                <td className="mono">{item.executionName}</td>
                <td>
                  <StatusBadge status={item.status} />
                </td>
                <td>{formatTime(item.startedAt)}</td>
                <td>
                  <button type="button" onClick={() => setSelected(item.executionArn)}>
                    Show <span className="visually-hidden">{item.executionName}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {!found.items && !found.loading && !found.error ? (
        <Empty title="Find an execution">
          Name an opportunity, client or project to see its workflows, where each one is, and its history.
        </Empty>
      ) : null}
      {selected ? <ExecutionView key={selected} executionArn={selected} /> : null}
    </section>
  );
}

function ExecutionView({ executionArn }: { executionArn: string }) {
  const { client } = useSession();
  const state = useLoad(() => client.execution(executionArn), [client, executionArn]);
  if (state.loading) return <Loading what="the execution" />;
  if (state.error || !state.data) return <ErrorState error={state.error} onRetry={state.reload} />;
  const detail: ExecutionDetail = state.data;
  const failed = new Set(detail.failedStates);
  const visited = new Set(detail.visitedStates);
  const statusOf = (name: string): StateStatus =>
    failed.has(name)
      ? 'failed'
      : name === detail.currentState
        ? 'current'
        : visited.has(name)
          ? 'visited'
          : 'not-visited';
  return (
    <article className="panel" aria-labelledby="execution-title">
      <h2 id="execution-title">
        {detail.name} <StatusBadge status={detail.status} />
      </h2>
      <dl className="facts">
        <dt>State machine</dt>
        <dd className="mono">{detail.stateMachineArn.split(':').pop()}</dd>
        <dt>Started</dt>
        <dd>{formatTime(detail.startedAt)}</dd>
        {detail.stoppedAt ? (
          <>
            <dt>Stopped</dt>
            <dd>{formatTime(detail.stoppedAt)}</dd>
          </>
        ) : null}
        <dt>Current state</dt>
        <dd data-testid="current-state">{detail.currentState ?? 'none'}</dd>
        <dt>Failed states</dt>
        <dd data-testid="failed-states">{detail.failedStates.length > 0 ? detail.failedStates.join(', ') : 'none'}</dd>
        {detail.error ? (
          <>
            <dt>Error</dt>
            <dd>
              {detail.error}: {detail.cause}
            </dd>
          </>
        ) : null}
      </dl>
      <h3>Graph</h3>
      <StateGraph definition={detail.definition} statusOf={statusOf} />
      <h3>Event history ({detail.events.length})</h3>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Event history, scrollable">
        <table>
          <caption className="visually-hidden">Event history, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Time</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {detail.events.map((event) => (
              <tr key={event.id} className={/Failed|TimedOut/.test(event.type) ? 'row-failed' : undefined}>
                <td>{event.id}</td>
                <td>{event.type}</td>
                <td>{event.stateName ?? ''}</td>
                <td>{formatTime(event.at)}</td>
                <td>
                  {event.detail ? (
                    <details>
                      <summary>show</summary>
                      <pre>{event.detail}</pre>
                    </details>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}

/** An execution status as a labelled badge. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

/** A timestamp in the reader's locale, to the second. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}
