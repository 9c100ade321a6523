import * as z from 'zod';
import { RoleLine } from '../model/entities';
import { ExternalId, IsoDateTime, Money, Region } from '../model/primitives';

/**
 * The one state contract of the procurement workflow. Each stage writes its result under its
 * own key, and the definition's `resultPath`s are built from the same keys
 * ({@link ProcurementResultPath}).
 */

/** A request id: the idempotency key of the whole purchase, so it must be safe in keys and names. */
export const RequestId = z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'letters, digits and _ . : - only, at most 120');

/**
 * The workflow's input: a purchase request, from staffing (`Subcontractor Requested`, with a
 * role line and no vendor) or from a person through the API or CLI (a vendor and an amount).
 */
export const PurchaseRequest = z
  .object({
    requestId: RequestId,
    source: z.enum(['staffing', 'api']),
    projectId: ExternalId.optional(),
    region: Region,
    /** The practice whose approvers are asked; purchases without one route by region alone. */
    practice: z.string().min(1).max(50).default('procurement'),
    requestedBy: z.string().min(1).max(200),
    /** Who will receive the goods or services; never the requester, never an approver. */
    receiver: z.string().min(1).max(200).optional(),
    description: z.string().min(1).max(2000),
    vendorId: z.string().min(1).max(64).optional(),
    amount: Money.optional(),
    /** Other vendors' quotes for the same purchase, for the competitive-quote rule; the chosen vendor's amount is one. */
    competingQuotes: z
      .array(z.object({ vendorId: z.string().min(1).max(64), amount: Money }))
      .max(10)
      .default([]),
    /** For a subcontractor: the role line staffing could not fill. */
    roleLine: RoleLine.optional(),
    requestedAt: IsoDateTime,
  })
  .superRefine((request, context) => {
    if (!request.roleLine && (!request.vendorId || !request.amount))
      context.addIssue({
        code: 'custom',
        path: ['vendorId'],
        message: 'a purchase names a vendor and an amount, or a role line for a subcontractor',
      });
    if (request.amount && request.amount.amountMinor <= 0)
      context.addIssue({ code: 'custom', path: ['amount', 'amountMinor'], message: 'must be above zero' });
    if (request.receiver !== undefined && request.receiver === request.requestedBy)
      context.addIssue({
        code: 'custom',
        path: ['receiver'],
        message: `separation of duties: ${request.requestedBy} requested the purchase and cannot also receive it`,
      });
  });
/** Typed {@link PurchaseRequest}. */
export type PurchaseRequest = z.infer<typeof PurchaseRequest>;

/** What approvers see; the approval pattern reads it. */
export const PurchaseSubject = z.object({
  title: z.string().min(1),
  projectId: ExternalId.optional(),
  amount: Money,
  region: Region,
  practice: z.string().min(1),
  reasons: z.array(z.string()),
});

/** The vendor the purchase goes to. */
export const ChosenVendor = z.object({
  vendorId: z.string().min(1),
  name: z.string().min(1),
  /** Never used before: onboarding runs before the order is raised. */
  isNew: z.boolean(),
  /** For a subcontractor: the vendor's hourly rate for the role. */
  costRate: Money.optional(),
});

/** The assessment: vendor, amount, tax, the entity that buys, and what the policy asks. */
export const PurchaseAssessment = z.object({
  vendor: ChosenVendor,
  amount: Money,
  amountEur: z.number().int().nonnegative(),
  tax: z.object({ treatment: z.string(), ratePercent: z.number(), amount: Money }),
  entityId: z.string().min(1),
  requiredQuotes: z.number().int().positive(),
  quotes: z.number().int().nonnegative(),
  policyVersion: z.number().int().positive(),
  subject: PurchaseSubject,
  assessedAt: IsoDateTime,
});
/** Typed {@link PurchaseAssessment}. */
export type PurchaseAssessment = z.infer<typeof PurchaseAssessment>;

/** The approval pattern's result: the route, and each level's decision. */
export const PurchaseApproval = z.looseObject({
  decisions: z.array(z.looseObject({ decidedBy: z.string().min(1), decidedAt: IsoDateTime })).optional(),
});

