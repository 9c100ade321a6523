import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../repositories/condition-failure';
import { bucketOf } from './latency-histogram';
import { ANY, isMeanOnly, trendFact, type KpiFact } from './kpi-facts';
import { coveringPeriods, periodOfKey, periodsOf } from './kpi-periods';
import type { DayAggregate, KpiAggregateStore, KpiDimensions, RejectedKpiEvent } from './kpi-store';

/** How long an unfinished application holds its event: longer than the aggregator's timeout. */
export const APPLY_LEASE_SECONDS = 120;

/** Event markers are kept this long: past EventBridge's retries and any archive replay we would run. */
const MARKER_RETENTION_SECONDS = 400 * 24 * 3600;

/**
 * The KPI table's TTL attribute (epoch seconds). Only event markers carry it, so DynamoDB
 * deletes them once no redelivery can come; aggregate and rejected items are kept.
 */
export const KPI_EXPIRY_ATTRIBUTE = 'expiresAt';

/** Attribute prefixes of an item: counter, histogram bucket, duration sum, duration count (mean-only), in-flight guard. */
const COUNTER = 'c|';
const BUCKET = 'h|';
const SUM = 's|';
const COUNT = 'n|';
const GUARD = 'g|';

/** BatchGetItem takes at most this many keys a request. */
const BATCH_GET_KEYS = 100;

/** The partition of the period items: one per workflow × region × practice, `*` where it rolls up. */
export function aggregateKey(dimensions: KpiDimensions): string {
  return `AGG#${dimensions.workflow}#${dimensions.region}#${dimensions.practice}`;
}

/** The partition of the daily trend items (a handful of attributes each, see `trendFact`). */
export function trendKey(dimensions: KpiDimensions): string {
  return `TREND#${dimensions.workflow}#${dimensions.region}#${dimensions.practice}`;
}

/**
 * The KPI table: period items (`pk` = {@link aggregateKey}, `sk` = the UTC day, `W#<Monday>`
 * or `M#YYYY-MM`, see kpi-periods.ts), daily trend items (`pk` = {@link trendKey}, `sk` = the
 * day), event markers (`EVENT#<hash>`) and rejected events (`REJECTED`).
 *
 * Each fact is added to its day, its week and its month, each in the item of its own
 * workflow × region × practice and in the seven items that roll one or more of those up
 * (`*`), and, when it moves the trend, to the eight trend items of its day. A query with any
 * combination of filters reads one partition of each kind: the fewest period items covering
 * the range (whole months, whole weeks, then days; a 90-day range needs 5 to 25, about 15 on
 * average, instead of 90) and the small trend items of its days.
 *
 * Exactly once without transactions (dynalite, which the local cloud runs, has none):
 * 1. a conditional put of the event's marker (`pending`, with a lease) claims the event;
 * 2. each item update ADDs the deltas and sets a guard attribute named after the event, on
 *    the condition that the guard is absent, so re-running it after a crash adds nothing;
 * 3. the marker is set `applied`; from then on a redelivery is a duplicate;
 * 4. the guards are removed.
 * A redelivery that finds a `pending` marker whose lease ran out (the first attempt died)
 * resumes at step 2; one that finds a live lease fails, so it is retried later.
 */
