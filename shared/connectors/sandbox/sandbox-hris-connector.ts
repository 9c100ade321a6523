import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type BatchWriteWriteRequest,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  HolidayCalendar,
  LeaveEntry,
  Person,
  type CandidateQuery,
  type HiringRequisitionRequest,
  type HrisConnector,
  type PersonRecord,
} from '../hris/hris-connector';
import { isConditionFailure } from '../../repositories/condition-failure';

/** Index of the sandbox HRIS: one item per person and skill, keyed `<skill>#<region>`, sorted by proficiency. */
export const HRIS_BY_SKILL_REGION_INDEX = 'bySkillRegion';

const PROFILE = 'PROFILE';
const SKILL_PREFIX = 'SKILL#';
const LEAVE_PREFIX = 'lv#';
const CATALOGUE_KEY = { pk: 'SKILLS', sk: 'CATALOGUE' };
/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;
/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_WRITE_LIMIT = 25;

function personKey(personId: string): { pk: string; sk: string } {
  return { pk: `PERSON#${personId}`, sk: PROFILE };
}

/** The index key of a person's skill: `<skill>#<region>`. */
export function skillRegionKey(skill: string, region: string): string {
  return `${skill}#${region}`;
}

/**
 * A skill index item: the person's profile and leave beside the index keys, so the index query
 * that selects candidates returns them whole (the GSI projects every attribute) and a
 * recommendation needs no second read of the profiles. Leave written later is copied onto these
 * items too ({@link SandboxHrisConnector.putLeave}).
 */
function skillItem(
  person: Person,
  skill: { skill: string; proficiency: number },
  leave: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const key = personKey(person.personId);
  return {
    ...leave,
    ...person,
    pk: key.pk,
    sk: `${SKILL_PREFIX}${skill.skill}`,
    skillRegion: skillRegionKey(skill.skill, person.region),
    // Sorts by proficiency, then id, so the index answers in a deterministic order.
    proficiencyKey: `${skill.proficiency}#${person.personId}`,
  };
}

