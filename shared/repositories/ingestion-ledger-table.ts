import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { IngestionLedger, LedgerEntry } from '../ingestion/ingestion-ports';
import { parseStoredItem, parseStoredItems } from './stored-item';

/** Name of the sparse index that lists the unknown-event counters. */
export const LEDGER_KIND_INDEX = 'byKind';
const UNKNOWN_KIND = 'unknown-event-type';

/** One counter of events ingestion has no adapter or contract for. */
export interface UnknownEventCounter {
  readonly source: string;
  readonly detailType: string;
  readonly eventCount: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly lastEventId: string;
}

const StoredLedgerEntry: z.ZodType<LedgerEntry> = z.object({
  dedupeKey: z.string(),
  outcome: z.enum(['started', 'already-started', 'ignored', 'rejected', 'unknown']),
  reason: z.string().optional(),
  eventId: z.string(),
  executionArn: z.string().optional(),
  rejectionId: z.string().optional(),
});

const StoredUnknownEventCounter: z.ZodType<UnknownEventCounter> = z.object({
  source: z.string(),
  detailType: z.string(),
  eventCount: z.number(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  lastEventId: z.string(),
});

/**
 * The ingestion ledger table. Processed changes live under `change#<dedupeKey>`; counters
 * of unknown sources and detail-types under `unknown#<source>#<detail-type>`, and only those
 * carry `kind`, so the `byKind` index lists the counters without a scan.
 */
export class IngestionLedgerTable implements IngestionLedger {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(dedupeKey: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { ledgerKey: `change#${dedupeKey}` } }),
    );
    return Item === undefined ? undefined : parseStoredItem(StoredLedgerEntry, Item, 'ledger entry');
  }

  async remember(entry: LedgerEntry): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { ledgerKey: `change#${entry.dedupeKey}`, ...entry } }),
    );
  }

  async countUnknown(source: string, detailType: string, eventId: string, at: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { ledgerKey: `unknown#${source}#${detailType}` },
        UpdateExpression:
          'SET #kind = :kind, #source = :source, detailType = :detailType, firstSeenAt = if_not_exists(firstSeenAt, :at), lastSeenAt = :at, lastEventId = :eventId ADD eventCount :one',
        ExpressionAttributeNames: { '#kind': 'kind', '#source': 'source' },
        ExpressionAttributeValues: {
          ':kind': UNKNOWN_KIND,
          ':source': source,
          ':detailType': detailType,
          ':at': at,
          ':eventId': eventId,
          ':one': 1,
        },
      }),
    );
  }

  /** Every unknown source and detail-type seen, with how many events each had. */
  async listUnknown(): Promise<UnknownEventCounter[]> {
    const counters: UnknownEventCounter[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: LEDGER_KIND_INDEX,
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':kind': UNKNOWN_KIND },
          ExclusiveStartKey: startKey,
        }),
      );
      counters.push(...parseStoredItems(StoredUnknownEventCounter, page.Items, 'unknown-event counter'));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counters;
  }
}
