import type { AuditLog } from '../audit/audit-log';
import type { Directory } from '../directory/directory';
import { Role } from '../directory/roles';
import { TaskActionRefused } from '../human-tasks/human-task';
import type { RejectedEvent, RejectedEventStatus } from '../repositories/rejected-events-table';
import { isPlainObject } from '../model/plain-object';

/** The role that may replay or resolve what ingestion rejected. */
export const REJECTED_EVENTS_ROLE: Role = Role.enum['integration-ops'];

/** The rejected-events queue as the operations API uses it. */
export interface RejectedEventQueue {
  get(rejectionId: string): Promise<RejectedEvent | undefined>;
  list(status: RejectedEventStatus, limit: number): Promise<RejectedEvent[]>;
  markActed(
    rejectionId: string,
    status: Exclude<RejectedEventStatus, 'open'>,
    actedBy: string,
    note: string,
    at: string,
  ): Promise<void>;
}

/** An event as it was put on the bus, taken back out of a rejected raw event. */
export interface ReplayableEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: object;
}

/** Delivers a replayed event to ingestion again; answers its new id, or why it was refused. */
export interface EventReplayer {
  replay(event: ReplayableEvent): Promise<{ readonly eventId: string } | { readonly refused: string }>;
}

/** What acting on rejected events needs. */
export interface RejectedEventDependencies {
  readonly rejectedEvents: RejectedEventQueue;
  readonly replayer: EventReplayer;
  readonly directory: Directory;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/** An operator's action on a rejected event. */
export type RejectedEventAction =
  { readonly action: 'replay'; readonly note?: string } | { readonly action: 'resolve'; readonly note: string };

/** What acting answers. */
export interface RejectedEventActed {
  readonly rejectionId: string;
  readonly status: Exclude<RejectedEventStatus, 'open'>;
  readonly eventId?: string;
}

/**
 * Replays a rejected event (puts it on the bus again, after its cause was fixed) or resolves it
 * (closes it, saying why). Only a holder of integration-ops may act; the check sits here, behind
 * the API, so no client can skip it. Each action is audited like an exception action.
 */
export async function actOnRejectedEvent(
  rejectionId: string,
  actor: string,
  request: RejectedEventAction,
  deps: RejectedEventDependencies,
): Promise<RejectedEventActed> {
  const user = await deps.directory.find(actor);
  if (!user?.grants.some((grant) => grant.role === REJECTED_EVENTS_ROLE)) {
    throw new TaskActionRefused(
      'NotAuthorized',
      `${actor} may not act on rejected events: that needs the role ${REJECTED_EVENTS_ROLE}`,
    );
  }
  const item = await deps.rejectedEvents.get(rejectionId);
  if (!item) throw new TaskActionRefused('NotFound', `no rejected event ${rejectionId}`);
  const at = deps.now().toISOString();
  let status: RejectedEventActed['status'];
  let note: string;
  let eventId: string | undefined;
  if (request.action === 'resolve') {
    if (!request.note?.trim())
      throw new TaskActionRefused('InvalidRequest', 'say why with a note; the note is kept with the item');
    status = 'resolved';
    note = request.note;
  } else {
    if (item.rawEventTruncated)
      throw new TaskActionRefused(
        'InvalidRequest',
        `${rejectionId} holds only the first part of a ${item.rawEventBytes}-byte event; fix it at the source and resolve this item`,
      );
    const event = replayableEvent(item.rawEvent);
    if (!event)
      throw new TaskActionRefused(
        'InvalidRequest',
        `${rejectionId} is not an EventBridge event (${item.reason}); it cannot be replayed, only resolved`,
      );
    const replayed = await deps.replayer.replay(event);
    if ('refused' in replayed)
      throw new TaskActionRefused('InvalidRequest', `the bus refused the event: ${replayed.refused}`);
    status = 'replayed';
    note = request.note?.trim() ? request.note : 'replayed';
    eventId = replayed.eventId;
  }
  await deps.rejectedEvents.markActed(rejectionId, status, actor, note, at);
  await deps.audit.append({
    subjectType: 'rejected-event',
    subjectId: rejectionId,
    action: request.action,
    actor,
    at,
    why: note,
    details: { reason: item.reason, source: item.source, detailType: item.detailType, ...(eventId ? { eventId } : {}) },
  });
  return { rejectionId, status, ...(eventId ? { eventId } : {}) };
}

/** The envelope of a raw EventBridge event, or undefined when it is not one. */
export function replayableEvent(raw: string): ReplayableEvent | undefined {
  let event: unknown;
  try {
    event = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isPlainObject(event)) return undefined;
  const { source, detail, 'detail-type': detailType } = event;
  if (typeof source !== 'string' || typeof detailType !== 'string' || typeof detail !== 'object' || detail === null)
    return undefined;
  return { source, detailType, detail };
}
