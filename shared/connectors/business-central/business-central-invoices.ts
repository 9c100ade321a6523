import * as z from 'zod';
import { minorUnitDigits } from '../../model/primitives';
import { IDEMPOTENCY_CONFLICT } from '../idempotency';
import type { ErpInvoices, InvoiceDraft, InvoiceDraftRequest, InvoiceLine } from '../erp/erp-invoices';
import { type BusinessCentralApi, derivedNumber, major, odata } from './business-central-client';

/** Business Central's `externalDocumentNumber` is Text[35]: `PSFI` and 31 hex digits of the key's hash. */
const EXTERNAL_NUMBER_LENGTH = 35;

const Line = z.looseObject({
  description: z.string().optional(),
  quantity: z.number().optional(),
  unitPrice: z.number().optional(),
  amountExcludingTax: z.number().optional(),
});

/** A `salesInvoice` as the adapter reads it (API v2.0 resource type `salesInvoice`). */
const SalesInvoice = z.looseObject({
  id: z.string().min(1),
  number: z.string().optional(),
  externalDocumentNumber: z.string(),
  customerNumber: z.string().optional(),
  currencyCode: z.string().optional(),
  totalAmountExcludingTax: z.number(),
  totalTaxAmount: z.number().optional(),
  totalAmountIncludingTax: z.number().optional(),
  status: z.string(),
  lastModifiedDateTime: z.string().optional(),
  salesInvoiceLines: z.array(Line).optional(),
});
type SalesInvoice = z.infer<typeof SalesInvoice>;

/** Statuses of a posted invoice (Business Central's enum); anything else is still a draft. */
const POSTED = new Set(['Open', 'Paid', 'Corrective']);

/**
 * The ERP's invoice drafts over Business Central API v2.0 `salesInvoices`.
 *
 * - A draft is one `POST salesInvoices` with its lines deep-inserted (`salesInvoiceLines`), so it
 *   is created whole or not at all. Business Central has no idempotency header, so the draft's
 *   `externalDocumentNumber` is derived from psflow's key ({@link invoiceExternalNumber}) and a
 *   repeat finds the first draft with `$filter=externalDocumentNumber eq '...'`; a repeat whose
 *   currency or net total differs is refused as an idempotency conflict.
 * - The customer is the Business Central customer numbered {@link customerNumber} of the psflow
 *   client id (Code[20] cannot hold the id itself). Business Central refuses a document for a
 *   customer it lacks, and nothing else in psflow creates one, so a client's first draft creates
 *   its customer (named after the client id, for finance to complete); a concurrent draft that
 *   created it first is found again, not duplicated.
 * - Lines post to the G/L account `salesAccountNumber` of the secret (lineType `Account`). A line
 *   whose quantity times unit price is not exactly its amount is sent as quantity 1 at its amount,
 *   so the invoice totals what psflow checked. Tax is Business Central's: it computes it from the
 *   customer's VAT/tax posting setup, which must agree with psflow's tax table.
 * - Void (compensation) follows what Business Central allows, per the API v2.0 reference
 *   (learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice):
 *   a draft (`Draft`, `In Review`) is an unposted document that has touched no ledger, and the
 *   only way to discard one is `DELETE salesInvoices({id})` (the bound `Microsoft.NAV.cancel`
 *   action refuses an unposted invoice), so a draft is deleted and psflow's billing records keep
 *   the void and its reason. An invoice someone has since posted (`Open`, `Paid`) is never
 *   deleted: it is cancelled with `Microsoft.NAV.cancel`, which posts a corrective credit memo
 *   and keeps the invoice on record as `Canceled`. A deleted draft is no longer found, so a second
 *   void finds nothing and changes nothing.
 * - What Business Central does not keep (region, country, tax rule) reads back empty; the project
 *   and period come from the idempotency key (`invoice:<project>:<period>`).
 */