/** Onboarding of a new vendor (or nothing to do for an active one). */
export const VendorOnboarding = z.object({
  onboarded: z.boolean(),
  taskListId: z.string().optional(),
  completedAt: IsoDateTime,
});
/** Typed {@link VendorOnboarding}. */
export type VendorOnboarding = z.infer<typeof VendorOnboarding>;

/** The purchase order raised in the ERP. */
export const PurchaseOrderRaised = z.object({
  purchaseOrderId: z.string().min(1),
  issuedAt: IsoDateTime,
  cycleTimeSeconds: z.number().nonnegative(),
  approvers: z.array(z.string()),
});
/** Typed {@link PurchaseOrderRaised}. */
export type PurchaseOrderRaised = z.infer<typeof PurchaseOrderRaised>;

/** The subcontractor in the PSA's resource pool. */
export const ResourceAdded = z.object({ psaResourceId: z.string().min(1), completedAt: IsoDateTime });
/** Typed {@link ResourceAdded}. */
export type ResourceAdded = z.infer<typeof ResourceAdded>;

/** Keys of the state, one per stage result. */
export const ProcurementKey = {
  assessment: 'assessment',
  approval: 'approval',
  onboarding: 'onboarding',
  purchaseOrder: 'purchaseOrder',
  resource: 'resource',
  compensation: 'compensation',
} as const;

/** The JSONPath each stage writes its result to. */
export const ProcurementResultPath = {
  assessment: `$.${ProcurementKey.assessment}`,
  approval: `$.${ProcurementKey.approval}`,
  onboarding: `$.${ProcurementKey.onboarding}`,
  purchaseOrder: `$.${ProcurementKey.purchaseOrder}`,
  resource: `$.${ProcurementKey.resource}`,
  compensation: `$.${ProcurementKey.compensation}`,
} as const satisfies Record<keyof typeof ProcurementKey, string>;

/** The state as it grows. */
export const ProcurementState = z.object({
  request: PurchaseRequest,
  [ProcurementKey.assessment]: PurchaseAssessment.optional(),
  [ProcurementKey.approval]: PurchaseApproval.optional(),
  [ProcurementKey.onboarding]: VendorOnboarding.optional(),
  [ProcurementKey.purchaseOrder]: PurchaseOrderRaised.optional(),
  [ProcurementKey.resource]: ResourceAdded.optional(),
});
/** Typed {@link ProcurementState}. */
export type ProcurementState = z.infer<typeof ProcurementState>;

/** The state once assessed: what onboarding reads. */
export const AssessedPurchase = ProcurementState.extend({ [ProcurementKey.assessment]: PurchaseAssessment });
/** Typed {@link AssessedPurchase}. */
export type AssessedPurchase = z.infer<typeof AssessedPurchase>;

/** The state once approved and the vendor onboarded: what raising the order reads. */
export const ApprovedPurchase = AssessedPurchase.extend({
  [ProcurementKey.approval]: PurchaseApproval,
  [ProcurementKey.onboarding]: VendorOnboarding,
});
/** Typed {@link ApprovedPurchase}. */
export type ApprovedPurchase = z.infer<typeof ApprovedPurchase>;

/** The state once the order exists: what adding the subcontractor reads. */
export const OrderedPurchase = ApprovedPurchase.extend({ [ProcurementKey.purchaseOrder]: PurchaseOrderRaised });
/** Typed {@link OrderedPurchase}. */
export type OrderedPurchase = z.infer<typeof OrderedPurchase>;

/** What compensation needs: the request, and the order if one was raised. */
export const PurchaseCompensationInput = z.object({
  request: z.object({ requestId: RequestId }),
  [ProcurementKey.purchaseOrder]: PurchaseOrderRaised.optional(),
  [ProcurementKey.resource]: ResourceAdded.optional(),
});
/** Typed {@link PurchaseCompensationInput}. */
export type PurchaseCompensationInput = z.infer<typeof PurchaseCompensationInput>;
