import type { Money } from '../../model/primitives';

/** A subcontractor (or any external person) to add to the PSA's resource pool. */
export interface BookableResourceRequest {
  readonly resourceId: string;
  readonly name: string;
  readonly vendorId: string;
  readonly role: string;
  readonly skills: readonly string[];
  readonly region: string;
  /** What an hour of this resource costs the firm: the vendor's rate, for margin. */
  readonly costRate: Money;
  readonly availableFrom: string;
  readonly availableTo: string;
  /** The project the resource was bought for, if any. */
  readonly psflowProjectId?: string;
  readonly purchaseOrderId: string;
}

/**
 * The PSA's resource-pool port, a second interface beside {@link PsaConnector}: a
 * subcontractor joins the pool as a bookable resource with its cost rate, so staffing can
 * book it. Idempotent on its key; retiring keeps the record.
 */
export interface PsaResources {
  addBookableResource(
    idempotencyKey: string,
    request: BookableResourceRequest,
  ): Promise<{ psaResourceId: string; status: 'bookable' | 'retired' }>;
  /** Compensation: the resource is retired, not deleted. */
  retireResource(idempotencyKey: string, psaResourceId: string, reason: string): Promise<{ psaResourceId: string }>;
}
