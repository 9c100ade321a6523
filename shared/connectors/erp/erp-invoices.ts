/**
 * The ERP's invoice drafts: a second port beside `ErpConnector` (`erp-connector.ts`), so real
 * ERP connectors of that port keep compiling; an ERP integration implements both.
 * Amounts are integer minor units of the invoice currency.
 */

/** One line of an invoice draft. */
export interface InvoiceLine {
  readonly kind: 'time' | 'expense' | 'milestone' | 'retainer';
  readonly description: string;
  /** Hours for time lines, 1 otherwise. */
  readonly quantity: number;
  /** Unit price in minor units (for time: the hourly rate). */
  readonly unitPriceMinor: number;
  readonly amountMinor: number;
  /** The PSA records the line bills, so the invoice can be traced back. */
  readonly sourceRecordIds: readonly string[];
}

/** What psflow asks the ERP to draft. */
export interface InvoiceDraftRequest {
  readonly projectId: string;
  readonly clientId: string;
  readonly region: string;
  readonly country: string;
  /** The billing period, `YYYY-MM` or `YYYY-MM-H1`/`-H2`. */
  readonly period: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly subtotalMinor: number;
  readonly taxRate: number;
  readonly taxMinor: number;
  /** What rounding the total to the currency's step added (negative: removed); 0 for most currencies. */
  readonly roundingMinor: number;
  readonly totalMinor: number;
  /** The tax is accounted for by the client (EU B2B cross-border): no tax on the invoice. */
  readonly reverseCharge: boolean;
  /** The tax table rule that decided the rate, for the auditor. */
  readonly taxRule: string;
}

/** An invoice draft as the ERP holds it. Drafts are never deleted; an abort voids one. */
export interface InvoiceDraft extends InvoiceDraftRequest {
  readonly invoiceId: string;
  readonly status: 'draft' | 'void';
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly voidReason?: string;
}

/** The idempotency key of a project's invoice for a period: one draft per project and period. */
export function invoiceIdempotencyKey(projectId: string, period: string): string {
  return `invoice:${projectId}:${period}`;
}

/** The ERP port for invoice drafts. Every write takes an idempotency key. */
export interface ErpInvoices {
  /** Drafts the invoice once per key; a repeat answers with the first draft, a different payload is refused. */
  createInvoiceDraft(idempotencyKey: string, request: InvoiceDraftRequest): Promise<InvoiceDraft>;
  /** The draft made under a key, if any. */
  findInvoiceDraft(idempotencyKey: string): Promise<InvoiceDraft | undefined>;
  /** Compensation: the draft stays on record, void, with the reason. Voiding twice changes nothing. */
  voidInvoiceDraft(idempotencyKey: string, reason: string): Promise<InvoiceDraft | undefined>;
}
