import * as z from 'zod';
import { Region } from '../model/primitives';
import { ApprovalLevel } from '../policies/approval-policy';
import changeApprovalV1 from '../policies/change-approval.v1.json';
import { ReferenceRates } from '../procurement/reference-rates';
import { onFirstUse } from '../runtime/on-first-use';

/**
 * The approval chain of project changes as data (design decision 7): rules keyed by region and by
 * the size of the change (absolute delta, percentage of the budget, margin drop), hit policy
 * FIRST, plus the thresholds above which the client's sign-off is required evidence. Checked when
 * loaded, and so at synth.
 */

const Thresholds = z.object({
  absoluteEur: z.number().int().positive().optional(),
  percentOfBudget: z.number().positive().optional(),
  marginDropPoints: z.number().positive().optional(),
});

/** One rule of the chain. */
export const ChangeRule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/),
  regions: z.union([z.literal('*'), z.array(Region).min(1)]),
  /** Reached when any threshold is met; no thresholds means every change reaches it. */
  thresholds: Thresholds,
  levels: z.array(ApprovalLevel).min(1).max(5),
  reason: z.string().min(1),
});
/** Typed {@link ChangeRule}. */
export type ChangeRule = z.infer<typeof ChangeRule>;

/** The whole change-approval policy. */
export const ChangeApprovalPolicy = z.object({
  policy: z.literal('change-approval'),
  version: z.number().int().positive(),
  description: z.string(),
  referenceRates: ReferenceRates,
  clientSignOff: z.object({ absoluteEur: z.number().int().positive(), percentOfBudget: z.number().positive() }),
  rules: z.array(ChangeRule).min(1),
});
/** Typed {@link ChangeApprovalPolicy}. */
export type ChangeApprovalPolicy = z.infer<typeof ChangeApprovalPolicy>;

/** A change policy that cannot be used; `problems` lists every defect. */
export class InvalidChangePolicyError extends Error {
  override readonly name = 'InvalidChangePolicyError';
  constructor(readonly problems: readonly string[]) {
    super(`change-approval policy is invalid:\n- ${problems.join('\n- ')}`);
  }
}

function appliesTo(rule: ChangeRule, region: Region): boolean {
  return rule.regions === '*' || rule.regions.includes(region);
}

function isCatchAll(rule: ChangeRule): boolean {
  return Object.values(rule.thresholds).every((value) => value === undefined);
}

/** Parses and checks a change-approval policy. */
export function loadChangeApprovalPolicy(data: unknown): ChangeApprovalPolicy {
  const parsed = ChangeApprovalPolicy.safeParse(data);
  if (!parsed.success)
    throw new InvalidChangePolicyError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  const policy = parsed.data;
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const rule of policy.rules) {
    if (ids.has(rule.id)) problems.push(`rule ${rule.id} appears twice`);
    ids.add(rule.id);
    const roles = rule.levels.map((level) => level.role);
    if (new Set(roles).size !== roles.length)
      problems.push(`rule ${rule.id}: a role appears at two levels; one person could approve both`);
  }
  for (const region of Region.options) {
    const rules = policy.rules.filter((rule) => appliesTo(rule, region));
    const catchAll = rules.findIndex(isCatchAll);
    if (catchAll === -1) problems.push(`no rule catches every change in ${region}: the last needs no thresholds`);
    else if (catchAll < rules.length - 1)
      problems.push(
        `in ${region}, rule ${rules[catchAll].id} catches every change, so ${rules
          .slice(catchAll + 1)
          .map((rule) => rule.id)
          .join(', ')} can never be reached`,
      );
  }
  if (problems.length > 0) throw new InvalidChangePolicyError(problems);
  return policy;
}

/** How large a change is, as the policy measures it. */
export interface ChangeSize {
  readonly region: Region;
  /** |budget delta| in whole EUR. */
  readonly absoluteEur: number;
  /** |budget delta| as a percentage of the current budget. */
  readonly percentOfBudget: number;
  /** How many percentage points the margin falls; 0 when it holds or rises. */
  readonly marginDropPoints: number;
}

/** The route of a change: its levels, and why, naming the thresholds it reached. */
export interface ChangeRoute {
  readonly policyVersion: number;
  readonly ruleId: string;
  readonly levels: readonly ApprovalLevel[];
  readonly reason: string;
  /** Each threshold the change reached, `absolute delta 30,000 EUR >= 25,000 EUR`. */
  readonly reached: readonly string[];
  readonly clientSignOffRequired: boolean;
  readonly clientSignOffReason: string;
}

function reachedThresholds(thresholds: ChangeRule['thresholds'], size: ChangeSize): string[] {
  const reached: string[] = [];
  const eur = (value: number): string => `${value.toLocaleString('en')} EUR`;
  if (thresholds.absoluteEur !== undefined && size.absoluteEur >= thresholds.absoluteEur)
    reached.push(`absolute delta ${eur(size.absoluteEur)} >= ${eur(thresholds.absoluteEur)}`);
  if (thresholds.percentOfBudget !== undefined && size.percentOfBudget >= thresholds.percentOfBudget)
    reached.push(`${size.percentOfBudget.toFixed(1)}% of the budget >= ${thresholds.percentOfBudget}%`);
  if (thresholds.marginDropPoints !== undefined && size.marginDropPoints >= thresholds.marginDropPoints)
    reached.push(`margin drop ${size.marginDropPoints.toFixed(1)} points >= ${thresholds.marginDropPoints} points`);
  return reached;
}

/** Routes a change: the first rule for its region whose thresholds it reaches. */
export function routeChange(policy: ChangeApprovalPolicy, size: ChangeSize): ChangeRoute {
  for (const rule of policy.rules) {
    if (!appliesTo(rule, size.region)) continue;
    const reached = reachedThresholds(rule.thresholds, size);
    if (!isCatchAll(rule) && reached.length === 0) continue;
    const signOff = reachedThresholds(
      { absoluteEur: policy.clientSignOff.absoluteEur, percentOfBudget: policy.clientSignOff.percentOfBudget },
      size,
    );
    return {
      policyVersion: policy.version,
      ruleId: rule.id,
      levels: rule.levels,
      reason: rule.reason,
      reached: isCatchAll(rule) ? ['below every threshold of the larger rules'] : reached,
      clientSignOffRequired: signOff.length > 0,
      clientSignOffReason:
        signOff.length > 0
          ? `client sign-off required: ${signOff.join(' and ')}`
          : `no client sign-off needed: below ${policy.clientSignOff.absoluteEur.toLocaleString('en')} EUR and ${policy.clientSignOff.percentOfBudget}% of the budget`,
    };
  }
  // Unreachable for a loaded policy: every region has a catch-all rule.
  throw new InvalidChangePolicyError([`no rule routes a change in ${size.region}`]);
}

/** The change-approval policy in force, checked on first use. */
export const currentChangePolicy: () => ChangeApprovalPolicy = /* @__PURE__ */ onFirstUse(() =>
  loadChangeApprovalPolicy(changeApprovalV1),
);