export class BusinessCentralInvoices implements ErpInvoices {
  constructor(
    private readonly api: BusinessCentralApi,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createInvoiceDraft(idempotencyKey: string, request: InvoiceDraftRequest): Promise<InvoiceDraft> {
    const operation = 'createInvoiceDraft';
    const existing = await this.find(operation, idempotencyKey);
    if (existing) {
      const subtotal = major({ amountMinor: request.subtotalMinor, currency: request.currency });
      if (existing.currencyCode !== request.currency || !sameAmount(existing.totalAmountExcludingTax, subtotal))
        throw this.api.refused(
          operation,
          `${IDEMPOTENCY_CONFLICT}: key ${idempotencyKey} was first used for invoice ${existing.number ?? existing.id} of ${existing.totalAmountExcludingTax} ${existing.currencyCode ?? ''} net, not ${subtotal} ${request.currency}`,
        );
      return this.toDraft(existing, idempotencyKey, request);
    }
    const secret = await this.api.secret();
    if (secret.salesAccountNumber === undefined)
      throw this.api.refused(
        operation,
        'the Business Central secret has no salesAccountNumber, the G/L account invoice lines post to',
      );
    const account = secret.salesAccountNumber;
    await this.ensureCustomer(operation, request.clientId);
    const created = await this.api.write(operation, 'POST', 'standard', 'salesInvoices?$expand=salesInvoiceLines', {
      externalDocumentNumber: invoiceExternalNumber(idempotencyKey),
      customerNumber: customerNumber(request.clientId),
      currencyCode: request.currency,
      salesInvoiceLines: request.lines.map((line) => salesLine(line, request.currency, account)),
    });
    return this.toDraft(
      this.api.parse(operation, SalesInvoice, created, 'the created salesInvoice'),
      idempotencyKey,
      request,
    );
  }

  async findInvoiceDraft(idempotencyKey: string): Promise<InvoiceDraft | undefined> {
    const found = await this.find('findInvoiceDraft', idempotencyKey);
    return found ? this.toDraft(found, idempotencyKey) : undefined;
  }

  async voidInvoiceDraft(idempotencyKey: string, reason: string): Promise<InvoiceDraft | undefined> {
    const operation = 'voidInvoiceDraft';
    const found = await this.find(operation, idempotencyKey);
    if (!found) return undefined;
    const voided = { ...this.toDraft(found, idempotencyKey), status: 'void' as const, voidReason: reason };
    if (found.status === 'Canceled') return voided;
    if (POSTED.has(found.status)) await this.api.action(operation, 'standard', `salesInvoices(${found.id})`, 'cancel');
    else await this.api.remove(operation, 'standard', `salesInvoices(${found.id})`);
    return voided;
  }

  private async ensureCustomer(operation: string, clientId: string): Promise<void> {
    const number = customerNumber(clientId);
    const exists = async (): Promise<boolean> =>
      (await this.api.findOne(operation, 'standard', 'customers', `number eq '${odata(number)}'`)) !== undefined;
    if (await exists()) return;
    try {
      await this.api.write(operation, 'POST', 'standard', 'customers', {
        number,
        displayName: `psflow client ${clientId}`.slice(0, 100),
      });
    } catch (error) {
      // Customer numbers are unique: if another draft created it meanwhile, that one is ours too.
      if (!(await exists())) throw error;
    }
  }

  private async find(operation: string, idempotencyKey: string): Promise<SalesInvoice | undefined> {
    const [first] = await this.api.list(
      operation,
      'standard',
      'salesInvoices',
      `externalDocumentNumber eq '${odata(invoiceExternalNumber(idempotencyKey))}'`,
      'salesInvoiceLines',
    );
    return first === undefined ? undefined : this.api.parse(operation, SalesInvoice, first, 'a salesInvoice');
  }

  private toDraft(invoice: SalesInvoice, idempotencyKey: string, request?: InvoiceDraftRequest): InvoiceDraft {
    const status = invoice.status === 'Canceled' ? 'void' : 'draft';
    const common = {
      invoiceId: invoice.id,
      idempotencyKey,
      createdAt: invoice.lastModifiedDateTime ?? this.now().toISOString(),
      status,
    } as const;
    if (request) return { ...request, ...common };
    const [, projectId = '', period = ''] = /^invoice:(.+):([^:]+)$/.exec(idempotencyKey) ?? [];
    const currency = invoice.currencyCode ?? '';
    const minor = (amount: number | undefined): number =>
      currency === '' ? 0 : Math.round((amount ?? 0) * 10 ** minorUnitDigits(currency));
    return {
      ...common,
      projectId,
      clientId: '',
      region: '',
      country: '',
      period,
      currency,
      lines: (invoice.salesInvoiceLines ?? []).map((line) => ({
        kind: lineKind(line.description ?? ''),
        description: (line.description ?? '').replace(/^\w+: /, ''),
        quantity: line.quantity ?? 1,
        unitPriceMinor: minor(line.unitPrice),
        amountMinor: minor(line.amountExcludingTax ?? (line.quantity ?? 1) * (line.unitPrice ?? 0)),
        sourceRecordIds: [],
      })),
      subtotalMinor: minor(invoice.totalAmountExcludingTax),
      taxRate: 0,
      taxMinor: minor(invoice.totalTaxAmount),
      roundingMinor: 0,
      totalMinor: minor(invoice.totalAmountIncludingTax ?? invoice.totalAmountExcludingTax),
      reverseCharge: false,
      taxRule: '',
    };
  }
}

/** The `externalDocumentNumber` of the draft made under an idempotency key. */
export function invoiceExternalNumber(idempotencyKey: string): string {
  return derivedNumber('PSFI', idempotencyKey, EXTERNAL_NUMBER_LENGTH);
}

/** The Business Central customer number of a psflow client: `PSC` and 17 hex digits of its hash. */
export function customerNumber(clientId: string): string {
  return derivedNumber('PSC', clientId);
}

/** One `salesInvoiceLine` for deep insert; the kind leads the description so it reads back. */
function salesLine(line: InvoiceLine, currency: string, account: string): Record<string, unknown> {
  const exact = Math.round(line.quantity * line.unitPriceMinor) === line.amountMinor;
  return {
    lineType: 'Account',
    lineObjectNumber: account,
    description: `${line.kind}: ${line.description}`.slice(0, 100),
    quantity: exact ? line.quantity : 1,
    unitPrice: major({ amountMinor: exact ? line.unitPriceMinor : line.amountMinor, currency }),
  };
}

function lineKind(description: string): InvoiceLine['kind'] {
  const kind = /^(time|expense|milestone|retainer): /.exec(description)?.[1];
  return kind === 'expense' || kind === 'milestone' || kind === 'retainer' ? kind : 'time';
}

/** Decimal amounts compared to a hundredth of a minor unit, so float noise is not a conflict. */
function sameAmount(left: number, right: number): boolean {
  return Math.abs(left - right) < 1e-6;
}
