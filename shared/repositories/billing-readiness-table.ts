import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { FindingCode } from '../billing/billing-policy';
import { BillingCycle } from '../billing/billing-state';
import type { ReadinessFinding } from '../billing/readiness';
import type { CarriedOver, ProjectReadinessRecord, ReadinessStore, RecordedCheck } from '../billing/readiness-store';
import { isConditionFailure } from './condition-failure';

/** Findings kept per project item, and record ids per finding: far below the 400 KB item limit. */
const MAX_FINDINGS = 200;
const MAX_RECORD_IDS = 50;

/**
 * The billing readiness table: one partition per cycle (`cycle#<region>#<period>`), holding the
 * cycle (`cycle`) and one item per project (`project#<id>`). A project is read by key, a cycle's
 * projects by one paged Query; nothing scans.
 */
export class BillingReadinessTable implements ReadinessStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putCycle(cycle: BillingCycle): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: cycleKey(cycle), sk: 'cycle', ...cycle } }),
    );
  }

  async getCycle(region: string, period: string): Promise<BillingCycle | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: cycleKey({ region, period }), sk: 'cycle' } }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...cycle } = Item;
    return BillingCycle.parse(cycle);
  }

  async recordCheck(
    cycle: { region: string; period: string },
    projectId: string,
    check: {
      status: 'ready' | 'blocked' | 'nothing-to-bill';
      findings: readonly ReadinessFinding[];
      checkedAt: string;
    },
    options?: { reopenCarried: boolean },
  ): Promise<RecordedCheck> {
    const findings = check.findings.slice(0, MAX_FINDINGS).map((finding) => ({
      ...finding,
      recordIds: finding.recordIds.slice(0, MAX_RECORD_IDS),
    }));
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: cycleKey(cycle), sk: `project#${projectId}` },
          UpdateExpression:
            'SET #status = :status, findings = :findings, checkedAt = :at, #region = :region, #period = :period, projectId = :project, firstCheckReady = if_not_exists(firstCheckReady, :ready) ADD checks :one',
          // A carried project checked in a later cycle may change its old period's record; nothing changes a drafted one.
          ConditionExpression: options?.reopenCarried
            ? 'attribute_not_exists(#status) OR #status <> :drafted'
            : 'attribute_not_exists(#status) OR (#status <> :drafted AND #status <> :carried)',
          ExpressionAttributeNames: { '#status': 'status', '#period': 'period', '#region': 'region' },
          ExpressionAttributeValues: {
            ':status': check.status,
            ':findings': findings,
            ':at': check.checkedAt,
            ':region': cycle.region,
            ':period': cycle.period,
            ':project': projectId,
            ':ready': check.status !== 'blocked',
            ':one': 1,
            ':drafted': 'drafted',
            ...(options?.reopenCarried ? {} : { ':carried': 'carried' }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { record: toRecord(Attributes ?? {}), alreadyDrafted: false, settled: false };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(cycle.region, cycle.period, projectId);
      if (!existing) throw error;
      return { record: existing, alreadyDrafted: existing.status === 'drafted', settled: true };
    }
  }

  async markDrafted(
    cycle: { region: string; period: string },
    projectId: string,
    draft: { invoiceId: string; draftedAt: string; totalMinor: number; currency: string },
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: cycleKey(cycle), sk: `project#${projectId}` },
          UpdateExpression:
            'SET #status = :drafted, invoiceId = :invoice, draftedAt = :at, totalMinor = :total, currency = :currency',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :drafted',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':drafted': 'drafted',
            ':invoice': draft.invoiceId,
            ':at': draft.draftedAt,
            ':total': draft.totalMinor,
            ':currency': draft.currency,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markCarried(
    cycle: { region: string; period: string },
    projectId: string,
    carriedTo: string,
    reasons: readonly FindingCode[],
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: cycleKey(cycle), sk: `project#${projectId}` },
          UpdateExpression: 'SET #status = :carried, carriedTo = :to',
          ConditionExpression: '#status = :blocked OR #status = :carried',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':carried': 'carried', ':blocked': 'blocked', ':to': carriedTo },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    // The next cycle's list of what it carries; writing it again (a rerun's close) changes nothing.
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: cycleKey({ region: cycle.region, period: carriedTo }),
          sk: `carried#${projectId}#${cycle.period}`,
          projectId,
          fromPeriod: cycle.period,
          reasons: [...reasons],
        },
      }),
    );
    return true;
  }

  async listCarriedInto(
    region: string,
    period: string,
    limit: number,
    cursor?: string,
  ): Promise<{ carried: CarriedOver[]; cursor?: string }> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :carried)',
        ExpressionAttributeValues: { ':pk': cycleKey({ region, period }), ':carried': 'carried#' },
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk: cycleKey({ region, period }), sk: `carried#${cursor}` } : undefined,
      }),
    );
    const carried = (page.Items ?? []).map((item) => ({
      projectId: String(item.projectId),
      fromPeriod: String(item.fromPeriod),
      reasons: FindingCode.array().catch([]).parse(item.reasons),
    }));
    const last = carried[carried.length - 1];
    return { carried, ...(page.LastEvaluatedKey && last ? { cursor: `${last.projectId}#${last.fromPeriod}` } : {}) };
  }

  async get(region: string, period: string, projectId: string): Promise<ProjectReadinessRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: cycleKey({ region, period }), sk: `project#${projectId}` },
        ConsistentRead: true,
      }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async list(
    region: string,
    period: string,
    limit: number,
    cursor?: string,
  ): Promise<{ records: ProjectReadinessRecord[]; cursor?: string }> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :project)',
        ExpressionAttributeValues: { ':pk': cycleKey({ region, period }), ':project': 'project#' },
        Limit: limit,
        ExclusiveStartKey: cursor ? { pk: cycleKey({ region, period }), sk: `project#${cursor}` } : undefined,
      }),
    );
    const records = (page.Items ?? []).map(toRecord);
    return {
      records,
      cursor: page.LastEvaluatedKey ? records[records.length - 1]?.projectId : undefined,
    };
  }
}

function cycleKey(cycle: { region: string; period: string }): string {
  return `cycle#${cycle.region}#${cycle.period}`;
}

/** The item as the port's record; this table wrote every field. */
function toRecord(item: Record<string, unknown>): ProjectReadinessRecord {
  const text = (field: string): string | undefined =>
    typeof item[field] === 'string' ? String(item[field]) : undefined;
  const status = text('status');
  return {
    region: text('region') ?? '',
    period: text('period') ?? '',
    projectId: text('projectId') ?? '',
    status:
      status === 'ready' || status === 'drafted' || status === 'nothing-to-bill' || status === 'carried'
        ? status
        : 'blocked',
    checks: Number(item.checks ?? 0),
    firstCheckReady: item.firstCheckReady === true,
    findings: Array.isArray(item.findings) ? item.findings : [],
    checkedAt: text('checkedAt') ?? '',
    ...(text('invoiceId') ? { invoiceId: text('invoiceId') } : {}),
    ...(text('draftedAt') ? { draftedAt: text('draftedAt') } : {}),
    ...(typeof item.totalMinor === 'number' ? { totalMinor: item.totalMinor } : {}),
    ...(text('currency') ? { currency: text('currency') } : {}),
    ...(text('carriedTo') ? { carriedTo: text('carriedTo') } : {}),
  };
}
