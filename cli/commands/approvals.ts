import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

interface TaskView {
  readonly taskId: string;
  readonly workflow: string;
  readonly executionArn: string;
  readonly level: number;
  readonly levelCount: number;
  readonly assigneeRole: string;
  /** Why the task went past its level's role when it opened. */
  readonly routing?: string[];
  readonly status: string;
  readonly dueAt: string;
  readonly breaches: number;
  readonly requestedBy: string;
  readonly subject: {
    title: string;
    amount: { amountMinor: number; currency: string };
    region: string;
    practice: string;
    clientName?: string;
    reasons: string[];
  };
  readonly decision?: { outcome: string; decidedBy: string; onBehalfOf?: string; comment: string; decidedAt: string };
}

function money(amount: { amountMinor: number; currency: string }): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: amount.currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return `${(amount.amountMinor / 10 ** digits).toLocaleString('en', { minimumFractionDigits: digits })} ${amount.currency}`;
}

/** `psflow approvals list`: open approvals for the caller's roles (or one role), soonest due first. */
export async function listApprovals(context: CliContext, role: string | undefined): Promise<void> {
  const tasks = await callApi<TaskView[]>(context, 'GET', `/tasks${role ? `?role=${encodeURIComponent(role)}` : ''}`);
  if (context.options.json) return context.printJson(tasks);
  if (tasks.length === 0) return context.print(`no open approvals for ${role ?? context.options.as}`);
  const now = Date.now();
  context.print(
    renderTable(
      ['TASK', 'WORKFLOW', 'LEVEL', 'ROLE', 'SUBJECT', 'AMOUNT', 'DUE', 'REQUESTED BY'],
      tasks.map((task) => [
        task.taskId,
        task.workflow,
        `${task.level}/${task.levelCount}`,
        task.assigneeRole,
        task.subject.title,
        money(task.subject.amount),
        `${task.dueAt}${Date.parse(task.dueAt) < now ? ' OVERDUE' : ''}`,
        task.requestedBy,
      ]),
    ),
  );
  context.print(`\nDecide: psflow approvals approve|reject <TASK> --as ${context.options.as} [--comment TEXT]`);
}

/** `psflow approvals show`: the task, why it exists, and its audit trail. */
export async function showApproval(context: CliContext, taskId: string | undefined): Promise<void> {
  if (!taskId) throw new CliError('name the task: psflow approvals show <TASK>');
  const task = await callApi<TaskView>(context, 'GET', `/tasks/${encodeURIComponent(taskId)}`);
  const audit = await callApi<Array<{ at: string; actor: string; action: string; why: string }>>(
    context,
    'GET',
    `/audit/task/${encodeURIComponent(taskId)}`,
  );
  if (context.options.json) return context.printJson({ ...task, audit });
  context.print(
    [
      `${task.taskId}  ${task.status.toUpperCase()}  level ${task.level} of ${task.levelCount}, role ${task.assigneeRole}`,
      `${task.subject.title}: ${money(task.subject.amount)}, ${task.subject.region}, ${task.subject.practice}${task.subject.clientName ? `, client ${task.subject.clientName}` : ''}`,
      `requested by ${task.requestedBy}; due ${task.dueAt}${task.breaches ? ` (SLA breached ${task.breaches} time(s))` : ''}`,
      'why:',
      ...task.subject.reasons.map((reason) => `  - ${reason}`),
      ...(task.routing?.length ? ['routed:', ...task.routing.map((note) => `  - ${note}`)] : []),
      ...(task.decision
        ? [
            `decision: ${task.decision.outcome} by ${task.decision.decidedBy}${task.decision.onBehalfOf ? ` for ${task.decision.onBehalfOf}` : ''} at ${task.decision.decidedAt}: ${task.decision.comment}`,
          ]
        : []),
      `execution: ${task.executionArn}`,
      'audit:',
      ...(audit.length
        ? audit.map((entry) => `  ${entry.at}  ${entry.actor}  ${entry.action}  ${entry.why}`)
        : ['  (none yet)']),
    ].join('\n'),
  );
}

/** `psflow approvals approve|reject`. */
export async function decideApproval(
  context: CliContext,
  taskId: string | undefined,
  decision: 'approve' | 'reject',
  comment: string | undefined,
): Promise<void> {
  if (!taskId) throw new CliError(`name the task: psflow approvals ${decision} <TASK>`);
  if (decision === 'reject' && !comment?.trim())
    throw new CliError('say why with --comment "..."; the requester sees it');
  const result = await callApi<{ repeated: boolean; task: TaskView }>(
    context,
    'POST',
    `/tasks/${encodeURIComponent(taskId)}/decision`,
    { decision, comment: comment ?? '' },
  );
  if (context.options.json) return context.printJson(result);
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  context.print(
    result.repeated
      ? `${taskId} was already ${verb} by you; nothing changed`
      : `${verb} ${taskId} (level ${result.task.level} of ${result.task.levelCount}); the workflow continues`,
  );
}

/** `psflow approvals delegate`: hand one role's decisions to a colleague with the same role for a window. */
export async function delegateApprovals(
  context: CliContext,
  to: string | undefined,
  role: string | undefined,
  from: string | undefined,
  until: string | undefined,
): Promise<void> {
  if (!to || !role || !until)
    throw new CliError('psflow approvals delegate --to USER --role ROLE --until ISO-TIME [--from ISO-TIME]');
  const delegation = await callApi<{ delegationId: string; from: string; until: string }>(
    context,
    'POST',
    '/delegations',
    { delegate: to, role, from: from ?? new Date().toISOString(), until },
  );
  if (context.options.json) return context.printJson(delegation);
  context.print(
    `${to} may decide ${role} tasks for ${context.options.as} from ${delegation.from} until ${delegation.until} (delegation ${delegation.delegationId})`,
  );
}
