import { createHash } from 'node:crypto';
import { type AttributeValue, BatchGetItemCommand, QueryCommand as QueryItemsCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  NumberValue,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../repositories/condition-failure';
import { BUCKETS_PER_DOUBLING, bucketOf } from './latency-histogram';
import { ANY, isMeanOnly, trendFact, type KpiFact } from './kpi-facts';
import { coveringTerms, periodOfKey, periodsOf } from './kpi-periods';
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

/**
 * Attribute prefixes of an item: counter, histogram bucket, histogram doubling (four buckets in
 * one number, see {@link storedAttributes}), duration sum, duration count (mean-only), in-flight
 * guard. `h|` is the logical form the deltas are computed in (and how items written before the
 * doublings were stored, which {@link dayOf} still reads); the table stores `d|`.
 */
const COUNTER = 'c|';
const BUCKET = 'h|';
const DOUBLING = 'd|';
const SUM = 's|';
const COUNT = 'n|';
const GUARD = 'g|';

/**
 * Decimal digits each bucket count takes in a doubling attribute. DynamoDB numbers carry 38
 * significant digits, so four 9-digit counts (36 digits) fit one attribute and `ADD` stays
 * exact. A count reaches 10^9 in one bucket of one item only with a billion durations of one
 * metric in a month; a single write that large is refused, the running total is not checked.
 */
const DIGITS_PER_BUCKET = 9;
const BUCKET_LIMIT = 10 ** DIGITS_PER_BUCKET;

/**
 * Keys of one BatchGetItem when reading a range (DynamoDB takes up to 100). A 90-day range is
 * a handful of items of several hundred attributes (docs/kpis.md), so its keys go in a few
 * requests at once: items are read into aggregates as each answer arrives, while the table is
 * still answering the others.
 */
const KEYS_PER_READ = 4;

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
 * combination of filters reads one partition of each kind: the fewest period items whose
 * signed sum is the range (months, weeks and days, some subtracted, see `coveringTerms` and
 * docs/kpis.md) and the small trend items of its days.
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
    for (const [index, [name, delta]] of [...storedAttributes(deltas)].entries()) {
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
    const terms = coveringTerms(from, to);
    const signs = new Map(terms.map((term) => [term.period.sk, term.sign]));
    const wanted: Array<Record<string, AttributeValue>> = terms.map(({ period }) => ({
      pk: { S: pk },
      sk: { S: period.sk },
    }));
    // The covering keys are known, so BatchGetItem (no Scan, no filter) fetches exactly them.
    // The low-level command: its attribute values are read once, by dayOf, instead of being
    // converted to plain values first (items hold hundreds of attributes).
    const reads: Array<Promise<DayAggregate[]>> = [];
    for (let first = 0; first < wanted.length; first += KEYS_PER_READ)
      reads.push(this.readKeys(pk, wanted.slice(first, first + KEYS_PER_READ)));
    return (await Promise.all(reads))
      .flat()
      .map((item) => ({ ...item, sign: signs.get(item.period?.sk ?? item.day) ?? 1 }))
      .sort((left, right) => left.day.localeCompare(right.day));
  }

  /** The items of the keys given, retrying what DynamoDB leaves unprocessed. */
  private async readKeys(pk: string, wanted: Array<Record<string, AttributeValue>>): Promise<DayAggregate[]> {
    const days: DayAggregate[] = [];
    let keys = wanted;
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`BatchGetItem left ${keys.length} KPI items of ${pk} unread after 8 retries`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const page = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
      );
      for (const item of page.Responses?.[this.tableName] ?? []) days.push(dayOf(item));
      keys = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return days;
  }

  async readTrend(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]> {
    const days: DayAggregate[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryItemsCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': { S: trendKey(dimensions) }, ':from': { S: from }, ':to': { S: to } },
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
    const all = [...items].map(([key, deltas]) => ({
      ...itemKey(key),
      ...Object.fromEntries(storedAttributes(deltas)),
    }));
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

/** The doubling attribute of a histogram bucket: doubling 0 is bucket 0 (under a second), doubling d ≥ 1 buckets 4d−3 to 4d. */
function doublingOf(bucket: number): { doubling: number; position: number } {
  if (bucket <= 0) return { doubling: 0, position: 0 };
  const doubling = Math.ceil(bucket / BUCKETS_PER_DOUBLING);
  return { doubling, position: bucket - (doubling - 1) * BUCKETS_PER_DOUBLING - 1 };
}

/** The first bucket of a doubling: what position 0 of its attribute counts. */
function firstBucketOf(doubling: number): number {
  return doubling <= 0 ? 0 : (doubling - 1) * BUCKETS_PER_DOUBLING + 1;
}

/**
 * Deltas as the table stores them. Counters, sums and counts stay as they are. The buckets of
 * one histogram are packed four to an attribute, one attribute per doubling: bucket count k at
 * position p adds k·10^(9p), so `ADD` still merges them exactly (DynamoDB numbers are exact
 * decimals) and each item holds about a quarter of the histogram attributes. Reading an item
 * costs in DynamoDB, in the SDK and in dynalite per attribute and per byte, and histogram
 * buckets were most of both.
 */
export function storedAttributes(deltas: ReadonlyMap<string, number>): Map<string, number | NumberValue> {
  const stored = new Map<string, number | NumberValue>();
  const doublings = new Map<string, number[]>();
  for (const [name, delta] of deltas) {
    if (!name.startsWith(BUCKET)) {
      stored.set(name, delta);
      continue;
    }
    const separator = name.lastIndexOf('|');
    const { doubling, position } = doublingOf(Number(name.slice(separator + 1)));
    if (!Number.isInteger(delta) || delta < 0 || delta >= BUCKET_LIMIT)
      throw new Error(`histogram bucket ${name} cannot add ${delta}: counts are whole and below ${BUCKET_LIMIT}`);
    const attribute = `${DOUBLING}${name.slice(BUCKET.length, separator)}|${doubling}`;
    const counts = doublings.get(attribute) ?? new Array<number>(BUCKETS_PER_DOUBLING).fill(0);
    counts[position] += delta;
    doublings.set(attribute, counts);
  }
  for (const [attribute, counts] of doublings) {
    // Highest position first, each padded to its 9 digits: the decimal digits of Σ k·10^(9p).
    const digits = counts
      .map((count) => String(count).padStart(DIGITS_PER_BUCKET, '0'))
      .reverse()
      .join('')
      .replace(/^0+(?=\d)/, '');
    stored.set(attribute, NumberValue.from(digits));
  }
  return stored;
}

/** The text of a number as stored: a plain number, a DynamoDB `{ N }` value, or a big integer read by the document client. */
function numberText(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof NumberValue) return value.value;
  if (typeof value === 'object' && value !== null && 'N' in value && typeof value.N === 'string') return value.N;
  return undefined;
}

/** A string as stored: plain, or a DynamoDB `{ S }` value. */
function stringText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'S' in value && typeof value.S === 'string') return value.S;
  return String(value);
}

