import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { parseStoredItem, parseStoredItems } from '../repositories/stored-item';

/** Index of staffing requests by status, newest first. */
export const STAFFING_REQUESTS_BY_STATUS_INDEX = 'byStatus';

/** Where a staffing request stands. */
export const StaffingStatus = z.enum([
  'held',
  'recommended',
  'unfilled',
  'on-hold',
  'assigned',
  'subcontractor-requested',
  'requisition-opened',
  'rejected',
]);
/** Typed {@link StaffingStatus}. */
export type StaffingStatus = z.infer<typeof StaffingStatus>;

/** A staffing request as operators read it. */
export const StaffingRequestRecord = z
  .object({
    requestId: z.string(),
    status: StaffingStatus,
    updatedAt: z.string(),
    projectId: z.string().optional(),
    role: z.string().optional(),
    /** Why a held request was held. */
    problems: z.array(z.string()).optional(),
    /** The whole recommendation: candidates with factors and sentences, exclusions, proposal. */
    recommendation: z.unknown().optional(),
    outcome: z.string().optional(),
  })
  .passthrough();
/** Typed {@link StaffingRequestRecord}. */
export type StaffingRequestRecord = z.infer<typeof StaffingRequestRecord>;

/** The port of the staffing requests table. */
export interface StaffingRequestStore {
  /** Sets a request's status and fields, creating the record if needed. */
  save(requestId: string, status: StaffingStatus, fields: Record<string, unknown>, at: Date): Promise<void>;
  get(requestId: string): Promise<StaffingRequestRecord | undefined>;
  /** Requests in one status, newest first. */
  listByStatus(status: StaffingStatus, limit: number): Promise<StaffingRequestRecord[]>;
}

/** The staffing requests table: one item per request, indexed by status. */
export class DynamoDbStaffingRequestStore implements StaffingRequestStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async save(requestId: string, status: StaffingStatus, fields: Record<string, unknown>, at: Date): Promise<void> {
    const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':status': status, ':at': at.toISOString() };
    const sets = ['#status = :status', '#updatedAt = :at'];
    Object.entries(fields).forEach(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:v${index}`] = value;
      sets.push(`#f${index} = :v${index}`);
    });
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async get(requestId: string): Promise<StaffingRequestRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { requestId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : parseStoredItem(StaffingRequestRecord, Item, 'staffing request');
  }

  async listByStatus(status: StaffingStatus, limit: number): Promise<StaffingRequestRecord[]> {
    const { Items } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: STAFFING_REQUESTS_BY_STATUS_INDEX,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    // A record that does not fit fails the listing with its fields named, instead of vanishing from it.
    return parseStoredItems(StaffingRequestRecord, Items, 'staffing request');
  }
}
