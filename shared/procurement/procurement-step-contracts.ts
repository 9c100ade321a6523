import type { StepContract } from '../workflows/step-contract';
import {
  ApprovedPurchase,
  AssessedPurchase,
  OrderedPurchase,
  ProcurementState,
  PurchaseAssessment,
  PurchaseOrderRaised,
  ResourceAdded,
  VendorOnboarding,
} from './procurement-state';

/** What a purchase's approval decided on: the vendor, the amount and tax, the request, and the approval itself. */
const PURCHASE_APPROVED_FIELDS = [
  '/request/vendorId',
  '/request/amount',
  '/request/roleLine',
  '/request/region',
  '/request/requestedBy',
  '/request/receiver',
  '/assessment/vendor',
  '/assessment/amount',
  '/assessment/tax',
  '/assessment/subject',
  '/approval',
] as const;

/** The guarded steps of procurement, by state name. */
export const PROCUREMENT_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  // Before the approval: a corrected request is assessed and routed afresh.
  AssessPurchase: { input: ProcurementState, output: PurchaseAssessment, approvedFields: [] },
  OnboardVendor: { input: AssessedPurchase, output: VendorOnboarding, approvedFields: PURCHASE_APPROVED_FIELDS },
  RaisePurchaseOrder: {
    input: ApprovedPurchase,
    output: PurchaseOrderRaised,
    approvedFields: PURCHASE_APPROVED_FIELDS,
  },
  AddBookableResource: { input: OrderedPurchase, output: ResourceAdded, approvedFields: PURCHASE_APPROVED_FIELDS },
};
