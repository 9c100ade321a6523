import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RejectedEventInput, RejectedEventStore } from '../ingestion/ingestion-ports';
import type { RejectionIssue } from '../ingestion/ingestion-outcomes';
import * as z from 'zod';
import { parseStoredItem, parseStoredItems } from './stored-item';

/** Index of rejected events by status, newest last. */
export const REJECTED_STATUS_INDEX = 'byStatus';
/** DynamoDB items stop at 400 KB; the raw event gets at most this much of it. */
const MAX_RAW_BYTES = 256 * 1024;
const MAX_ISSUES = 50;
const MAX_ISSUE_TEXT = 1_000;

/** Life cycle of a rejected event. */
export type RejectedEventStatus = 'open' | 'replayed' | 'resolved';

/** A rejected event as an operator lists it. */
export interface RejectedEvent {
  readonly rejectionId: string;
  /** `open` until an operator acts; a rejection seen again reopens. */
  readonly status: RejectedEventStatus;
  readonly reason: string;
  readonly message: string;
  readonly issues: readonly RejectionIssue[];
  readonly source: string;
  readonly detailType: string;
  readonly eventId: string;
  readonly recordId?: string;
  readonly dedupeKey?: string;
  readonly receivedAt: string;
  readonly lastSeenAt: string;
  readonly occurrences: number;
  readonly rawEvent: string;
  readonly rawEventBytes: number;
  readonly rawEventTruncated: boolean;
  readonly actedBy?: string;
  readonly actedAt?: string;
  readonly note?: string;
}

const StoredRejectedEvent: z.ZodType<RejectedEvent> = z.object({
  rejectionId: z.string(),
  status: z.enum(['open', 'replayed', 'resolved']),
  reason: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  source: z.string(),
  detailType: z.string(),
  eventId: z.string(),
  recordId: z.string().optional(),
  dedupeKey: z.string().optional(),
  receivedAt: z.string(),
  lastSeenAt: z.string(),
  occurrences: z.number(),
  rawEvent: z.string(),
  rawEventBytes: z.number(),
  rawEventTruncated: z.boolean(),
  actedBy: z.string().optional(),
  actedAt: z.string().optional(),
  note: z.string().optional(),
});

/**
 * The rejected-events table: every event ingestion could not accept, with the reason, the
 * offending JSON paths, the raw event and its source. The same rejection seen again (a
 * redelivery, a replay, the same bad event put twice) counts an occurrence on one item.
 * The human-tasks exception queue can absorb these items later.
 */
export class RejectedEventsTable implements RejectedEventStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hold(rejection: RejectedEventInput): Promise<string> {
    const rawBytes = Buffer.byteLength(rejection.rawEvent, 'utf8');
    const truncated = rawBytes > MAX_RAW_BYTES;
    const rawEvent = truncated
      ? Buffer.from(rejection.rawEvent, 'utf8').subarray(0, MAX_RAW_BYTES).toString('utf8')
      : rejection.rawEvent;
    const issues = rejection.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.slice(0, MAX_ISSUE_TEXT),
      message: issue.message.slice(0, MAX_ISSUE_TEXT),
    }));
    if (rejection.issues.length > MAX_ISSUES)
      issues.push({ path: '$', message: `${rejection.issues.length - MAX_ISSUES} more issues not listed` });
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { rejectionId: rejection.fingerprint },
        UpdateExpression:
          [
            'SET #status = :open, reason = :reason, message = :message, issues = :issues',
            '#source = :source, detailType = :detailType, eventId = if_not_exists(eventId, :eventId)',
            'recordId = :recordId, dedupeKey = :dedupeKey, receivedAt = if_not_exists(receivedAt, :at), lastSeenAt = :at',
            'rawEvent = if_not_exists(rawEvent, :raw), rawEventBytes = if_not_exists(rawEventBytes, :rawBytes), rawEventTruncated = if_not_exists(rawEventTruncated, :truncated)',
          ].join(', ') + ' ADD occurrences :one',
        ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
        ExpressionAttributeValues: {
          ':open': 'open',
          ':reason': rejection.reason,
          ':message': rejection.message.slice(0, MAX_ISSUE_TEXT),
          ':issues': issues,
          ':source': rejection.source,
          ':detailType': rejection.detailType,
          ':eventId': rejection.eventId,
          ':recordId': rejection.recordId ?? null,
          ':dedupeKey': rejection.dedupeKey ?? null,
          ':at': rejection.receivedAt,
          ':raw': rawEvent,
          ':rawBytes': rawBytes,
          ':truncated': truncated,
          ':one': 1,
        },
      }),
    );
    return rejection.fingerprint;
  }

  /** One rejected event, if it exists. */
  async get(rejectionId: string): Promise<RejectedEvent | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { rejectionId } }));
    return Item === undefined ? undefined : parseStoredItem(StoredRejectedEvent, Item, 'rejected event');
  }

  /**
   * Records an operator's action on a rejected event: `replayed` after the event was put
   * on the bus again, `resolved` when nothing more is to be done. Fails for an unknown id.
   */
  async markActed(
    rejectionId: string,
    status: Exclude<RejectedEventStatus, 'open'>,
    actedBy: string,
    note: string,
    at: string,
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { rejectionId },
        UpdateExpression: 'SET #status = :status, actedBy = :by, actedAt = :at, note = :note',
        ConditionExpression: 'attribute_exists(rejectionId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':by': actedBy, ':at': at, ':note': note },
      }),
    );
  }

  /** Rejected events with a status, oldest first. */
  async list(status: RejectedEventStatus = 'open', limit = 100): Promise<RejectedEvent[]> {
    const items: RejectedEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: REJECTED_STATUS_INDEX,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
          ExclusiveStartKey: startKey,
          Limit: limit - items.length,
        }),
      );
      items.push(...parseStoredItems(StoredRejectedEvent, page.Items, 'rejected event'));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}