export class KpiAggregatesTable implements KpiAggregateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(dedupeKey: string, facts: readonly KpiFact[]): Promise<'applied' | 'duplicate'> {
    const hash = createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32);
    const markerKey = { pk: `EVENT#${hash}`, sk: 'EVENT' };
    const nowMs = this.now().getTime();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...markerKey,
            dedupeKey,
            state: 'pending',
            leaseUntil: nowMs + APPLY_LEASE_SECONDS * 1000,
            [KPI_EXPIRY_ATTRIBUTE]: Math.floor(nowMs / 1000) + MARKER_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const marker = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: markerKey, ConsistentRead: true }),
      );
      if (marker.Item?.state === 'applied') return 'duplicate';
      const leaseUntil = Number(marker.Item?.leaseUntil ?? 0);
      if (leaseUntil > nowMs)
        throw new Error(
          `event ${dedupeKey} is being applied by another invocation (lease until ${new Date(leaseUntil).toISOString()}); retry later`,
        );
    }
    const guard = `${GUARD}${hash}`;
    const updates = [...deltasByItem(facts)];
    await Promise.all(updates.map(([key, deltas]) => this.addOnce(key, deltas, guard)));
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markerKey,
        UpdateExpression: 'SET #state = :applied REMOVE leaseUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':applied': 'applied' },
      }),
    );
    await Promise.all(
      updates.map(([key]) =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey(key),
            UpdateExpression: 'REMOVE #guard',
            ExpressionAttributeNames: { '#guard': guard },
          }),
        ),
      ),
    );
    return 'applied';
  }

  private async addOnce(key: string, deltas: Map<string, number>, guard: string): Promise<void> {
    const names: Record<string, string> = { '#guard': guard };
    const values: Record<string, unknown> = { ':true': true };
    const additions: string[] = [];
    for (const [index, [name, delta]] of [...deltas].entries()) {
      names[`#a${index}`] = name;
      values[`:a${index}`] = delta;
      additions.push(`#a${index} :a${index}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: `ADD ${additions.join(', ')} SET #guard = :true`,
          ConditionExpression: 'attribute_not_exists(#guard)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // The guard is there: an earlier attempt of this event already added to this item.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async readRange(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]> {
    const pk = aggregateKey(dimensions);
    const wanted = coveringPeriods(from, to).map((period) => ({ pk, sk: period.sk }));
    const items: Record<string, unknown>[] = [];
    // The covering keys are known, so one BatchGetItem (no Scan, no filter) fetches exactly them.
    for (let first = 0; first < wanted.length; first += BATCH_GET_KEYS) {
      let keys: Record<string, unknown>[] = wanted.slice(first, first + BATCH_GET_KEYS);
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`BatchGetItem left ${keys.length} KPI items of ${pk} unread after 8 retries`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const page = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        items.push(...(page.Responses?.[this.tableName] ?? []));
        keys = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items.map(dayOf).sort((left, right) => left.day.localeCompare(right.day));
  }

  async readTrend(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]> {
    const days: DayAggregate[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': trendKey(dimensions), ':from': from, ':to': to },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) days.push(dayOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return days;
  }

  async reject(event: RejectedKpiEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: 'REJECTED',
          sk: `${event.receivedAt}#${event.eventId}`,
          ...event,
          event: JSON.stringify(event.event ?? null).slice(0, 300_000),
        },
      }),
    );
  }

  async listRejected(limit: number): Promise<RejectedKpiEvent[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'REJECTED' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => ({
      eventId: String(item.eventId),
      source: String(item.source),
      detailType: String(item.detailType),
      reason: String(item.reason),
      receivedAt: String(item.receivedAt),
      event: parseJson(String(item.event)),
    }));
  }

  /**
   * Writes whole items from merged deltas ({@link deltasByItem}), replacing what is there: for
   * loading generated history (the benchmark), never for live events, which go through {@link apply}.
   */
  async loadItems(items: ReadonlyMap<string, ReadonlyMap<string, number>>): Promise<void> {
    const all = [...items].map(([key, deltas]) => ({ ...itemKey(key), ...Object.fromEntries(deltas) }));
    await this.batchPut(all);
  }

  /** Puts items 25 to a request, as many requests in flight as given, retrying what DynamoDB leaves unprocessed. */
  async batchPut(items: readonly Record<string, unknown>[], inFlight = 16): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const batch = items.slice(next, next + 25);
        next += 25;
        let requests: Array<{ PutRequest: { Item: Record<string, unknown> } }> = batch.map((Item) => ({
          PutRequest: { Item },
        }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 8) throw new Error(`BatchWriteItem left ${requests.length} items unwritten after 8 retries`);
          const result = await this.client.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          const unprocessed = result.UnprocessedItems?.[this.tableName] ?? [];
          requests = unprocessed.flatMap((request) =>
            request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
          );
          if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  }
}

