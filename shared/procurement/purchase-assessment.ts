import type { VendorDocumentKind, VendorRecord, Quote } from '../connectors/procurement/procurement-connector';
import type { ErpLegalEntity } from '../connectors/erp/erp-purchase-orders';
import type { RoleLine } from '../model/entities';
import { formatMoney, type Money } from '../model/primitives';
import { requirementsFor, type ProcurementPolicy, type ProcurementRequirements } from './procurement-policy';
import type { PurchaseRequest } from './procurement-state';

/**
 * The pure rules of a purchase: which vendor a subcontractor comes from, what holds a purchase,
 * and what its approvers are told. Nothing here reads a system; the steps pass what they read.
 */

const DOCUMENT_LABEL: Readonly<Record<VendorDocumentKind, string>> = {
  insurance: 'insurance certificate',
  'tax-form': 'tax form',
  nda: 'NDA',
};

/** Every onboarding document a vendor lacks or holds expired on `today` (`YYYY-MM-DD`), as reasons. */
export function documentProblems(vendor: VendorRecord, today: string): string[] {
  const problems: string[] = [];
  for (const kind of ['insurance', 'tax-form', 'nda'] as const) {
    const document = vendor.documents
      .filter((each) => each.kind === kind)
      .sort((left, right) => right.expiresOn.localeCompare(left.expiresOn))[0];
    if (!document) problems.push(`vendor ${vendor.vendorId} has no ${DOCUMENT_LABEL[kind]} on file`);
    else if (document.expiresOn < today)
      problems.push(
        `the ${DOCUMENT_LABEL[kind]} of vendor ${vendor.vendorId} (${document.reference}) expired on ${document.expiresOn}`,
      );
  }
  return problems;
}

/** True when the policy or the vendor master bars the vendor. */
export function isBlocked(
  vendor: VendorRecord,
  requirements: Pick<ProcurementRequirements, 'blockedVendors'>,
): boolean {
  return vendor.status === 'blocked' || requirements.blockedVendors.includes(vendor.vendorId);
}

/** A vendor's offer for a role line: its hourly rate times the hours. */
export interface SubcontractOffer {
  readonly vendor: VendorRecord;
  readonly rate: Money;
  readonly amount: Money;
}

/**
 * The vendors that can supply a role line, best first: only those with a rate for the role in
 * the line's currency and not blocked; preferred vendors (by the policy or the vendor master)
 * before the others, then the cheapest, then by id so the choice is deterministic.
 */
export function subcontractOffers(
  vendors: readonly VendorRecord[],
  roleLine: RoleLine,
  policy: ProcurementPolicy,
  region: PurchaseRequest['region'],
): SubcontractOffer[] {
  const rules = policy.regions[region];
  const blocked = rules?.blockedVendors ?? [];
  const preferred = new Set(rules?.preferredVendors ?? []);
  const role = roleLine.role.trim().toLowerCase();
  const offers: SubcontractOffer[] = [];
  for (const vendor of vendors) {
    if (isBlocked(vendor, { blockedVendors: blocked })) continue;
    const rate = vendor.rates.find(
      (each) => each.role.trim().toLowerCase() === role && each.rate.currency === roleLine.rate.currency,
    )?.rate;
    if (!rate) continue;
    offers.push({
      vendor,
      rate,
      amount: { amountMinor: Math.round(rate.amountMinor * roleLine.hours), currency: rate.currency },
    });
  }
  const rank = (offer: SubcontractOffer): number =>
    preferred.has(offer.vendor.vendorId) || offer.vendor.preferred ? 0 : 1;
  return offers.sort(
    (left, right) =>
      rank(left) - rank(right) ||
      left.amount.amountMinor - right.amount.amountMinor ||
      left.vendor.vendorId.localeCompare(right.vendor.vendorId),
  );
}

/** What the assessment decided, before anything is written. */
export type AssessmentOutcome =
  | {
      readonly decision: 'proceed';
      readonly requirements: ProcurementRequirements;
      readonly reasons: readonly string[];
    }
  | { readonly decision: 'held'; readonly reasons: readonly string[] };

