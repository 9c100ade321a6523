import type { RejectedEvent, RejectedEventStatus } from '../../shared/repositories/rejected-events-table';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

/*
 * Every command goes through the operations API, never to the table directly: the API checks
 * who the caller is (integration-ops acts, only people in the directory read) and audits each action.
 */

const STATUSES: readonly RejectedEventStatus[] = ['open', 'replayed', 'resolved'];

function requireId(rejectionId: string | undefined, command: string): string {
  if (!rejectionId) throw new CliError(`name the rejected event: psflow rejected ${command} <rejection-id>`);
  return rejectionId;
}

async function load(context: CliContext, rejectionId: string | undefined): Promise<RejectedEvent> {
  return callApi<RejectedEvent>(
    context,
    'GET',
    `/rejected-events/${encodeURIComponent(requireId(rejectionId, 'show'))}`,
  );
}

/** `psflow rejected list`: open (or other status) rejected events, oldest first. */
export async function listRejected(context: CliContext, status: string, limit: number): Promise<void> {
  if (!STATUSES.includes(status as RejectedEventStatus))
    throw new CliError(`--status must be one of ${STATUSES.join(', ')}, not ${JSON.stringify(status)}`);
  const items = await callApi<Array<Omit<RejectedEvent, 'rawEvent'>>>(
    context,
    'GET',
    `/rejected-events?status=${encodeURIComponent(status)}&limit=${limit}`,
  );
  if (context.options.json) return context.printJson(items);
  if (items.length === 0) return context.print(`no ${status} rejected events`);
  context.print(
    renderTable(
      ['ID', 'RECEIVED', 'REASON', 'SOURCE', 'RECORD', 'SEEN', 'FIRST ISSUE'],
      items.map((item) => [
        item.rejectionId,
        item.receivedAt,
        item.reason,
        item.source,
        item.recordId ?? '-',
        String(item.occurrences),
        item.issues[0] ? `${item.issues[0].path}: ${item.issues[0].message}` : item.message,
      ]),
    ),
  );
  context.print(`\n${items.length} ${status}. Details: psflow rejected show <ID>`);
}

/** `psflow rejected show`: everything about one rejected event, including the raw event. */
export async function showRejected(context: CliContext, rejectionId: string | undefined): Promise<void> {
  const item = await load(context, rejectionId);
  if (context.options.json) return context.printJson(item);
  const lines = [
    `${item.rejectionId}  ${item.status.toUpperCase()}  ${item.reason}`,
    item.message,
    '',
    `source       ${item.source}`,
    `detail-type  ${item.detailType}`,
    `event id     ${item.eventId}`,
    `record       ${item.recordId ?? '-'}`,
    `received     ${item.receivedAt} (seen ${item.occurrences} time(s), last ${item.lastSeenAt})`,
    ...(item.actedBy ? [`acted        ${item.status} by ${item.actedBy} at ${item.actedAt}: ${item.note}`] : []),
    '',
    'issues:',
    ...item.issues.map((issue) => `  ${issue.path}  ${issue.message}`),
    '',
    `raw event (${item.rawEventBytes} bytes${item.rawEventTruncated ? ', truncated' : ''}):`,
    prettyJson(item.rawEvent),
  ];
  context.print(lines.join('\n'));
}

/** `psflow rejected replay`: puts the raw event on the bus again, after the cause was fixed. */
export async function replayRejected(
  context: CliContext,
  rejectionId: string | undefined,
  note: string | undefined,
): Promise<void> {
  const id = requireId(rejectionId, 'replay');
  const acted = await callApi<{ rejectionId: string; status: string; eventId?: string }>(
    context,
    'POST',
    `/rejected-events/${encodeURIComponent(id)}/replay`,
    note === undefined ? {} : { note },
  );
  if (context.options.json) return context.printJson(acted);
  context.print(`replayed ${acted.rejectionId} as event ${acted.eventId}. If it is rejected again, it reopens.`);
}

/** `psflow rejected resolve`: closes a rejected event that needs nothing more, with the reason why. */
export async function resolveRejected(
  context: CliContext,
  rejectionId: string | undefined,
  note: string | undefined,
): Promise<void> {
  if (!note?.trim()) throw new CliError('say why with --note "..."; the note is kept with the item');
  const id = requireId(rejectionId, 'resolve');
  const acted = await callApi<{ rejectionId: string; status: string }>(
    context,
    'POST',
    `/rejected-events/${encodeURIComponent(id)}/resolve`,
    { note },
  );
  if (context.options.json) return context.printJson(acted);
  context.print(`resolved ${acted.rejectionId}`);
}

function prettyJson(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