/** `<partition>\u0000<day>`: one map key per item a fact touches. */
export function itemKey(key: string): { pk: string; sk: string } {
  const [pk, sk] = key.split('\u0000');
  return { pk, sk };
}

/** The attributes one fact adds to each item it counts in: counters, histogram buckets, sums and counts. */
export function factDeltas(fact: KpiFact): Map<string, number> {
  const deltas = new Map<string, number>();
  const add = (name: string, delta: number): void => {
    deltas.set(name, (deltas.get(name) ?? 0) + delta);
  };
  for (const [metric, delta] of Object.entries(fact.counters ?? {})) add(`${COUNTER}${metric}`, delta);
  for (const [metric, seconds] of Object.entries(fact.durations ?? {})) {
    if (!Number.isFinite(seconds) || seconds < 0) continue;
    if (isMeanOnly(metric)) add(`${COUNT}${metric}`, 1);
    else add(`${BUCKET}${metric}|${bucketOf(seconds)}`, 1);
    add(`${SUM}${metric}`, Math.round(seconds * 1000) / 1000);
  }
  return deltas;
}

/** Adds `deltas` into `into`, attribute by attribute. */
export function addDeltas(into: Map<string, number>, deltas: ReadonlyMap<string, number>): Map<string, number> {
  for (const [name, delta] of deltas) into.set(name, (into.get(name) ?? 0) + delta);
  return into;
}

/** The deltas of a set of facts, merged per item (day, week and month, own dimensions and roll-ups). */
export function deltasByItem(facts: readonly KpiFact[]): Map<string, Map<string, number>> {
  const items = new Map<string, Map<string, number>>();
  const add = (key: string, deltas: ReadonlyMap<string, number>) =>
    items.set(key, addDeltas(items.get(key) ?? new Map<string, number>(), deltas));
  for (const fact of facts) {
    const deltas = factDeltas(fact);
    const trend = trendFact(fact);
    const trendDeltas = trend ? factDeltas(trend) : undefined;
    const day = new Date(fact.at).toISOString().slice(0, 10);
    for (const dimensions of rollupsOf(fact)) {
      for (const period of periodsOf(day)) add(`${aggregateKey(dimensions)}\u0000${period.sk}`, deltas);
      if (trendDeltas) add(`${trendKey(dimensions)}\u0000${day}`, trendDeltas);
    }
  }
  return items;
}

/** The item of the fact's own dimensions and every roll-up of them. */
export function rollupsOf(fact: KpiFact): KpiDimensions[] {
  const workflows = [fact.workflow, ANY];
  const regions = fact.region ? [fact.region, ANY] : [ANY];
  const practices = fact.practice ? [fact.practice, ANY] : [ANY];
  return workflows.flatMap((workflow) =>
    regions.flatMap((region) => practices.map((practice) => ({ workflow, region, practice }))),
  );
}

/** An item as stored (a day, a week or a month), read back into counters and durations. */
export function dayOf(item: Record<string, unknown>): DayAggregate {
  const sk = String(item.sk);
  const period = periodOfKey(sk);
  const day: DayAggregate = { day: period?.from ?? sk, period, counters: new Map(), durations: new Map() };
  const duration = (metric: string) => {
    const existing = day.durations.get(metric);
    if (existing) return existing;
    const created = { histogram: new Map<number, number>(), sumSeconds: 0, count: 0 };
    day.durations.set(metric, created);
    return created;
  };
  for (const [name, value] of Object.entries(item)) {
    if (typeof value !== 'number') continue;
    if (name.startsWith(COUNTER)) day.counters.set(name.slice(COUNTER.length), value);
    else if (name.startsWith(SUM)) duration(name.slice(SUM.length)).sumSeconds = value;
    else if (name.startsWith(COUNT)) duration(name.slice(COUNT.length)).count += value;
    else if (name.startsWith(BUCKET)) {
      const separator = name.lastIndexOf('|');
      const found = duration(name.slice(BUCKET.length, separator));
      found.histogram.set(Number(name.slice(separator + 1)), value);
      found.count += value;
    }
  }
  return day;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