/** A person and their leave from a profile or skill index item, or undefined when it is not one. */
function personOf(item: Record<string, unknown>): PersonRecord | undefined {
  const person = Person.safeParse(item);
  if (!person.success) return undefined;
  const leave = Object.entries(item)
    .filter(([name]) => name.startsWith(LEAVE_PREFIX))
    .flatMap(([, value]) => {
      const parsed = LeaveEntry.safeParse(value);
      return parsed.success ? [parsed.data] : [];
    })
    .sort((left, right) => left.startDate.localeCompare(right.startDate));
  return { ...person.data, leave };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * The sandbox HRIS on one DynamoDB table. A person is a profile item plus one index item per
 * skill (`PERSON#<id>` / `SKILL#<skill>`) whose `skillRegion` and `proficiencyKey` feed the
 * `bySkillRegion` index, so candidates are found by query, highest proficiency first, ties by id.
 * Leave sits on the profile as one attribute per entry, so one read returns a person whole; each
 * skill item carries a copy of the profile and leave, so the candidate query returns people whole
 * too (a recommendation's hot path: one round trip and one item per candidate fewer).
 */
export class SandboxHrisConnector implements HrisConnector {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findCandidates(query: CandidateQuery): Promise<PersonRecord[]> {
    const people: PersonRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: HRIS_BY_SKILL_REGION_INDEX,
          KeyConditionExpression: 'skillRegion = :key AND proficiencyKey >= :min',
          ExpressionAttributeValues: {
            ':key': skillRegionKey(query.skill, query.region),
            ':min': `${query.minProficiency}`,
          },
          ScanIndexForward: false,
          Limit: query.limit - people.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const person = personOf(item);
        if (person) people.push(person);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && people.length < query.limit);
    return people;
  }

  async getPeople(personIds: readonly string[]): Promise<PersonRecord[]> {
    const found = new Map<string, PersonRecord>();
    for (const item of await this.batchGet([...new Set(personIds)].map(personKey))) {
      const person = personOf(item);
      if (person) found.set(person.personId, person);
    }
    return personIds.flatMap((id) => {
      const person = found.get(id);
      return person ? [person] : [];
    });
  }

  async getHolidays(countries: readonly string[]): Promise<Map<string, readonly string[]>> {
    const calendars = new Map<string, readonly string[]>();
    const items = await this.batchGet(
      [...new Set(countries)].map((country) => ({ pk: `HOLIDAYS#${country}`, sk: 'CALENDAR' })),
    );
    for (const item of items) {
      const parsed = HolidayCalendar.safeParse(item);
      if (parsed.success) calendars.set(parsed.data.country, parsed.data.dates);
    }
    return calendars;
  }

  async knownSkills(): Promise<ReadonlySet<string>> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: CATALOGUE_KEY }));
    const skills: unknown = Item?.skills;
    return skills instanceof Set ? new Set([...skills].map(String)) : new Set();
  }

  async openRequisition(idempotencyKey: string, request: HiringRequisitionRequest): Promise<{ requisitionId: string }> {
    const requisitionId = `REQ-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12).toUpperCase()}`;
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `REQUISITION#${requisitionId}`,
            sk: 'REQUISITION',
            requisitionId,
            idempotencyKey,
            status: 'open',
            ...request,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return { requisitionId };
  }

  /**
   * Writes a person (replacing the one with the same id, leave kept) and their skill index
   * items (each with a copy of the profile and leave), deleting index items of skills they no
   * longer have; adds their skills to the catalogue.
   */
  async putPerson(person: Person): Promise<void> {
    const parsed = Person.parse(person);
    const key = personKey(parsed.personId);
    const { Item: existing } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key }));
    const leave = Object.fromEntries(Object.entries(existing ?? {}).filter(([name]) => name.startsWith(LEAVE_PREFIX)));
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { ...key, ...leave, ...parsed } }));
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :skill)',
        ExpressionAttributeValues: { ':pk': key.pk, ':skill': SKILL_PREFIX },
        ProjectionExpression: 'pk, sk',
      }),
    );
    const current = new Set(parsed.skills.map((skill) => `${SKILL_PREFIX}${skill.skill}`));
    const writes = [
      ...Items.filter((item) => !current.has(String(item.sk))).map((item) => ({
        DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
      })),
      ...parsed.skills.map((skill) => ({ PutRequest: { Item: skillItem(parsed, skill, leave) } })),
    ];
    for (const batch of chunks(writes, BATCH_WRITE_LIMIT)) await this.batchWrite(batch);
    await this.addSkills(parsed.skills.map((skill) => skill.skill));
  }

  /**
   * Writes people who are not there yet, with their leave and skill index items, in batches:
   * the seed's path, which runs at every start of the local cloud and must stay cheap.
   */
  async putNewPeople(people: readonly Person[], leave: readonly LeaveEntry[]): Promise<void> {
    const writes: BatchWriteWriteRequest[] = [];
    for (const person of people.map((entry) => Person.parse(entry))) {
      const key = personKey(person.personId);
      const leaveAttributes = Object.fromEntries(
        leave
          .filter((entry) => entry.personId === person.personId)
          .map((entry) => [`${LEAVE_PREFIX}${entry.leaveId}`, LeaveEntry.parse(entry)]),
      );
      writes.push({ PutRequest: { Item: { ...key, ...leaveAttributes, ...person } } });
      for (const skill of person.skills)
        writes.push({ PutRequest: { Item: skillItem(person, skill, leaveAttributes) } });
    }
    for (const batch of chunks(writes, BATCH_WRITE_LIMIT)) await this.batchWrite(batch);
    await this.addSkills([...new Set(people.flatMap((person) => person.skills.map((skill) => skill.skill)))]);
  }

  /** Ids of the people the HRIS has, of those asked. */
  async existing(personIds: readonly string[]): Promise<Set<string>> {
    const items = await this.batchGet(personIds.map(personKey));
    return new Set(items.map((item) => String(item.personId)));
  }

  /**
   * Records leave on a person's profile, then on each of their skill index items, so the
   * candidate query sees it; refused when the person is unknown. Setting the same attribute again
   * is harmless, so a retry after a partial write completes it.
   */
  async putLeave(leave: LeaveEntry): Promise<void> {
    const parsed = LeaveEntry.parse(leave);
    const key = personKey(parsed.personId);
    const update = (sk: string): UpdateCommand =>
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key.pk, sk },
        UpdateExpression: 'SET #leave = :leave',
        // Never creates an item: a person (or skill) removed meanwhile stays removed.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#leave': `${LEAVE_PREFIX}${parsed.leaveId}` },
        ExpressionAttributeValues: { ':leave': parsed },
      });
    try {
      await this.documents.send(update(key.sk));
    } catch (error) {
      if (isConditionFailure(error))
        throw new Error(`leave ${parsed.leaveId}: no person ${parsed.personId} in the HRIS`);
      throw error;
    }
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :skill)',
        ExpressionAttributeValues: { ':pk': key.pk, ':skill': SKILL_PREFIX },
        ProjectionExpression: 'sk',
      }),
    );
    for (const item of Items)
      try {
        await this.documents.send(update(String(item.sk)));
      } catch (error) {
        // A skill dropped by a concurrent rewrite: its item is gone, and the rewrite copies leave.
        if (!isConditionFailure(error)) throw error;
      }
  }

  /** Sets a country's public holidays. */
  async putHolidays(calendar: HolidayCalendar): Promise<void> {
    const parsed = HolidayCalendar.parse(calendar);
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `HOLIDAYS#${parsed.country}`, sk: 'CALENDAR', ...parsed },
      }),
    );
  }

  /** Removes a person and their skill index items (a leaver). */
  async deletePerson(personId: string): Promise<void> {
    const key = personKey(personId);
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': key.pk },
      }),
    );
    for (const item of Items)
      await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
  }

  private async addSkills(skills: readonly string[]): Promise<void> {
    if (skills.length === 0) return;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: CATALOGUE_KEY,
        UpdateExpression: 'ADD skills :skills',
        ExpressionAttributeValues: { ':skills': new Set(skills) },
      }),
    );
  }

  private async batchGet(keys: readonly Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (const batch of chunks(keys, BATCH_GET_LIMIT)) {
      let pending: Record<string, unknown>[] | undefined = batch;
      for (let attempt = 0; pending && pending.length > 0 && attempt < 8; attempt += 1) {
        const result: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
      if (pending && pending.length > 0) throw new Error(`the HRIS left ${pending.length} key(s) unread after retries`);
    }
    return items;
  }

  private async batchWrite(requests: BatchWriteWriteRequest[]): Promise<void> {
    let pending: BatchWriteWriteRequest[] | undefined = requests;
    for (let attempt = 0; pending && pending.length > 0 && attempt < 8; attempt += 1) {
      const result: BatchWriteCommandOutput = await this.documents.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[this.tableName];
    }
    if (pending && pending.length > 0) throw new Error(`the HRIS left ${pending.length} write(s) undone after retries`);
  }
}
