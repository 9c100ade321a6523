import { createHash } from 'node:crypto';
import * as z from 'zod';
import { RoleLine } from '../model/entities';
import { ExternalId, IsoDateTime } from '../model/primitives';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import { findContract } from '../events/contracts';
import { PurchaseRequest } from './procurement-state';

/** The fields of the v1 detail procurement reads, typed; the contract itself has already checked them. */
const SubcontractorDetail = z.object({
  requestId: z.string(),
  projectId: ExternalId,
  roleLine: RoleLine,
  region: z.string(),
  requestedBy: z.string(),
  reason: z.string(),
  requestedAt: IsoDateTime,
});

/** The event a rule hands to a Lambda target: the fields procurement reads. */
export interface BusEvent {
  readonly id?: string;
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail?: unknown;
}

/** An event that is not a valid `Subcontractor Requested` v1; the message says what is wrong and where. */
export class InvalidSubcontractorRequestError extends Error {
  override readonly name = 'InvalidSubcontractorRequestError';
}

/**
 * The purchase request for a `Subcontractor Requested` v1 event, checked against the contract on
 * main (staffing's producer is validated by the same schema). The staffing request id becomes the
 * purchase's request id, so a duplicate delivery starts nothing new.
 */
export function purchaseRequestFromSubcontractorRequested(event: BusEvent): PurchaseRequest {
  const contract = findContract(PsflowSource.Workflow, WorkflowDetailType.SubcontractorRequested);
  if (!contract) throw new InvalidSubcontractorRequestError('no Subcontractor Requested contract is registered');
  if (event.source !== contract.source || event['detail-type'] !== contract.detailType)
    throw new InvalidSubcontractorRequestError(
      `event ${event.id ?? '(no id)'} is ${String(event.source)} / ${String(event['detail-type'])}, not ${contract.source} / ${contract.detailType}`,
    );
  const parsed = contract.detail.safeParse(event.detail);
  if (!parsed.success)
    throw new InvalidSubcontractorRequestError(
      `event ${event.id ?? '(no id)'}: ${parsed.error.issues.map((issue) => `$.detail.${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const detail = SubcontractorDetail.parse(parsed.data);
  const request = PurchaseRequest.safeParse({
    requestId: purchaseRequestIdFor(detail.requestId),
    source: 'staffing',
    projectId: detail.projectId,
    region: detail.region,
    requestedBy: detail.requestedBy,
    description: `Subcontractor for ${detail.roleLine.role}: ${detail.reason}`.slice(0, 2000),
    roleLine: detail.roleLine,
    requestedAt: detail.requestedAt,
  });
  if (!request.success)
    throw new InvalidSubcontractorRequestError(
      `event ${event.id ?? '(no id)'}: ${request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  return request.data;
}

/** The purchase request id of a staffing request: readable when its id is safe in keys, hashed when not. */
export function purchaseRequestIdFor(staffingRequestId: string): string {
  const plain = `sub-${staffingRequestId}`;
  if (/^[A-Za-z0-9_.:-]{1,120}$/.test(plain)) return plain;
  return `sub-${createHash('sha256').update(staffingRequestId).digest('hex').slice(0, 32)}`;
}
