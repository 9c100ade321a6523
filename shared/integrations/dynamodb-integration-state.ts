import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { isConditionFailure } from '../repositories/condition-failure';
import type { ApiState, ApiWindowStats, IntegrationStateStore } from './integration-state';

/** Sort key of an API's state record; statistics windows sort after it as `stats#<epoch ms, 15 digits>`. */
const STATE_RECORD = 'state';
const statsRecord = (windowStart: number): string => `stats#${String(windowStart).padStart(15, '0')}`;

/** Statistics windows expire after a day (TTL in AWS; the local cloud keeps them, which is harmless). */
const STATS_TTL_SECONDS = 24 * 3600;

const StoredState = z.object({
  apiId: z.string(),
  tokens: z.number(),
  refilledAt: z.number(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  consecutiveFailures: z.number().int(),
  openUntil: z.number(),
  version: z.number().int(),
});

const StoredStats = z.object({
  apiId: z.string(),
  windowStart: z.number(),
  calls: z.number().default(0),
  errors: z.number().default(0),
  throttles: z.number().default(0),
  latencyTotalMs: z.number().default(0),
});

/**
 * The integration state table, `psflow-<stage>-integration-state`: partition `apiId`, sort
 * `record`. Every function calling an API shares its one state item, written only with a
 * condition on `version` (optimistic concurrency; dynalite has no transactions and none are
 * needed). Statistics are counters added with ADD, one item per API and five-minute window,
 * read with one Query.
 */
export class DynamoDbIntegrationState implements IntegrationStateStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(apiId: string): Promise<ApiState | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { apiId, record: STATE_RECORD }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : StoredState.parse(Item);
  }

  async put(next: ApiState, expectedVersion: number): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...next, record: STATE_RECORD },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(apiId)' : '#version = :expected',
          ...(expectedVersion === 0
            ? {}
            : {
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async addStats(
    apiId: string,
    windowStart: number,
    outcome: { error: boolean; throttled: boolean; latencyMs: number },
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { apiId, record: statsRecord(windowStart) },
        UpdateExpression:
          'SET windowStart = :start, expiresAt = :expires ADD calls :one, errors :error, throttles :throttled, latencyTotalMs :latency',
        ExpressionAttributeValues: {
          ':start': windowStart,
          ':expires': Math.floor(windowStart / 1000) + STATS_TTL_SECONDS,
          ':one': 1,
          ':error': outcome.error ? 1 : 0,
          ':throttled': outcome.throttled ? 1 : 0,
          ':latency': outcome.latencyMs,
        },
      }),
    );
  }

  async recentStats(apiId: string, since: number): Promise<ApiWindowStats[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'apiId = :api AND #record BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#record': 'record' },
        ExpressionAttributeValues: { ':api': apiId, ':from': statsRecord(since), ':to': 'stats#~' },
      }),
    );
    return (Items ?? []).map((item) => StoredStats.parse(item));
  }
}

/** Delivery ids of inbound webhooks, kept beside the API's state (`delivery#<id>`), expiring after a day. */
export class DynamoDbDeliveryLedger {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async remember(apiId: string, deliveryId: string, now: number): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            apiId,
            record: `delivery#${deliveryId}`,
            receivedAt: now,
            expiresAt: Math.floor(now / 1000) + STATS_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(apiId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async forget(apiId: string, deliveryId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { apiId, record: `delivery#${deliveryId}` } }),
    );
  }
}
