import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { PermanentConnectorError, RetryableConnectorError } from '../connector-errors';
import { IDEMPOTENCY_CONFLICT, payloadFingerprint } from '../idempotency';
import { isRetryableAwsError } from './aws-errors';
import { faultsFor, rollFault, SystemFaults, type FaultOutcome } from './sandbox-faults';
import { isConditionFailure } from '../../repositories/condition-failure';
import { parseStoredItem, parseStoredItems } from '../../repositories/stored-item';
import { messageOf } from '../../errors/error-message';
import * as z from 'zod';

/** Index listing a system's records of one type, oldest first: `psflow sandbox list erp project`. */
export const SANDBOX_BY_TYPE_INDEX = 'byType';
/** Index of the records kept for one psflow project, across systems, for compensation. */
export const SANDBOX_BY_REFERENCE_INDEX = 'byReference';

/** A record in a sandbox system. */
export interface SandboxRecord {
  readonly recordKey: string;
  readonly systemType: string;
  readonly id: string;
  readonly createdAt: string;
  readonly idempotencyKey?: string;
  readonly fingerprint?: string;
  readonly [field: string]: unknown;
}

const StoredSandboxRecord: z.ZodType<SandboxRecord> = z
  .object({
    recordKey: z.string(),
    systemType: z.string(),
    id: z.string(),
    createdAt: z.string(),
    idempotencyKey: z.string().optional(),
    fingerprint: z.string().optional(),
  })
  .catchall(z.unknown());

/** How long fault settings are cached in a function; short, so a test's change applies quickly. */
const FAULT_CACHE_MS = 500;

/** What {@link SandboxRecordStore.create} writes, and as which system call. */
export interface SandboxCreateRequest {
  /** The sandbox system (`erp`, `psa`, `documents`), for faults, errors and the record key. */
  readonly system: string;
  /** The connector operation, for fault injection and error messages. */
  readonly operation: string;
  /** The record type within the system (`project`, `budget`, ...). */
  readonly type: string;
  /** Prefix of the record's id (`ERP`, `PSA`, ...). */
  readonly idPrefix: string;
  readonly idempotencyKey: string;
  readonly payload: Record<string, unknown>;
  readonly now: Date;
  /** The psflow project the record belongs to, so compensation finds it. */
  readonly reference?: string;
}

/**
 * The storage every sandbox system of record shares: one DynamoDB table, one item per record.
 * A create is one conditional write keyed by an id derived from the idempotency key, so a
 * repeated write costs one write and answers with the first result, and a different payload
 * under the same key is refused. Faults configured for the system are applied to each call.
 */
export class SandboxRecordStore {
  private readonly faultCache = new Map<string, { at: number; faults: SystemFaults | undefined }>();

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly random: () => number = Math.random,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** The id a record created under an idempotency key gets: stable, so retries find it. */
  static idFor(prefix: string, idempotencyKey: string): string {
    return `${prefix}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16).toUpperCase()}`;
  }

