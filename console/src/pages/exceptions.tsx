import { useState } from 'react';
import type { ExceptionOutcome, PublicException } from '../../../shared/operations-api/operations-schemas';
import { describeError, Empty, ErrorState, Loading, Notice, useLoad } from '../components/states';
import { useSession } from '../session';
import { formatTime } from './executions';

type NoticeValue = { kind: 'ok' | 'error'; text: string };

/** What a JSON Patch editor's text must be: RFC 6902 operations, each with an op and a path. */
export function parsePatch(text: string): { patch?: unknown[]; problem?: string } {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `the patch is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(value)) return { problem: 'a JSON Patch is an array of operations, e.g. [{"op":"replace",...}]' };
  for (const [index, operation] of value.entries()) {
    if (typeof operation !== 'object' || operation === null || !('op' in operation) || !('path' in operation))
      return { problem: `operation ${index} needs "op" and "path"` };
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(String(operation.op)))
      return { problem: `operation ${index}: op "${String(operation.op)}" is not a JSON Patch operation` };
  }
  return { patch: value };
}

/** Exception queue: filter; retry with a JSON Patch; skip with evidence; abort; bulk retry with each real outcome. */
export function ExceptionsPage() {
  const { client } = useSession();
  const [filter, setFilter] = useState({ status: 'open', owner: '', workflow: '', client: '' });
  const [applied, setApplied] = useState(filter);
  const list = useLoad(
    () =>
      client.exceptions({
        status: applied.status || undefined,
        owner: applied.owner || undefined,
        workflow: applied.workflow || undefined,
        client: applied.client || undefined,
      }),
    [client, applied],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | undefined>();
  const [notice, setNotice] = useState<NoticeValue | undefined>();
  const [bulk, setBulk] = useState<{ running: boolean; outcomes: ExceptionOutcome[] } | undefined>();

  const toggle = (id: string) =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const bulkRetry = async () => {
    const ids = [...selected];
    setBulk({ running: true, outcomes: [] });
    const outcomes = await Promise.all(
      ids.map(async (exceptionId) => {
        try {
          await client.retry(exceptionId, { note: 'bulk retry from the console' });
          return await settledOutcome(() => client.outcome(exceptionId));
        } catch (error) {
          return { exceptionId, outcome: 'refused', detail: describeError(error) };
        }
      }),
    );
    setBulk({ running: false, outcomes });
    setSelected(new Set());
    list.reload();
  };

  return (
    <section aria-labelledby="exceptions-title">
      <h1 id="exceptions-title">Exception queue</h1>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(filter);
        }}
      >
        <label>
          Status
          <select value={filter.status} onChange={(event) => setFilter({ ...filter, status: event.target.value })}>
            <option value="open">open</option>
            <option value="retrying">retrying</option>
            <option value="skipped">skipped</option>
            <option value="aborted">aborted</option>
          </select>
        </label>
        <label>
          Owner role
          <select value={filter.owner} onChange={(event) => setFilter({ ...filter, owner: event.target.value })}>
            <option value="">any</option>
            <option value="integration-ops">integration-ops</option>
            <option value="finance-ops">finance-ops</option>
            <option value="delivery-lead">delivery-lead</option>
            <option value="staffing-manager">staffing-manager</option>
          </select>
        </label>
        <label>
          Workflow
          <input value={filter.workflow} onChange={(event) => setFilter({ ...filter, workflow: event.target.value })} />
        </label>
        <label>
          Client id
          <input value={filter.client} onChange={(event) => setFilter({ ...filter, client: event.target.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Notice notice={notice} />
      {list.loading && !list.data ? <Loading what="exceptions" /> : null}
      {list.error ? <ErrorState error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.length === 0 ? (
        <Empty title="No exceptions match">
          Nothing is waiting with these filters. Failed steps land here after their retries.
        </Empty>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <>
          <div className="actions">
            <button type="button" disabled={selected.size === 0 || bulk?.running} onClick={() => void bulkRetry()}>
              Retry {selected.size} selected
            </button>
          </div>
          <table>
            <caption className="visually-hidden">Exceptions</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                <th scope="col">Workflow and step</th>
                <th scope="col">Reason</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
                <th scope="col">Due</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((item) => (
                <tr key={item.exceptionId} data-exception-id={item.exceptionId}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${item.step} ${item.exceptionId}`}
                      checked={selected.has(item.exceptionId)}
                      onChange={() => toggle(item.exceptionId)}
                    />
                  </td>
                  <td>
                    {item.workflow} / {item.step} (attempt {item.attempt})
                  </td>
                  <td>
                    {item.reasonCode}: {item.message}
                  </td>
                  <td>{item.ownerRole}</td>
                  <td>{item.status}</td>
                  <td>{formatTime(item.dueAt)}</td>
                  <td>
                    <button type="button" onClick={() => setOpen(item.exceptionId)}>
                      Act{' '}
                      <span className="visually-hidden">
                        on {item.step} {item.exceptionId}
                      </span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {bulk ? <BulkOutcomes running={bulk.running} outcomes={bulk.outcomes} /> : null}
      {open && list.data?.some((item) => item.exceptionId === open) ? (
        <ExceptionPanel
          key={open}
          exception={list.data.find((item) => item.exceptionId === open) ?? list.data[0]}
          onActed={(text) => {
            setNotice({ kind: 'ok', text });
            setOpen(undefined);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** Polls an exception's outcome until the re-run settles (or 30 s pass), so the result is the real one. */
async function settledOutcome(read: () => Promise<ExceptionOutcome>): Promise<ExceptionOutcome> {
  const deadline = Date.now() + 30_000;
  let outcome = await read();
  while (['running', 'retrying', 'waiting-for-owner'].includes(outcome.outcome) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    outcome = await read();
  }
  return outcome;
}

function BulkOutcomes({ running, outcomes }: { running: boolean; outcomes: ExceptionOutcome[] }) {
  if (running) return <Loading what="the outcome of each retry" />;
  return (
    <table className="panel" aria-live="polite">
      <caption>Bulk retry: what really happened</caption>
      <thead>
        <tr>
          <th scope="col">Exception</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {outcomes.map((outcome) => (
          <tr key={outcome.exceptionId}>
            <td className="mono">{outcome.exceptionId}</td>
            <td>{outcome.outcome}</td>
            <td>
              {outcome.detail ?? ''}
              {outcome.nextExceptionId ? ` (new exception ${outcome.nextExceptionId})` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ExceptionPanel({ exception, onActed }: { exception: PublicException; onActed: (text: string) => void }) {
  const { client } = useSession();
  const [patchText, setPatchText] = useState('');
  const [note, setNote] = useState('');
  const [output, setOutput] = useState('{}');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const patch = parsePatch(patchText);
  const act = async (run: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onActed(done);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  const id = exception.exceptionId;
  return (
    <article className="panel" aria-labelledby="exception-title">
      <h2 id="exception-title">
        {exception.step}: {exception.reasonCode}
      </h2>
      <p>{exception.message}</p>
      <dl className="facts">
        <dt>Exception</dt>
        <dd className="mono">{id}</dd>
        <dt>Owner</dt>
        <dd>{exception.ownerRole}</dd>
        <dt>Execution</dt>
        <dd className="mono">{exception.executionArn.split(':').pop()}</dd>
      </dl>
      <h3>Step input</h3>
      <pre className="json" tabIndex={0} aria-label="Step input">
        {JSON.stringify(exception.stepInput, null, 2)}
      </pre>
      <h3>Retry</h3>
      <label htmlFor="patch-editor">JSON Patch of the step input (optional)</label>
      <textarea
        id="patch-editor"
        className="mono"
        rows={5}
        value={patchText}
        onChange={(event) => setPatchText(event.target.value)}
        placeholder='[{ "op": "replace", "path": "/engagement/name", "value": "..." }]'
        aria-invalid={patch.problem ? true : undefined}
        aria-describedby="patch-help"
      />
      <p id="patch-help" className={patch.problem ? 'notice notice-error' : 'help'}>
        {patch.problem ?? 'Corrects data only; fields an approval decided on are refused.'}
      </p>
      <label htmlFor="exception-note">Note</label>
      <textarea id="exception-note" rows={2} value={note} onChange={(event) => setNote(event.target.value)} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || patch.problem !== undefined}
          onClick={() =>
            void act(
              () => client.retry(id, { patch: patch.patch, note: note || undefined }),
              `Retried ${exception.step}${patch.patch ? ' with a patch' : ''}`,
            )
          }
        >
          Retry
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy || note.trim() === ''}
          onClick={() => void act(() => client.abort(id, { note }), `Aborted ${exception.step}; compensation runs`)}
        >
          Abort
        </button>
      </div>
      <h3>Skip with evidence</h3>
      <label htmlFor="skip-output">Step output (JSON)</label>
      <textarea
        id="skip-output"
        className="mono"
        rows={3}
        value={output}
        onChange={(event) => setOutput(event.target.value)}
      />
      <label htmlFor="skip-reference">Evidence reference</label>
      <input id="skip-reference" value={reference} onChange={(event) => setReference(event.target.value)} />
      <div className="actions">
        <button
          type="button"
          disabled={busy || note.trim() === '' || reference.trim() === ''}
          onClick={() => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(output);
            } catch {
              setError('the step output is not JSON');
              return;
            }
            void act(() => client.skip(id, { output: parsed, note, reference }), `Skipped ${exception.step}`);
          }}
        >
          Skip
        </button>
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
    </article>
  );
}
