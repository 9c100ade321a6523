import { useState } from 'react';
import { describeError, Empty, ErrorState, Loading, Notice, useLoad } from '../components/states';
import { useSession } from '../session';
import { formatTime } from './executions';

/** Rejected events: what ingestion could not accept, and why; replay once fixed, or resolve with a note. */
export function RejectedEventsPage() {
  const { client } = useSession();
  const [status, setStatus] = useState('open');
  const list = useLoad(() => client.rejectedEvents(status), [client, status]);
  const [open, setOpen] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  return (
    <section aria-labelledby="rejected-title">
      <h1 id="rejected-title">Rejected events</h1>
      <div className="toolbar">
        <label>
          Status
          <select value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="open">open</option>
            <option value="replayed">replayed</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
      </div>
      <Notice notice={notice} />
      {list.loading && !list.data ? <Loading what="rejected events" /> : null}
      {list.error ? <ErrorState error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.length === 0 ? (
        <Empty title={`No ${status} rejected events`}>
          Every event ingestion received was accepted, or has been dealt with.
        </Empty>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <caption className="visually-hidden">Rejected events</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Source and type</th>
              <th scope="col">Reason</th>
              <th scope="col">Seen</th>
              <th scope="col">
                <span className="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((item) => (
              <tr key={item.rejectionId} data-rejection-id={item.rejectionId}>
                <td>{formatTime(item.receivedAt)}</td>
                <td>
                  {item.source}
                  <br />
                  {item.detailType}
                </td>
                <td>
                  {item.reason}: {item.message}
                </td>
                <td>{item.occurrences}×</td>
                <td>
                  <button type="button" onClick={() => setOpen(item.rejectionId)}>
                    Show <span className="visually-hidden">rejected event {item.rejectionId}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {open ? (
        <RejectedEventPanel
          key={open}
          rejectionId={open}
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

function RejectedEventPanel({ rejectionId, onActed }: { rejectionId: string; onActed: (text: string) => void }) {
  const { client } = useSession();
  const item = useLoad(() => client.rejectedEvent(rejectionId), [client, rejectionId]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (item.loading) return <Loading what="the rejected event" />;
  if (item.error || !item.data) return <ErrorState error={item.error} onRetry={item.reload} />;
  const event = item.data;
  const act = async (action: 'replay' | 'resolve') => {
    setBusy(true);
    setError(undefined);
    try {
      const result =
        action === 'replay'
          ? await client.replay(rejectionId, { note: note || undefined })
          : await client.resolve(rejectionId, { note });
      onActed(
        `Rejected event ${result.rejectionId} ${result.status}${result.eventId ? ` (event ${result.eventId})` : ''}`,
      );
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="panel" aria-labelledby="rejected-event-title">
      <h2 id="rejected-event-title">
        {event.detailType} from {event.source}
      </h2>
      <p>
        {event.reason}: {event.message}
      </p>
      {event.issues.length > 0 ? (
        <>
          <h3>Where the event is wrong</h3>
          <ul>
            {event.issues.map((issue) => (
              <li key={`${issue.path}-${issue.message}`}>
                <code>{issue.path}</code>: {issue.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Raw event{event.rawEventTruncated ? ` (first part of ${event.rawEventBytes} bytes)` : ''}</h3>
      <pre className="json" tabIndex={0} aria-label="Raw event">
        {prettyJson(event.rawEvent)}
      </pre>
      <label htmlFor="rejected-note">Note</label>
      <textarea id="rejected-note" rows={2} value={note} onChange={(change) => setNote(change.target.value)} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || event.status !== 'open'}
          onClick={() => void act('replay')}
        >
          Replay
        </button>
        <button
          type="button"
          disabled={busy || event.status !== 'open' || note.trim() === ''}
          onClick={() => void act('resolve')}
        >
          Resolve
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

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