  /** Creates a record once per idempotency key; returns the stored record (the first one for a repeat). */
  async create(request: SandboxCreateRequest): Promise<SandboxRecord> {
    const { system, operation, type, idPrefix, idempotencyKey, payload, now, reference } = request;
    const outcome = await this.beforeCall(system, operation);
    const id = SandboxRecordStore.idFor(idPrefix, idempotencyKey);
    const fingerprint = payloadFingerprint(payload);
    const record: SandboxRecord = {
      recordKey: `${system}#${type}#${id}`,
      systemType: `${system}#${type}`,
      id,
      createdAt: now.toISOString(),
      idempotencyKey,
      fingerprint,
      ...(reference ? { reference } : {}),
      ...payload,
    };
    let stored: SandboxRecord = record;
    try {
      await this.call(system, operation, () =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_not_exists(recordKey)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.call(system, operation, () => this.get(record.recordKey));
      if (!existing) throw new RetryableConnectorError(system, operation, 'the record vanished between write and read');
      if (existing.fingerprint !== fingerprint) {
        throw new PermanentConnectorError(
          system,
          operation,
          `${IDEMPOTENCY_CONFLICT}: key ${idempotencyKey} was first used for a different ${type}`,
        );
      }
      stored = existing;
    }
    this.afterWrite(system, operation, outcome);
    return stored;
  }

  /**
   * Sets fields of an existing record (status changes such as close or void). Fields in
   * `firstOnly` (when and why) keep their first value, so a repeated close changes nothing.
   */
  async update(
    system: string,
    operation: string,
    recordKey: string,
    fields: Record<string, unknown>,
    firstOnly: readonly string[] = [],
  ): Promise<SandboxRecord> {
    const outcome = await this.beforeCall(system, operation);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(fields).map(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:v${index}`] = value;
      return firstOnly.includes(field)
        ? `#f${index} = if_not_exists(#f${index}, :v${index})`
        : `#f${index} = :v${index}`;
    });
    try {
      await this.call(system, operation, () =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { recordKey },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(recordKey)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new PermanentConnectorError(system, operation, `no record ${recordKey}`);
      throw error;
    }
    this.afterWrite(system, operation, outcome);
    const updated = await this.call(system, operation, () => this.get(recordKey));
    // Deleted between the conditional update and the read: the caller's record is gone.
    if (!updated) throw new PermanentConnectorError(system, operation, `no record ${recordKey}`);
    return updated;
  }

  async get(recordKey: string): Promise<SandboxRecord | undefined> {
    const item = await this.getItem(recordKey);
    return item === undefined ? undefined : parseStoredItem(StoredSandboxRecord, item, 'sandbox record');
  }

  /** The raw item: a record, or the fault settings of a system, which share the table. */
  private async getItem(recordKey: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { recordKey }, ConsistentRead: true }),
    );
    return Item;
  }

  /** Records of one system and type, oldest first. */
  async list(system: string, type: string, limit = 1000): Promise<SandboxRecord[]> {
    const records: SandboxRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: SANDBOX_BY_TYPE_INDEX,
          KeyConditionExpression: 'systemType = :type',
          ExpressionAttributeValues: { ':type': `${system}#${type}` },
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...parseStoredItems(StoredSandboxRecord, page.Items, 'sandbox record'));
      startKey = page.LastEvaluatedKey;
    } while (startKey && records.length < limit);
    return records.slice(0, limit);
  }

  /** Records one system holds for a psflow project (its external reference), oldest first. */
  async listByReference(system: string, reference: string): Promise<SandboxRecord[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SANDBOX_BY_REFERENCE_INDEX,
        KeyConditionExpression: '#reference = :reference',
        ExpressionAttributeNames: { '#reference': 'reference' },
        ExpressionAttributeValues: { ':reference': reference },
      }),
    );
    return parseStoredItems(StoredSandboxRecord, Items, 'sandbox record')
      .filter((record) => record.recordKey.startsWith(`${system}#`))
      .sort((left, right) => left.createdAt.localeCompare(right.createdAt));
  }

  /** Sets (or with `undefined`, clears) the faults of one system. */
  async setFaults(system: string, faults: SystemFaults | undefined): Promise<void> {
    const parsed = faults === undefined ? {} : SystemFaults.parse(faults);
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { recordKey: `faults#${system}`, faults: parsed } }),
    );
    this.faultCache.delete(system);
  }

  async getFaults(system: string): Promise<SystemFaults | undefined> {
    const cached = this.faultCache.get(system);
    if (cached && Date.now() - cached.at < FAULT_CACHE_MS) return cached.faults;
    const item = await this.call(system, 'readFaultSettings', () => this.getItem(`faults#${system}`));
    const faults = item?.faults === undefined ? undefined : SystemFaults.parse(item.faults);
    this.faultCache.set(system, { at: Date.now(), faults });
    return faults;
  }

  private async beforeCall(system: string, operation: string): Promise<FaultOutcome> {
    const faults = faultsFor(await this.getFaults(system), operation);
    if (faults?.latencyMs) await this.sleep(faults.latencyMs);
    const outcome = rollFault(faults, this.random);
    if (outcome === 'throttle')
      throw new RetryableConnectorError(system, operation, '429 Too Many Requests (injected)');
    if (outcome === 'unavailable')
      throw new RetryableConnectorError(system, operation, '503 Service Unavailable (injected)');
    if (outcome === 'reject')
      throw new PermanentConnectorError(system, operation, 'validation rejected the request (injected)');
    return outcome;
  }

  private afterWrite(system: string, operation: string, outcome: FaultOutcome): void {
    // The write happened but the caller never hears: only its retry with the same key is safe.
    if (outcome === 'timeout-after-write')
      throw new RetryableConnectorError(system, operation, 'timed out waiting for the answer (injected)');
  }

  private async call<T>(system: string, operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isConditionFailure(error) && isRetryableAwsError(error)) {
        throw new RetryableConnectorError(system, operation, messageOf(error), { cause: error });
      }
      throw error;
    }
  }
}
