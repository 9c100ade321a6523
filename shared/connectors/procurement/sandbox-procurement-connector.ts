import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import type { Region } from '../../model/primitives';
import { isConditionFailure } from '../../repositories/condition-failure';
import { PermanentConnectorError } from '../connector-errors';
import {
  PURCHASE_STATUS_ORDER,
  PurchaseRecord,
  Quote,
  VendorRecord,
  type ProcurementConnector,
} from './procurement-connector';

/** Index of the sandbox procurement table: vendors by region, quotes by request, purchases by project. */
export const PROCUREMENT_BY_PARENT_INDEX = 'byParent';

/** The `parentKey` purchases without a project are listed under. */
const NO_PROJECT = 'project#none';

/** The `parentKey` of a project's purchases, from its business key (`project#<system>#<id>`). */
export function purchaseParentKey(projectKey: string | undefined): string {
  return projectKey ?? NO_PROJECT;
}

/**
 * The sandbox procurement system: one DynamoDB table holding the vendor master, quotes and the
 * purchase ledger, keyed `vendor#<id>`, `quote#<request>#<vendor>` and `purchase#<request>`, with
 * one index (`parentKey`, `sortKey`) that lists a region's vendors, a request's quotes and a
 * project's purchases.
 */
export class SandboxProcurementConnector implements ProcurementConnector {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getVendor(vendorId: string): Promise<VendorRecord | undefined> {
    return this.read(`vendor#${vendorId}`, VendorRecord);
  }

  async vendorsInRegion(region: Region): Promise<VendorRecord[]> {
    return this.children(`region#${region}`, VendorRecord, 500);
  }

  async activateVendor(vendorId: string, at: string): Promise<VendorRecord> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { recordKey: `vendor#${vendorId}` },
          UpdateExpression: 'SET #status = :active, onboardedAt = if_not_exists(onboardedAt, :at)',
          ConditionExpression: 'attribute_exists(recordKey) AND #status <> :blocked',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':blocked': 'blocked', ':at': at },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new PermanentConnectorError('procurement', 'activateVendor', `vendor ${vendorId} is unknown or blocked`);
      throw error;
    }
    const vendor = await this.getVendor(vendorId);
    if (!vendor) throw new PermanentConnectorError('procurement', 'activateVendor', `vendor ${vendorId} vanished`);
    return vendor;
  }

  async recordQuote(quote: Quote): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...quote,
          recordKey: `quote#${quote.requestId}#${quote.vendorId}`,
          parentKey: `quotes#${quote.requestId}`,
          sortKey: quote.vendorId,
        },
      }),
    );
  }

  async quotesFor(requestId: string): Promise<Quote[]> {
    return this.children(`quotes#${requestId}`, Quote, 100);
  }

  async savePurchase(purchase: PurchaseRecord): Promise<PurchaseRecord> {
    const rank = PURCHASE_STATUS_ORDER[purchase.status];
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...purchase,
            recordKey: `purchase#${purchase.requestId}`,
            parentKey: purchaseParentKey(
              purchase.projectId ? `project#${purchase.projectId.system}#${purchase.projectId.id}` : undefined,
            ),
            sortKey: `${purchase.requestedAt}#${purchase.requestId}`,
            statusRank: rank,
          },
          ConditionExpression: 'attribute_not_exists(recordKey) OR statusRank <= :rank',
          ExpressionAttributeValues: { ':rank': rank },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // A later status is already recorded: a retried step must not roll it back.
      const current = await this.getPurchase(purchase.requestId);
      if (current) return current;
      throw error;
    }
    return purchase;
  }

  async getPurchase(requestId: string): Promise<PurchaseRecord | undefined> {
    return this.read(`purchase#${requestId}`, PurchaseRecord);
  }

  async purchasesForProject(projectKey: string, limit: number): Promise<PurchaseRecord[]> {
    return this.children(purchaseParentKey(projectKey), PurchaseRecord, limit);
  }

  /** Seeds vendors (demo data, tests), 16 writes in flight, as dynalite and DynamoDB take them best. */
  async putVendors(vendors: readonly VendorRecord[]): Promise<void> {
    for (let start = 0; start < vendors.length; start += 16) {
      await Promise.all(
        vendors.slice(start, start + 16).map((vendor) =>
          this.documents.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...VendorRecord.parse(vendor),
                recordKey: `vendor#${vendor.vendorId}`,
                parentKey: `region#${vendor.region}`,
                sortKey: vendor.vendorId,
              },
            }),
          ),
        ),
      );
    }
  }

  private async read<T extends z.ZodType>(recordKey: string, schema: T): Promise<z.output<T> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { recordKey }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : schema.parse(Item);
  }

  private async children<T extends z.ZodType>(parentKey: string, schema: T, limit: number): Promise<z.output<T>[]> {
    const items: z.output<T>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PROCUREMENT_BY_PARENT_INDEX,
          KeyConditionExpression: 'parentKey = :parent',
          ExpressionAttributeValues: { ':parent': parentKey },
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      for (const item of page.Items ?? []) items.push(schema.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }
}
