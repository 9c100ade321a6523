import * as z from 'zod';
import type {
  ErpLegalEntity,
  ErpPurchaseOrder,
  ErpPurchaseOrderRequest,
  ErpPurchaseOrders,
} from '../erp/erp-purchase-orders';
import { type BusinessCentralApi, derivedNumber, major, odata } from './business-central-client';

const CompanyInformation = z.looseObject({ currencyCode: z.string().min(1) });
const Currency = z.looseObject({ code: z.string().min(1) });

/**
 * The ERP's purchasing over Business Central API v2.0 `purchaseOrders` (a standard v2.0
 * entity: learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_purchaseorder).
 *
 * - The legal entity is the secret's Business Central company, for every region the stage
 *   serves: one company per stage secret. Its books accept its local currency
 *   (`companyInformation.currencyCode`) and the currencies set up in it (`currencies`).
 * - A purchase order in any other currency is refused before anything is written, permanently,
 *   naming the currencies the company accepts.
 * - A PO is one `POST purchaseOrders` with its line deep-inserted (`purchaseOrderLines`, lineType
 *   `Account` on the secret's `purchaseAccountNumber`), numbered {@link purchaseOrderNumber} from
 *   psflow's key, so a repeat finds the first one (`$filter=number eq '...'`). This needs the
 *   company's purchase order number series to allow manual numbers. The vendor is the Business
 *   Central vendor whose number is psflow's vendor id; tax is Business Central's, from the
 *   vendor's posting setup.
 * - Cancel: Business Central purchase orders have no cancelled status; an order is withdrawn
 *   with `DELETE purchaseOrders({id})`. With "Archive Orders" on in Purchases & Payables Setup
 *   (a prerequisite of this connector) Business Central keeps the deleted order in Purchase
 *   Order Archives, so it stays on record; psflow's procurement ledger keeps the reason. An
 *   order already received or invoiced cannot be deleted, and Business Central's refusal is a
 *   permanent error for finance. A second cancel finds the order gone and changes nothing.
 */
export class BusinessCentralPurchaseOrders implements ErpPurchaseOrders {
  private entity: ErpLegalEntity | undefined;

  constructor(private readonly api: BusinessCentralApi) {}

  async legalEntityFor(_region: string): Promise<ErpLegalEntity> {
    return this.companyEntity('legalEntityFor');
  }

  async raisePurchaseOrder(idempotencyKey: string, request: ErpPurchaseOrderRequest): Promise<ErpPurchaseOrder> {
    const operation = 'raisePurchaseOrder';
    const entity = await this.companyEntity(operation);
    if (request.entityId !== entity.entityId)
      throw this.api.refused(
        operation,
        `no legal entity ${request.entityId}; this stage's Business Central company is ${entity.entityId}`,
      );
    if (!entity.currencies.includes(request.amount.currency))
      throw this.api.refused(
        operation,
        `entity ${entity.entityId} does not accept ${request.amount.currency}; it accepts ${entity.currencies.join(', ')}`,
      );
    const number = purchaseOrderNumber(idempotencyKey);
    const existing = await this.api.findOne(operation, 'standard', 'purchaseOrders', `number eq '${odata(number)}'`);
    if (existing) return { purchaseOrderId: existing.id, status: 'open' };
    const secret = await this.api.secret();
    if (secret.purchaseAccountNumber === undefined)
      throw this.api.refused(
        operation,
        'the Business Central secret has no purchaseAccountNumber, the G/L account purchase order lines post to',
      );
    const created = await this.api.write(operation, 'POST', 'standard', 'purchaseOrders', {
      number,
      vendorNumber: request.vendorId,
      currencyCode: request.amount.currency,
      purchaseOrderLines: [
        {
          lineType: 'Account',
          lineObjectNumber: secret.purchaseAccountNumber,
          description: `${request.requestId}: ${request.description}`.slice(0, 100),
          quantity: 1,
          directUnitCost: major(request.amount),
        },
      ],
    });
    return { purchaseOrderId: created.id, status: 'open' };
  }

  async cancelPurchaseOrder(
    _idempotencyKey: string,
    purchaseOrderId: string,
    _reason: string,
  ): Promise<ErpPurchaseOrder> {
    await this.api.remove('cancelPurchaseOrder', 'standard', `purchaseOrders(${purchaseOrderId})`);
    return { purchaseOrderId, status: 'cancelled' };
  }

  private async companyEntity(operation: string): Promise<ErpLegalEntity> {
    if (this.entity) return this.entity;
    const secret = await this.api.secret();
    const [information] = await this.api.list(operation, 'standard', 'companyInformation');
    const local = this.api.parse(operation, CompanyInformation, information, 'the companyInformation').currencyCode;
    const others = (await this.api.list(operation, 'standard', 'currencies')).map(
      (value) => this.api.parse(operation, Currency, value, 'a currency').code,
    );
    this.entity = { entityId: secret.companyId, currencies: [...new Set([local, ...others])] };
    return this.entity;
  }
}

/** The Business Central number of the purchase order raised under a key: `PSP` and 17 hex digits. */
export function purchaseOrderNumber(idempotencyKey: string): string {
  return derivedNumber('PSP', idempotencyKey);
}
