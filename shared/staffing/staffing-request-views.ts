import * as z from 'zod';
import { StaffingStatus, type StaffingRequestRecord, type StaffingRequestStore } from './staffing-request-store';

/** What operators read of staffing requests: the CLI and the operations API. */
export type StaffingRequestReader = Pick<StaffingRequestStore, 'get' | 'listByStatus'>;

/** Requests still waiting for someone: held, being recommended, unfilled, or on hold for approval. */
export const OPEN_STAFFING_STATUSES: readonly StaffingStatus[] = ['held', 'recommended', 'unfilled', 'on-hold'];

/** A status filter as operators write it: `open`, `all`, or one status. */
export const StaffingStatusFilter = z.union([z.literal('open'), z.literal('all'), StaffingStatus], {
  error: `status must be open, all or one of ${StaffingStatus.options.join(', ')}`,
});
/** Typed {@link StaffingStatusFilter}. */
export type StaffingStatusFilter = z.infer<typeof StaffingStatusFilter>;

/** Requests matching the filter, newest first, at most `limit`; each status is one index query. */
export async function listStaffingRequests(
  reader: StaffingRequestReader,
  filter: StaffingStatusFilter,
  limit: number,
): Promise<StaffingRequestRecord[]> {
  const statuses = filter === 'all' ? StaffingStatus.options : filter === 'open' ? OPEN_STAFFING_STATUSES : [filter];
  const records = await Promise.all(statuses.map((status) => reader.listByStatus(status, limit)));
  return records
    .flat()
    .sort((left, right) => right.updatedAt.localeCompare(left.updatedAt))
    .slice(0, limit);
}

/** A request's ranked candidates, exclusions and proposal, as the recommendation recorded them. */
export function staffingCandidates(record: StaffingRequestRecord): {
  readonly requestId: string;
  readonly status: StaffingStatus;
  readonly recommendation: unknown;
} {
  // Held requests were never ranked: they say why instead.
  return { requestId: record.requestId, status: record.status, recommendation: record.recommendation ?? null };
}