/**
 * An item as stored (a day, a week or a month), read back into counters and durations. Takes
 * the item as the low-level client returns it (`{ N }` and `{ S }` values) or as plain values
 * (numbers, strings), and histograms as doublings or as single buckets.
 */
export function dayOf(item: Record<string, unknown>): DayAggregate {
  const sk = stringText(item.sk);
  const period = periodOfKey(sk);
  const day: DayAggregate = { day: period?.from ?? sk, period, counters: new Map(), durations: new Map() };
  const duration = (metric: string) => {
    const existing = day.durations.get(metric);
    if (existing) return existing;
    const created = { histogram: new Map<number, number>(), sumSeconds: 0, count: 0 };
    day.durations.set(metric, created);
    return created;
  };
  for (const name in item) {
    const text = numberText(item[name]);
    if (text === undefined) continue;
    if (name.startsWith(DOUBLING)) {
      const separator = name.lastIndexOf('|');
      const found = duration(name.slice(DOUBLING.length, separator));
      const first = firstBucketOf(Number(name.slice(separator + 1)));
      // Position p is the p-th group of 9 digits from the right.
      for (let end = text.length, position = 0; end > 0; end -= DIGITS_PER_BUCKET, position++) {
        const count = Number(text.slice(Math.max(0, end - DIGITS_PER_BUCKET), end));
        if (count === 0) continue;
        found.histogram.set(first + position, (found.histogram.get(first + position) ?? 0) + count);
        found.count += count;
      }
    } else if (name.startsWith(COUNTER)) day.counters.set(name.slice(COUNTER.length), Number(text));
    else if (name.startsWith(SUM)) duration(name.slice(SUM.length)).sumSeconds = Number(text);
    else if (name.startsWith(COUNT)) duration(name.slice(COUNT.length)).count += Number(text);
    else if (name.startsWith(BUCKET)) {
      const separator = name.lastIndexOf('|');
      const found = duration(name.slice(BUCKET.length, separator));
      const bucket = Number(name.slice(separator + 1));
      const count = Number(text);
      found.histogram.set(bucket, (found.histogram.get(bucket) ?? 0) + count);
      found.count += count;
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
