import type { Money } from '../../model/primitives';

/** An ERP legal entity: who the purchase order is raised by, and the currencies its books accept. */
export interface ErpLegalEntity {
  readonly entityId: string;
  readonly currencies: readonly string[];
}

/** What the ERP needs to raise a purchase order. */
export interface ErpPurchaseOrderRequest {
  readonly entityId: string;
  readonly vendorId: string;
  /** The purchase request the order comes from, for matching invoices later. */
  readonly requestId: string;
  readonly psflowProjectId?: string;
  readonly description: string;
  readonly amount: Money;
  readonly tax: { readonly treatment: string; readonly amount: Money };
}

/** A purchase order as the ERP holds it. */
export interface ErpPurchaseOrder {
  readonly purchaseOrderId: string;
  readonly status: 'open' | 'cancelled';
}

/**
 * The ERP's purchasing port, a second interface beside {@link ErpConnector} so that
 * connectors written for that one keep compiling. Raising is idempotent on its key; a currency
 * the entity's books do not accept is refused permanently, with the currencies it does accept.
 */
export interface ErpPurchaseOrders {
  /** The legal entity that buys for a region. */
  legalEntityFor(region: string): Promise<ErpLegalEntity>;
  raisePurchaseOrder(idempotencyKey: string, request: ErpPurchaseOrderRequest): Promise<ErpPurchaseOrder>;
  /** Compensation: the order stays on record, cancelled, with the reason. */
  cancelPurchaseOrder(idempotencyKey: string, purchaseOrderId: string, reason: string): Promise<ErpPurchaseOrder>;
}
