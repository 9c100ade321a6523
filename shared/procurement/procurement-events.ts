import * as z from 'zod';
import { ExternalId, IsoDate, IsoDateTime, Money, Region } from '../model/primitives';

/** Detail of `Purchase Order Issued` v1: the order, who approved it, and the PO cycle time (a KPI). */
export const PurchaseOrderIssuedDetail = z.object({
  requestId: z.string().min(1),
  purchaseOrderId: ExternalId,
  vendorId: ExternalId,
  projectId: ExternalId.optional(),
  region: Region,
  amount: Money,
  tax: z.object({ treatment: z.string(), amount: Money }),
  requestedBy: z.string(),
  approvers: z.array(z.string()),
  requestedAt: IsoDateTime,
  issuedAt: IsoDateTime,
  /** From the request to the issued order, in seconds: the PO cycle time KPI. */
  cycleTimeSeconds: z.number().nonnegative(),
});
/** Typed {@link PurchaseOrderIssuedDetail}. */
export type PurchaseOrderIssuedDetail = z.infer<typeof PurchaseOrderIssuedDetail>;

/** Detail of `Vendor Onboarded` v1: the vendor, the documents checked and their expiry. */
export const VendorOnboardedDetail = z.object({
  vendorId: ExternalId,
  name: z.string(),
  region: Region,
  requestId: z.string().min(1),
  documents: z.array(z.object({ kind: z.string(), expiresOn: IsoDate })),
  onboardedAt: IsoDateTime,
});
/** Typed {@link VendorOnboardedDetail}. */
export type VendorOnboardedDetail = z.infer<typeof VendorOnboardedDetail>;
