import { useState, type FormEvent } from 'react';
import { formatMoney } from '../../../shared/model/primitives';
import type { PublicTask } from '../../../shared/operations-api/operations-schemas';
import { describeError, Empty, ErrorState, Loading, Notice, useLoad } from '../components/states';
import { useSession } from '../session';
import { formatTime } from './executions';

type NoticeValue = { kind: 'ok' | 'error'; text: string };

/** Approvals inbox: what I may decide now, with the reasons; decide with a comment; delegate a role. */
export function ApprovalsPage() {
  const { client, userId } = useSession();
  const tasks = useLoad(() => client.tasks(), [client]);
  const [notice, setNotice] = useState<NoticeValue | undefined>();
  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals inbox</h1>
      <p className="lead">Open approvals {userId} may decide now, by their own roles or by a delegation in force.</p>
      <Notice notice={notice} />
      {tasks.loading && !tasks.data ? <Loading what="your approvals" /> : null}
      {tasks.error ? <ErrorState error={tasks.error} onRetry={tasks.reload} /> : null}
      {tasks.data && tasks.data.length === 0 ? (
        <Empty title="Nothing to decide">
          No open approval waits for {userId}. New requests appear here when a workflow routes one to your role.
        </Empty>
      ) : null}
      {tasks.data && tasks.data.length > 0 ? (
        <ul className="cards" aria-label="Open approvals">
          {tasks.data.map((task) => (
            <TaskCard
              key={task.taskId}
              task={task}
              onDecided={(text) => {
                setNotice({ kind: 'ok', text });
                tasks.reload();
              }}
            />
          ))}
        </ul>
      ) : null}
      <DelegateForm onDone={setNotice} />
    </section>
  );
}

function TaskCard({ task, onDecided }: { task: PublicTask; onDecided: (text: string) => void }) {
  const { client } = useSession();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const amount = formatMoney(task.subject.amount.amountMinor, task.subject.amount.currency);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await client.decide(task.taskId, { decision, comment });
      onDecided(
        `${decision === 'approve' ? 'Approved' : 'Rejected'}: ${task.subject.title}${result.repeated ? ' (already decided so)' : ''}`,
      );
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  const commentId = `comment-${task.taskId}`;
  return (
    <li className="card" data-task-id={task.taskId}>
      <h2>{task.subject.title}</h2>
      <dl className="facts">
        <dt>Client</dt>
        <dd>{task.subject.clientName ?? task.subject.clientId?.id ?? 'unknown'}</dd>
        <dt>Amount</dt>
        <dd>{amount}</dd>
        <dt>Region, practice</dt>
        <dd>
          {task.subject.region}, {task.subject.practice}
        </dd>
        <dt>Level</dt>
        <dd>
          {task.level} of {task.levelCount}, for {task.assigneeRole}
        </dd>
        <dt>Requested by</dt>
        <dd>{task.requestedBy}</dd>
        <dt>Due</dt>
        <dd>
          {formatTime(task.dueAt)}
          {task.breaches > 0 ? ` (SLA breached ${task.breaches}×)` : ''}
        </dd>
      </dl>
      <h3>Why you are asked</h3>
      <ul className="reasons">
        {[...new Set([task.policy.reason, ...task.subject.reasons, ...(task.routing ?? [])])].map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <label htmlFor={commentId}>Comment</label>
      <textarea
        id={commentId}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
        rows={2}
        maxLength={2000}
      />
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
          Approve <span className="visually-hidden">{task.subject.title}</span>
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide('reject')}>
          Reject <span className="visually-hidden">{task.subject.title}</span>
        </button>
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  );
}

function DelegateForm({ onDone }: { onDone: (notice: NoticeValue) => void }) {
  const { client } = useSession();
  const me = useLoad(() => client.me(), [client]);
  const users = useLoad(() => client.users(), [client]);
  const [delegate, setDelegate] = useState('');
  const [role, setRole] = useState('');
  const [until, setUntil] = useState(() => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10));
  const roles = [...new Set((me.data?.grants ?? []).map((grant) => grant.role))];
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await client.delegate({
        delegate,
        role: role || roles[0] || '',
        from: new Date().toISOString(),
        until: new Date(`${until}T23:59:59Z`).toISOString(),
      });
      onDone({ kind: 'ok', text: `Delegated ${role || roles[0]} to ${delegate} until ${until}` });
    } catch (error) {
      onDone({ kind: 'error', text: describeError(error) });
    }
  };
  if (me.loading || users.loading) return <Loading what="delegation options" />;
  if (me.error || users.error) return <ErrorState error={me.error ?? users.error} onRetry={users.reload} />;
  if (roles.length === 0)
    return <Empty title="Nothing to delegate">You hold no role, so there is no decision to hand over.</Empty>;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="delegate-title">
      <h2 id="delegate-title">Delegate a role</h2>
      <p>Hand one role's decisions to a colleague who holds the same role, for at most 90 days.</p>
      <div className="toolbar">
        <label>
          Role
          <select value={role || roles[0]} onChange={(event) => setRole(event.target.value)}>
            {roles.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Delegate
          <select value={delegate} onChange={(event) => setDelegate(event.target.value)} required>
            <option value="">Choose a person</option>
            {(users.data ?? [])
              .filter((user) => user.userId !== me.data?.userId)
              .map((user) => (
                <option key={user.userId} value={user.userId}>
                  {user.name} ({user.userId})
                </option>
              ))}
          </select>
        </label>
        <label>
          Until
          <input type="date" value={until} onChange={(event) => setUntil(event.target.value)} required />
        </label>
        <button type="submit">Delegate</button>
      </div>
    </form>
  );
}
