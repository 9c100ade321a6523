import * as z from 'zod';
import type { Role } from '../directory/roles';
import { Region, type Money } from '../model/primitives';
import { ApprovalLevel } from '../policies/approval-policy';
import procurementPolicyV1 from '../policies/procurement-policy.v1.json';
import { ReferenceRates, toWholeEur } from './reference-rates';
import { onFirstUse } from '../runtime/on-first-use';

/**
 * Purchasing rules as data (design decision 7): per region, how many competitive quotes a
 * purchase needs, who approves it, which vendors are preferred or blocked, and how tax is
 * handled. The CDK app loads it at synth, so a gap (a region without rules, a band that does
 * not start at zero, a vendor both preferred and blocked) is a build error.
 */

/** Roles a procurement approval may route to: those who answer for delivery or money. */
export const PROCUREMENT_APPROVER_ROLES: readonly Role[] = ['delivery-lead', 'practice-lead', 'finance-ops', 'cfo'];

/** A band of a step table: from `fromEur` (inclusive) up to the next band's `fromEur`. */
const Band = z.object({ fromEur: z.number().int().nonnegative() });

/** The rules of one region. */
export const RegionProcurementRules = z.object({
  competitiveQuotes: z.array(Band.extend({ quotes: z.number().int().min(1).max(10) })).min(1),
  approvalLevels: z.array(Band.extend({ levels: z.array(ApprovalLevel).min(1).max(5) })).min(1),
  preferredVendors: z.array(z.string().min(1)),
  blockedVendors: z.array(z.string().min(1)),
  tax: z.object({
    treatment: z.enum(['vat-reverse-charge', 'vat', 'sales-tax', 'sales-tax-exempt', 'gst']),
    ratePercent: z.number().min(0).max(50),
    note: z.string().min(1),
  }),
});
/** Typed {@link RegionProcurementRules}. */
export type RegionProcurementRules = z.infer<typeof RegionProcurementRules>;

/** The whole procurement policy. */
export const ProcurementPolicy = z.object({
  policy: z.literal('procurement'),
  version: z.number().int().positive(),
  description: z.string(),
  referenceRates: ReferenceRates,
  regions: z.partialRecord(Region, RegionProcurementRules),
});
/** Typed {@link ProcurementPolicy}. */
export type ProcurementPolicy = z.infer<typeof ProcurementPolicy>;

/** A procurement policy that cannot be used; `problems` lists every defect. */
export class InvalidProcurementPolicyError extends Error {
  override readonly name = 'InvalidProcurementPolicyError';
  constructor(readonly problems: readonly string[]) {
    super(`procurement policy is invalid:\n- ${problems.join('\n- ')}`);
  }
}

/** Parses and checks a procurement policy; throws {@link InvalidProcurementPolicyError} with every problem. */
export function loadProcurementPolicy(data: unknown): ProcurementPolicy {
  const parsed = ProcurementPolicy.safeParse(data);
  if (!parsed.success)
    throw new InvalidProcurementPolicyError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  const problems = procurementPolicyProblems(parsed.data);
  if (problems.length > 0) throw new InvalidProcurementPolicyError(problems);
  return parsed.data;
}

/** Every defect of a parsed policy: gaps, unordered bands, contradictions. */
export function procurementPolicyProblems(policy: ProcurementPolicy): string[] {
  const problems: string[] = [];
  for (const region of Region.options) {
    const rules = policy.regions[region];
    if (!rules) {
      problems.push(`region ${region} has no rules`);
      continue;
    }
    for (const [table, bands] of [
      ['competitiveQuotes', rules.competitiveQuotes],
      ['approvalLevels', rules.approvalLevels],
    ] as const) {
      if (bands[0]?.fromEur !== 0) problems.push(`${region}.${table}: the first band must start at 0 EUR`);
      for (let index = 1; index < bands.length; index += 1)
        if (bands[index].fromEur <= bands[index - 1].fromEur)
          problems.push(`${region}.${table}: band ${index} must start above band ${index - 1}`);
    }
    for (let index = 1; index < rules.competitiveQuotes.length; index += 1)
      if (rules.competitiveQuotes[index].quotes < rules.competitiveQuotes[index - 1].quotes)
        problems.push(`${region}.competitiveQuotes: a larger purchase may not need fewer quotes (band ${index})`);
    for (const [index, band] of rules.approvalLevels.entries()) {
      const roles = band.levels.map((level) => level.role);
      if (new Set(roles).size !== roles.length)
        problems.push(`${region}.approvalLevels[${index}]: a role appears twice; one person could approve both`);
      for (const role of roles)
        if (!PROCUREMENT_APPROVER_ROLES.includes(role))
          problems.push(`${region}.approvalLevels[${index}]: ${role} does not approve purchases`);
    }
    for (const vendor of rules.preferredVendors)
      if (rules.blockedVendors.includes(vendor))
        problems.push(`${region}: vendor ${vendor} is both preferred and blocked`);
  }
  for (const currency of Object.keys(policy.referenceRates))
    if (!Intl.supportedValuesOf('currency').includes(currency))
      problems.push(`reference rate for ${currency}, which is not an ISO-4217 currency`);
  return problems;
}

/** The band of a step table an amount falls in: the last band starting at or below it. */
function bandFor<T extends { fromEur: number }>(bands: readonly T[], amountEur: number): T {
  let found = bands[0];
  for (const band of bands) if (band.fromEur <= amountEur) found = band;
  return found;
}

/** What the policy asks of one purchase. */
export interface ProcurementRequirements {
  readonly policyVersion: number;
  readonly amountEur: number;
  readonly requiredQuotes: number;
  readonly levels: readonly ApprovalLevel[];
  readonly approvalReason: string;
  readonly tax: { readonly treatment: string; readonly ratePercent: number; readonly amount: Money };
  readonly preferredVendors: readonly string[];
  readonly blockedVendors: readonly string[];
}

/** The rules that apply to a purchase of `amount` in `region`, with the reason for the approval levels. */
export function requirementsFor(policy: ProcurementPolicy, region: Region, amount: Money): ProcurementRequirements {
  const rules = policy.regions[region];
  // Unreachable for a loaded policy: every region is checked at load.
  if (!rules) throw new InvalidProcurementPolicyError([`region ${region} has no rules`]);
  const amountEur = toWholeEur(policy.referenceRates, amount, `procurement policy v${policy.version}`);
  const quotes = bandFor(rules.competitiveQuotes, amountEur);
  const approval = bandFor(rules.approvalLevels, amountEur);
  const roles = approval.levels.map((level) => level.role).join(', then ');
  return {
    policyVersion: policy.version,
    amountEur,
    requiredQuotes: quotes.quotes,
    levels: approval.levels,
    approvalReason: `Purchases in ${region} from ${approval.fromEur.toLocaleString('en')} EUR (this one: ${amountEur.toLocaleString('en')} EUR) need ${roles} (procurement policy v${policy.version})`,
    tax: {
      treatment: rules.tax.treatment,
      ratePercent: rules.tax.ratePercent,
      amount: {
        amountMinor: Math.round((amount.amountMinor * rules.tax.ratePercent) / 100),
        currency: amount.currency,
      },
    },
    preferredVendors: rules.preferredVendors,
    blockedVendors: rules.blockedVendors,
  };
}

/** The procurement policy in force, checked on first use (at synth, by the constructs that read it). */
export const currentProcurementPolicy: () => ProcurementPolicy = /* @__PURE__ */ onFirstUse(() =>
  loadProcurementPolicy(procurementPolicyV1),
);
