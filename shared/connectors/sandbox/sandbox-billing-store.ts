import { BatchWriteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BillingProject, type BillingProjects } from '../../billing/billing-ports';
import type { Region } from '../../model/primitives';
import {
  Expense,
  Milestone,
  monthOf,
  TimeEntry,
  type ProjectPeriodRecords,
  type PsaBillingRecords,
} from '../psa/psa-billing-records';

/**
 * The sandbox PSA's billing records and psflow's billing projects, in one table keyed for the
 * reads billing makes (never a scan):
 *
 * | item | pk | sk |
 * |---|---|---|
 * | billing project | `project#<id>` | `profile` (active ones also carry `activeRegion`, the `byRegion` index key) |
 * | assignment | `project#<id>` | `assignment#<person>#<role line>#<from>` |
 * | leave of a person in a month | `person#<id>` | `leave#<YYYY-MM>` |
 * | time entry, expense, milestone | `records#<project>#<YYYY-MM>` | `time#<id>`, `expense#<id>`, `milestone#<id>` |
 * | project with records in a month | `activity#<YYYY-MM>` | `<project>` |
 *
 * So a project's month is one Query, the region's active projects one paged Query on `byRegion`,
 * and records of projects psflow does not know are found from the month's activity items.
 */
export const SANDBOX_BILLING_BY_REGION_INDEX = 'byRegion';

/** Key of a project's billing records in one month. */
export function recordsKey(projectId: string, month: string): string {
  return `records#${projectId}#${month}`;
}

/** A stored item: the record plus its keys. */
type Keyed = Record<string, unknown> & { pk: string; sk: string };

/** How many items one BatchWriteItem takes. */
const BATCH = 25;

/** The sandbox PSA billing records and billing projects; see the table layout above. */
export class SandboxBillingStore implements PsaBillingRecords, BillingProjects {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordsFor(projectId: string, month: string): Promise<ProjectPeriodRecords> {
    const items = await this.queryAll(recordsKey(projectId, month));
    const pick = <T>(prefix: string, parse: (item: unknown) => T): T[] =>
      items.filter((item) => item.sk.startsWith(prefix)).map((item) => parse(strip(item)));
    return {
      timeEntries: pick('time#', (item) => TimeEntry.parse(item)),
      expenses: pick('expense#', (item) => Expense.parse(item)),
      milestones: pick('milestone#', (item) => Milestone.parse(item)),
    };
  }

  async projectsWithRecords(month: string): Promise<readonly string[]> {
    return (await this.queryAll(`activity#${month}`)).map((item) => item.sk);
  }

  async activeProjects(
    region: Region,
    limit: number,
    cursor?: string,
  ): Promise<{ projects: BillingProject[]; cursor?: string }> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SANDBOX_BILLING_BY_REGION_INDEX,
        KeyConditionExpression: 'activeRegion = :region',
        ExpressionAttributeValues: { ':region': region },
        Limit: limit,
        ExclusiveStartKey: cursor ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined,
      }),
    );
    return {
      projects: (page.Items ?? []).map((item) => BillingProject.parse(strip(item))),
      cursor: page.LastEvaluatedKey
        ? Buffer.from(JSON.stringify(page.LastEvaluatedKey)).toString('base64url')
        : undefined,
    };
  }

  async project(projectId: string): Promise<BillingProject | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `project#${projectId}`, sk: 'profile' } }),
    );
    return Item ? BillingProject.parse(strip(Item)) : undefined;
  }

  /** Writes billing projects, replacing those with the same id. */
  async putProjects(projects: readonly BillingProject[]): Promise<void> {
    await this.batchPut(
      projects.map((project) => ({
        pk: `project#${project.projectId}`,
        sk: 'profile',
        ...(project.status === 'active' ? { activeRegion: project.region } : {}),
        ...project,
      })),
    );
  }

  /** Writes time entries, expenses and milestones (replacing those with the same id) and marks their months. */
  async putRecords(records: {
    timeEntries?: readonly TimeEntry[];
    expenses?: readonly Expense[];
    milestones?: readonly Milestone[];
  }): Promise<void> {
    const items: Keyed[] = [
      ...(records.timeEntries ?? []).map((entry) => ({
        pk: recordsKey(entry.projectId, monthOf(entry.date)),
        sk: `time#${entry.entryId}`,
        ...entry,
      })),
      ...(records.expenses ?? []).map((expense) => ({
        pk: recordsKey(expense.projectId, monthOf(expense.date)),
        sk: `expense#${expense.expenseId}`,
        ...expense,
      })),
      ...(records.milestones ?? []).map((milestone) => ({
        pk: recordsKey(milestone.projectId, monthOf(milestone.dueDate)),
        sk: `milestone#${milestone.milestoneId}`,
        ...milestone,
      })),
    ];
    const activity = new Map<string, Keyed>();
    for (const item of items) {
      const [, projectId, month] = item.pk.split('#');
      activity.set(`${month}#${projectId}`, { pk: `activity#${month}`, sk: projectId });
    }
    await this.batchPut([...items, ...activity.values()]);
  }

  /** Writes items in batches of 25, sending unprocessed items again. */
  async batchPut(items: readonly Keyed[]): Promise<void> {
    // A load file may name one record twice; one batch may not, so the last one wins, as a put would.
    const unique = [...new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, item])).values()];
    for (let start = 0; start < unique.length; start += BATCH) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] = unique
        .slice(start, start + BATCH)
        .map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 8) throw new Error(`sandbox billing: ${requests.length} item(s) left unprocessed after retries`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.documents.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (result.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
      }
    }
  }

  /** Every item under one partition key, following pages. */
  async queryAll(pk: string, skPrefix?: string): Promise<Keyed[]> {
    const items: Keyed[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':prefix': skPrefix } : {}) },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { pk: itemPk, sk } = item;
        if (typeof itemPk === 'string' && typeof sk === 'string') items.push({ ...item, pk: itemPk, sk });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

/** The record without the table's own attributes. */
function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, activeRegion: _region, ...record } = item;
  return record;
}
