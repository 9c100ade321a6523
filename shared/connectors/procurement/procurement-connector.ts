import * as z from 'zod';
import { ExternalId, IsoDate, IsoDateTime, Money, Region } from '../../model/primitives';

/** The onboarding documents every vendor must hold, each with an expiry date. */
export const VendorDocumentKind = z.enum(['insurance', 'tax-form', 'nda']);
/** Typed {@link VendorDocumentKind}. */
export type VendorDocumentKind = z.infer<typeof VendorDocumentKind>;

/** One onboarding document on file. */
export const VendorDocument = z.object({
  kind: VendorDocumentKind,
  reference: z.string().min(1).max(200),
  expiresOn: IsoDate,
});
/** Typed {@link VendorDocument}. */
export type VendorDocument = z.infer<typeof VendorDocument>;

/** A vendor as the procurement system holds it. */
export const VendorRecord = z.object({
  vendorId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).max(200),
  region: Region,
  /** `prospective`: never used, onboarding needed; `blocked`: never to be used. */
  status: z.enum(['prospective', 'active', 'blocked']),
  riskRating: z.enum(['low', 'medium', 'high']),
  preferred: z.boolean(),
  documents: z.array(VendorDocument),
  /** Hourly cost rates the vendor charges for a role, for subcontractors. */
  rates: z.array(z.object({ role: z.string().min(1), rate: Money })).default([]),
  onboardedAt: IsoDateTime.optional(),
});
/** Typed {@link VendorRecord}. */
export type VendorRecord = z.infer<typeof VendorRecord>;

/** A vendor's quote for one purchase request. */
export const Quote = z.object({
  requestId: z.string().min(1),
  vendorId: z.string().min(1),
  amount: Money,
  receivedAt: IsoDateTime,
});
/** Typed {@link Quote}. */
export type Quote = z.infer<typeof Quote>;

/** Where a purchase stands in the procurement system. */
export const PurchaseStatus = z.enum(['requested', 'held', 'approved', 'issued', 'received', 'cancelled']);
/** Typed {@link PurchaseStatus}. */
export type PurchaseStatus = z.infer<typeof PurchaseStatus>;

/** A purchase request and the order it becomes: who asked, who approved, who received, and why it was held. */
export const PurchaseRecord = z.object({
  requestId: z.string().min(1),
  status: PurchaseStatus,
  source: z.enum(['staffing', 'api']),
  projectId: ExternalId.optional(),
  region: Region,
  description: z.string(),
  requestedBy: z.string().min(1),
  receiver: z.string().min(1).optional(),
  vendorId: z.string().optional(),
  amount: Money.optional(),
  requestedAt: IsoDateTime,
  heldReasons: z.array(z.string()).optional(),
  approvers: z.array(z.string()).optional(),
  erpPurchaseOrderId: z.string().optional(),
  issuedAt: IsoDateTime.optional(),
  receivedBy: z.string().optional(),
  receivedAt: IsoDateTime.optional(),
  cancelledReason: z.string().optional(),
  updatedAt: IsoDateTime,
});
/** Typed {@link PurchaseRecord}. */
export type PurchaseRecord = z.infer<typeof PurchaseRecord>;

/**
 * The procurement port: the vendor master (status, risk, preferred flag, onboarding documents),
 * quotes, and the purchase ledger. Reads go through keys and indexes (vendors by region,
 * purchases by project), never a scan. Writes are idempotent: a purchase is keyed by its
 * request id, a quote by request and vendor.
 */
export interface ProcurementConnector {
  getVendor(vendorId: string): Promise<VendorRecord | undefined>;
  /** Vendors of a region, for choosing a subcontractor. */
  vendorsInRegion(region: Region): Promise<VendorRecord[]>;
  /** Marks a vendor active once its documents passed onboarding; repeating it changes nothing. */
  activateVendor(vendorId: string, at: string): Promise<VendorRecord>;
  recordQuote(quote: Quote): Promise<void>;
  quotesFor(requestId: string): Promise<Quote[]>;
  /** Writes the purchase; a later status never goes back to an earlier one (a retried step cannot undo a receipt). */
  savePurchase(purchase: PurchaseRecord): Promise<PurchaseRecord>;
  getPurchase(requestId: string): Promise<PurchaseRecord | undefined>;
  purchasesForProject(projectKey: string, limit: number): Promise<PurchaseRecord[]>;
}

/** The order of purchase statuses; `cancelled` and `held` may follow any open one. */
export const PURCHASE_STATUS_ORDER: Readonly<Record<PurchaseStatus, number>> = {
  held: 0,
  requested: 0,
  approved: 1,
  issued: 2,
  received: 3,
  cancelled: 4,
};