/** The facts an assessment weighs. */
export interface AssessmentFacts {
  readonly request: PurchaseRequest;
  readonly policy: ProcurementPolicy;
  readonly vendor: VendorRecord | undefined;
  readonly vendorId: string | undefined;
  readonly amount: Money | undefined;
  readonly quotes: readonly Quote[];
  readonly entity: ErpLegalEntity;
  /** `YYYY-MM-DD`, for document expiry. */
  readonly today: string;
}

/**
 * Decides whether a purchase may go to approval. It is held, with every reason, when the vendor
 * is unknown or blocked, an active vendor's documents lack or have expired (a new vendor's are
 * checked during onboarding, after the onboarding tasks exist), the ERP entity does not keep its
 * books in the currency, or the policy asks for more competitive quotes than there are.
 */
export function assessPurchase(facts: AssessmentFacts): AssessmentOutcome {
  const { request, policy, vendor, amount, entity, today } = facts;
  const held: string[] = [];
  if (!amount || !facts.vendorId)
    return {
      decision: 'held',
      reasons: [
        request.roleLine
          ? `no vendor in ${request.region} offers the role "${request.roleLine.role}" in ${request.roleLine.rate.currency}`
          : 'the request names no vendor and no amount',
      ],
    };
  if (!vendor) held.push(`vendor ${facts.vendorId} is not in the vendor master`);
  if (amount.amountMinor <= 0)
    held.push(`the amount must be above zero, not ${formatMoney(amount.amountMinor, amount.currency)}`);
  if (!entity.currencies.includes(amount.currency))
    held.push(
      `the ERP entity ${entity.entityId} that buys for ${request.region} does not accept ${amount.currency}; it accepts ${entity.currencies.join(', ')}`,
    );
  let requirements: ProcurementRequirements | undefined;
  try {
    requirements = requirementsFor(policy, request.region, amount);
  } catch (error) {
    held.push(error instanceof Error ? error.message : String(error));
  }
  if (vendor && requirements) {
    if (isBlocked(vendor, requirements)) held.push(`vendor ${vendor.vendorId} is blocked for ${request.region}`);
    if (vendor.status !== 'prospective') held.push(...documentProblems(vendor, today));
  }
  if (requirements) {
    const distinctVendors = new Set(facts.quotes.map((quote) => quote.vendorId));
    if (distinctVendors.size < requirements.requiredQuotes)
      held.push(
        `purchases of ${requirements.amountEur.toLocaleString('en')} EUR in ${request.region} need ${requirements.requiredQuotes} competitive quotes from different vendors; there ${distinctVendors.size === 1 ? 'is' : 'are'} ${distinctVendors.size}`,
      );
  }
  if (held.length > 0 || !requirements || !vendor) return { decision: 'held', reasons: held };
  const reasons = [requirements.approvalReason];
  if (vendor.riskRating === 'high') reasons.push(`vendor ${vendor.vendorId} is rated high risk`);
  if (vendor.status === 'prospective')
    reasons.push(`vendor ${vendor.vendorId} is new: onboarding runs before the order`);
  if (
    requirements.preferredVendors.length > 0 &&
    !requirements.preferredVendors.includes(vendor.vendorId) &&
    !vendor.preferred
  )
    reasons.push(`vendor ${vendor.vendorId} is not a preferred vendor in ${request.region}`);
  return { decision: 'proceed', requirements, reasons };
}

/**
 * Separation of duties at receipt: whoever receives the goods or services is neither the
 * requester nor an approver, and is the receiver the request named, if it named one. Returns the
 * reason to refuse, or `undefined` when the receipt may be recorded.
 */
export function receiptRefusal(
  purchase: { readonly requestedBy: string; readonly approvers?: readonly string[]; readonly receiver?: string },
  actor: string,
): string | undefined {
  if (actor === purchase.requestedBy)
    return `separation of duties: ${actor} requested this purchase and cannot also receive it`;
  if (purchase.approvers?.includes(actor))
    return `separation of duties: ${actor} approved this purchase and cannot also receive it`;
  if (purchase.receiver !== undefined && purchase.receiver !== actor)
    return `the request names ${purchase.receiver} as the receiver, not ${actor}`;
  return undefined;
}
