import type { ErpInvoices, InvoiceDraft, InvoiceDraftRequest } from '../erp/erp-invoices';
import { SandboxRecordStore, type SandboxRecord } from './sandbox-record-store';

/** Prefix of sandbox invoice ids. */
const INVOICE_PREFIX = 'INV';

/**
 * The sandbox ERP's invoice drafts, as `erp#invoice#<id>` records of the shared sandbox store:
 * the id is derived from the idempotency key (project + period), so a draft is found by key
 * with one read, a repeat costs one conditional write, and ERP faults injected for
 * `createInvoiceDraft` apply (`psflow sandbox faults erp`).
 */
export class SandboxErpInvoices implements ErpInvoices {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createInvoiceDraft(idempotencyKey: string, request: InvoiceDraftRequest): Promise<InvoiceDraft> {
    const record = await this.store.create({
      system: 'erp',
      operation: 'createInvoiceDraft',
      type: 'invoice',
      idPrefix: INVOICE_PREFIX,
      idempotencyKey,
      payload: { ...request, status: 'draft' },
      now: this.now(),
      reference: request.projectId,
    });
    return toDraft(record);
  }

  async findInvoiceDraft(idempotencyKey: string): Promise<InvoiceDraft | undefined> {
    const record = await this.store.get(recordKeyOf(idempotencyKey));
    return record ? toDraft(record) : undefined;
  }

  async voidInvoiceDraft(idempotencyKey: string, reason: string): Promise<InvoiceDraft | undefined> {
    if (!(await this.findInvoiceDraft(idempotencyKey))) return undefined;
    const record = await this.store.update(
      'erp',
      'voidInvoiceDraft',
      recordKeyOf(idempotencyKey),
      { status: 'void', voidReason: reason, voidedAt: this.now().toISOString() },
      ['voidReason', 'voidedAt'],
    );
    return toDraft(record);
  }
}

function recordKeyOf(idempotencyKey: string): string {
  return `erp#invoice#${SandboxRecordStore.idFor(INVOICE_PREFIX, idempotencyKey)}`;
}

/** The stored record read back as the port's type; the sandbox wrote every field itself. */
function toDraft(record: SandboxRecord): InvoiceDraft {
  const text = (field: string): string => String(record[field] ?? '');
  const amount = (field: string): number => Number(record[field] ?? 0);
  return {
    invoiceId: record.id,
    idempotencyKey: record.idempotencyKey ?? '',
    createdAt: record.createdAt,
    status: record.status === 'void' ? 'void' : 'draft',
    ...(record.voidReason === undefined ? {} : { voidReason: text('voidReason') }),
    projectId: text('projectId'),
    clientId: text('clientId'),
    region: text('region'),
    country: text('country'),
    period: text('period'),
    currency: text('currency'),
    lines: Array.isArray(record.lines) ? record.lines : [],
    subtotalMinor: amount('subtotalMinor'),
    taxRate: amount('taxRate'),
    taxMinor: amount('taxMinor'),
    roundingMinor: amount('roundingMinor'),
    totalMinor: amount('totalMinor'),
    reverseCharge: record.reverseCharge === true,
    taxRule: text('taxRule'),
  };
}
