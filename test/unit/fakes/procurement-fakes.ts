import type { DocumentsConnector } from '../../../shared/connectors/documents/documents-connector';
import type {
  ErpPurchaseOrder,
  ErpPurchaseOrderRequest,
  ErpPurchaseOrders,
} from '../../../shared/connectors/erp/erp-purchase-orders';
import { PermanentConnectorError } from '../../../shared/connectors/connector-errors';
import {
  PURCHASE_STATUS_ORDER,
  type ProcurementConnector,
  type PurchaseRecord,
  type Quote,
  type VendorRecord,
} from '../../../shared/connectors/procurement/procurement-connector';
import type { BookableResourceRequest, PsaResources } from '../../../shared/connectors/psa/psa-resources';
import { SANDBOX_LEGAL_ENTITIES } from '../../../shared/connectors/sandbox/sandbox-erp-purchase-orders';
import type { EventPublisher, OutgoingEvent } from '../../../shared/events/event-publisher';
import type { Region } from '../../../shared/model/primitives';

/** The procurement port in memory, with the sandbox's rule that a status never goes back. */
export class InMemoryProcurement implements ProcurementConnector {
  readonly vendors = new Map<string, VendorRecord>();
  readonly quotes = new Map<string, Quote>();
  readonly purchases = new Map<string, PurchaseRecord>();

  constructor(vendors: readonly VendorRecord[] = []) {
    for (const vendor of vendors) this.vendors.set(vendor.vendorId, vendor);
  }
  async getVendor(vendorId: string): Promise<VendorRecord | undefined> {
    return this.vendors.get(vendorId);
  }
  async vendorsInRegion(region: Region): Promise<VendorRecord[]> {
    return [...this.vendors.values()].filter((vendor) => vendor.region === region);
  }
  async activateVendor(vendorId: string, at: string): Promise<VendorRecord> {
    const vendor = this.vendors.get(vendorId);
    if (!vendor || vendor.status === 'blocked')
      throw new PermanentConnectorError('procurement', 'activateVendor', `vendor ${vendorId} is unknown or blocked`);
    const active: VendorRecord = { ...vendor, status: 'active', onboardedAt: vendor.onboardedAt ?? at };
    this.vendors.set(vendorId, active);
    return active;
  }
  async recordQuote(quote: Quote): Promise<void> {
    this.quotes.set(`${quote.requestId}#${quote.vendorId}`, quote);
  }
  async quotesFor(requestId: string): Promise<Quote[]> {
    return [...this.quotes.values()].filter((quote) => quote.requestId === requestId);
  }
  async savePurchase(purchase: PurchaseRecord): Promise<PurchaseRecord> {
    const current = this.purchases.get(purchase.requestId);
    if (current && PURCHASE_STATUS_ORDER[current.status] > PURCHASE_STATUS_ORDER[purchase.status]) return current;
    this.purchases.set(purchase.requestId, purchase);
    return purchase;
  }
  async getPurchase(requestId: string): Promise<PurchaseRecord | undefined> {
    return this.purchases.get(requestId);
  }
  async purchasesForProject(projectKey: string, limit: number): Promise<PurchaseRecord[]> {
    return [...this.purchases.values()]
      .filter(
        (purchase) =>
          purchase.projectId && `project#${purchase.projectId.system}#${purchase.projectId.id}` === projectKey,
      )
      .slice(0, limit);
  }
}

/** The ERP's purchase orders in memory: idempotent per key, refusing a currency the entity does not keep. */
export class InMemoryPurchaseOrders implements ErpPurchaseOrders {
  readonly orders = new Map<
    string,
    ErpPurchaseOrderRequest & { purchaseOrderId: string; status: 'open' | 'cancelled' }
  >();
  calls = 0;
  async legalEntityFor(region: string) {
    const entity = SANDBOX_LEGAL_ENTITIES[region];
    if (!entity) throw new PermanentConnectorError('erp', 'legalEntityFor', `no entity for ${region}`);
    return entity;
  }
  async raisePurchaseOrder(idempotencyKey: string, request: ErpPurchaseOrderRequest): Promise<ErpPurchaseOrder> {
    this.calls += 1;
    const entity = Object.values(SANDBOX_LEGAL_ENTITIES).find((each) => each.entityId === request.entityId);
    if (!entity?.currencies.includes(request.amount.currency))
      throw new PermanentConnectorError(
        'erp',
        'raisePurchaseOrder',
        `entity does not accept ${request.amount.currency}`,
      );
    const existing = this.orders.get(idempotencyKey);
    if (existing) return { purchaseOrderId: existing.purchaseOrderId, status: existing.status };
    const order = { ...request, purchaseOrderId: `PO-${this.orders.size + 1}`, status: 'open' as const };
    this.orders.set(idempotencyKey, order);
    return { purchaseOrderId: order.purchaseOrderId, status: order.status };
  }
  async cancelPurchaseOrder(_key: string, purchaseOrderId: string): Promise<ErpPurchaseOrder> {
    for (const [orderKey, order] of this.orders)
      if (order.purchaseOrderId === purchaseOrderId) this.orders.set(orderKey, { ...order, status: 'cancelled' });
    return { purchaseOrderId, status: 'cancelled' };
  }
}

/** Documents in memory: task lists by key. */
export class InMemoryDocuments implements DocumentsConnector {
  readonly taskLists = new Map<string, { psflowProjectId: string; titles: string[] }>();
  async fileDocument(idempotencyKey: string) {
    return { documentId: `DOC-${idempotencyKey}` };
  }
  async createTasks(
    idempotencyKey: string,
    request: { psflowProjectId: string; tasks: readonly { title: string }[] },
  ): Promise<{ taskListId: string; count: number }> {
    this.taskLists.set(idempotencyKey, {
      psflowProjectId: request.psflowProjectId,
      titles: request.tasks.map((task) => task.title),
    });
    return { taskListId: `TL-${idempotencyKey}`, count: request.tasks.length };
  }
  async cancelTasks(_key: string, taskListId: string) {
    return { taskListId, status: 'cancelled' as const };
  }
  async compensateProject(): Promise<string[]> {
    return [];
  }
}

/** The PSA resource pool in memory. */
export class InMemoryResources implements PsaResources {
  readonly resources = new Map<string, BookableResourceRequest & { status: 'bookable' | 'retired' }>();
  async addBookableResource(idempotencyKey: string, request: BookableResourceRequest) {
    const existing = this.resources.get(idempotencyKey);
    if (!existing) this.resources.set(idempotencyKey, { ...request, status: 'bookable' });
    return { psaResourceId: `RES-${idempotencyKey}`, status: existing?.status ?? 'bookable' };
  }
  async retireResource(_key: string, psaResourceId: string) {
    for (const [resourceKey, resource] of this.resources)
      if (`RES-${resourceKey}` === psaResourceId) this.resources.set(resourceKey, { ...resource, status: 'retired' });
    return { psaResourceId };
  }
}

/** Records what would be put on the bus. */
export class RecordingPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.events.push(...events);
  }
}
