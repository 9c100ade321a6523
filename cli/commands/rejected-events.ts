import { putEnvelopes } from './bus-events';
import { RejectedEventsTable, type RejectedEvent, type RejectedEventStatus } from '../../shared/repositories/rejected-events-table';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { renderTable } from '../table-output';

const STATUSES: readonly RejectedEventStatus[] = ['open', 'replayed', 'resolved'];

function table(context: CliContext): RejectedEventsTable {
  return new RejectedEventsTable(context.documents, context.tableName('rejected-events'));
}

async function load(context: CliContext, rejectionId: string | undefined): Promise<RejectedEvent> {
  if (!rejectionId) throw new CliError('name the rejected event: psflow rejected <command> <rejection-id>');
  const item = await table(context).get(rejectionId);
  if (!item) throw new CliError(`no rejected event ${rejectionId} in stage ${context.options.stage}; list them with: psflow rejected list`);
  return item;
}

/** `psflow rejected list`: open (or other status) rejected events, oldest first. */
export async function listRejected(context: CliContext, status: string, limit: number): Promise<void> {
  if (!STATUSES.includes(status as RejectedEventStatus)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}, not ${JSON.stringify(status)}`);
  const items = await table(context).list(status as RejectedEventStatus, limit);
  if (context.options.json) return context.printJson(items.map(({ rawEvent: _raw, ...summary }) => summary));
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
export async function replayRejected(context: CliContext, rejectionId: string | undefined, note: string | undefined): Promise<void> {
  const item = await load(context, rejectionId);
  if (item.rawEventTruncated) throw new CliError(`${item.rejectionId} holds only the first part of a ${item.rawEventBytes}-byte event; fix it at the source and resolve this item`);
  const envelope = parseEnvelope(item.rawEvent);
  if (!envelope) throw new CliError(`${item.rejectionId} is not an EventBridge event (${item.reason}); it cannot be replayed, only resolved`);
  // Partner events go back through their partner bus, as an archive replay would deliver them.
  const Entries = await putEnvelopes(context, [{ Source: envelope.source, DetailType: envelope.detailType, Detail: JSON.stringify(envelope.detail) }]);
  if (Entries[0]?.ErrorCode) throw new CliError(`the bus refused the event: ${Entries[0]?.ErrorCode} ${Entries[0]?.ErrorMessage}`);
  await table(context).markActed(item.rejectionId, 'replayed', context.options.as, note ?? 'replayed', new Date().toISOString());
  if (context.options.json) return context.printJson({ rejectionId: item.rejectionId, status: 'replayed', eventId: Entries[0]?.EventId });
  context.print(`replayed ${item.rejectionId} as event ${Entries[0]?.EventId}. If it is rejected again, it reopens.`);
}

/** `psflow rejected resolve`: closes a rejected event that needs nothing more, with the reason why. */
export async function resolveRejected(context: CliContext, rejectionId: string | undefined, note: string | undefined): Promise<void> {
  if (!note?.trim()) throw new CliError('say why with --note "..."; the note is kept with the item');
  const item = await load(context, rejectionId);
  await table(context).markActed(item.rejectionId, 'resolved', context.options.as, note, new Date().toISOString());
  if (context.options.json) return context.printJson({ rejectionId: item.rejectionId, status: 'resolved' });
  context.print(`resolved ${item.rejectionId}`);
}

function parseEnvelope(raw: string): { source: string; detailType: string; detail: object } | undefined {
  try {
    const event = JSON.parse(raw) as Record<string, unknown>;
    const { source, detail } = event;
    const detailType = event['detail-type'];
    if (typeof source !== 'string' || typeof detailType !== 'string' || typeof detail !== 'object' || detail === null) return undefined;
    return { source, detailType, detail };
  } catch {
    return undefined;
  }
}

function prettyJson(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
