import { PermanentConnectorError } from '../connector-errors';
import type {
  ErpLegalEntity,
  ErpPurchaseOrder,
  ErpPurchaseOrderRequest,
  ErpPurchaseOrders,
} from '../erp/erp-purchase-orders';
import type { SandboxRecordStore } from './sandbox-record-store';

/**
 * The sandbox ERP's legal entities: one per region, each keeping its books in a few currencies.
 * A purchase order in any other currency is refused, as a real ERP refuses it.
 */
export const SANDBOX_LEGAL_ENTITIES: Readonly<Record<string, ErpLegalEntity>> = {
  EMEA: { entityId: 'ENT-EMEA-01', currencies: ['EUR', 'GBP', 'CHF'] },
  AMER: { entityId: 'ENT-AMER-01', currencies: ['USD', 'CAD'] },
  APAC: { entityId: 'ENT-APAC-01', currencies: ['AUD', 'SGD', 'JPY'] },
};

/** The sandbox ERP's purchase orders, as sandbox records beside its projects and budgets. */
export class SandboxErpPurchaseOrders implements ErpPurchaseOrders {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async legalEntityFor(region: string): Promise<ErpLegalEntity> {
    const entity = SANDBOX_LEGAL_ENTITIES[region];
    if (!entity)
      throw new PermanentConnectorError('erp', 'legalEntityFor', `no legal entity buys for region ${region}`);
    return entity;
  }

  async raisePurchaseOrder(idempotencyKey: string, request: ErpPurchaseOrderRequest): Promise<ErpPurchaseOrder> {
    const entity = Object.values(SANDBOX_LEGAL_ENTITIES).find((each) => each.entityId === request.entityId);
    if (!entity) throw new PermanentConnectorError('erp', 'raisePurchaseOrder', `no legal entity ${request.entityId}`);
    if (!entity.currencies.includes(request.amount.currency))
      throw new PermanentConnectorError(
        'erp',
        'raisePurchaseOrder',
        `entity ${entity.entityId} does not accept ${request.amount.currency}; it accepts ${entity.currencies.join(', ')}`,
      );
    const record = await this.store.create({
      system: 'erp',
      operation: 'raisePurchaseOrder',
      type: 'purchase-order',
      idPrefix: 'PO',
      idempotencyKey,
      payload: { ...request, status: 'open' },
      now: this.now(),
      reference: request.psflowProjectId ?? `purchase:${request.requestId}`,
    });
    return { purchaseOrderId: record.id, status: record.status === 'cancelled' ? 'cancelled' : 'open' };
  }

  async cancelPurchaseOrder(
    _idempotencyKey: string,
    purchaseOrderId: string,
    reason: string,
  ): Promise<ErpPurchaseOrder> {
    await this.store.update(
      'erp',
      'cancelPurchaseOrder',
      `erp#purchase-order#${purchaseOrderId}`,
      { status: 'cancelled', cancelledReason: reason, cancelledAt: this.now().toISOString() },
      ['cancelledReason', 'cancelledAt'],
    );
    return { purchaseOrderId, status: 'cancelled' };
  }
}
