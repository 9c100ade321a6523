import * as z from 'zod';
import { Role } from '../directory/roles';
import { minorUnitDigits, Region, type Money } from '../model/primitives';
import { WorkflowName } from '../workflows/workflow-names';
import approvalRoutingV1 from './approval-routing.v1.json';
import { onFirstUse } from '../runtime/on-first-use';

/**
 * Approval routing as data (design decision 7): a versioned decision table keyed on
 * workflow, region, practice and amount band, whose hit policy is FIRST (rules are read in
 * order and the first match decides). A table that leaves any combination unmatched, or
 * holds a rule no input can reach, is refused when it is loaded, and the CDK app loads it at
 * synth, so a missing rule is a build error rather than a runtime surprise.
 */

const AnyOr = <T extends z.ZodType>(item: T) => z.union([z.literal('*'), z.array(item).min(1)]);

/** One approval level: a role, and how long it has before the SLA is breached. */
export const ApprovalLevel = z.object({
  role: Role,
  slaHours: z
    .number()
    .positive()
    .max(24 * 30),
});
/** Typed {@link ApprovalLevel}. */
export type ApprovalLevel = z.infer<typeof ApprovalLevel>;

/** One row of the decision table. */
export const ApprovalRule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/),
  workflow: z.enum(WorkflowName),
  regions: AnyOr(Region),
  practices: AnyOr(z.string().min(1)),
  /** Whole EUR; `min` inclusive, `max` exclusive, `null` for no upper bound. */
  amountEur: z.object({ min: z.number().int().nonnegative(), max: z.number().int().positive().nullable() }),
  levels: z.array(ApprovalLevel).max(5),
  reason: z.string().min(1),
});
/** Typed {@link ApprovalRule}. */
export type ApprovalRule = z.infer<typeof ApprovalRule>;

/** The whole decision table. */
export const ApprovalPolicy = z.object({
  policy: z.literal('approval-routing'),
  version: z.number().int().positive(),
  hitPolicy: z.literal('FIRST'),
  description: z.string(),
  /** EUR per unit of each currency, for comparing amounts with the bands. */
  referenceRates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
  /** Who a breached task escalates to; `null` ends the chain. */
  escalation: z.record(Role, Role.nullable()),
  /**
   * Who a breached task escalates to when every role up its chain decides another level of the
   * same request (so escalating along the chain would need one person twice).
   */
  fallbackRole: Role,
  rules: z.array(ApprovalRule).min(1),
});
/** Typed {@link ApprovalPolicy}. */
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/** A practice no rule names, standing for every practice the table treats alike. */
const OTHER_PRACTICE = '\u0000any-other-practice';

/** Workflows that ask for approvals; the table must route every combination of each. */
export const APPROVAL_WORKFLOWS: readonly WorkflowName[] = [
  WorkflowName.ProjectActivation,
  WorkflowName.OperationsDrill,
  WorkflowName.Staffing,
];

/** What approval is asked for. */
export interface ApprovalSubject {
  readonly workflow: WorkflowName;
  readonly region: Region;
  readonly practice: string;
  readonly amount: Money;
}

/** The routing decision, with the reason shown to approvers. */
export interface ApprovalRoute {
  readonly policyVersion: number;
  readonly ruleId: string;
  readonly reason: string;
  readonly amountEur: number;
  readonly levels: readonly ApprovalLevel[];
}

/** A decision table that cannot be used; `problems` lists every defect found. */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
  constructor(readonly problems: readonly string[]) {
    super(`approval policy is invalid:\n- ${problems.join('\n- ')}`);
  }
}

/** An amount in a currency the policy has no reference rate for. */
export class UnknownCurrencyError extends Error {
  override readonly name = 'UnknownCurrencyError';
}

/** Parses and checks a decision table; throws {@link InvalidPolicyError} with every problem. */
export function loadApprovalPolicy(data: unknown): ApprovalPolicy {
  const parsed = ApprovalPolicy.safeParse(data);
  if (!parsed.success)
    throw new InvalidPolicyError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  const problems = policyProblems(parsed.data);
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  return parsed.data;
}

/** Routes an approval request: the first matching rule decides the levels. */
export function routeApproval(policy: ApprovalPolicy, subject: ApprovalSubject): ApprovalRoute {
  const amountEur = toEur(policy, subject.amount);
  const rule = policy.rules.find((candidate) =>
    matches(candidate, subject.workflow, subject.region, subject.practice, amountEur),
  );
  // Unreachable for a loaded policy: completeness is checked at load.
  if (!rule)
    throw new InvalidPolicyError([
      `no rule routes ${subject.workflow} ${subject.region} ${subject.practice} ${amountEur} EUR`,
    ]);
  return { policyVersion: policy.version, ruleId: rule.id, reason: rule.reason, amountEur, levels: rule.levels };
}

/** The role a breached task escalates to, if any. */
export function escalationOf(policy: ApprovalPolicy, role: Role): Role | undefined {
  return policy.escalation[role] ?? undefined;
}

/** Converts an amount to whole EUR (rounded down) at the policy's reference rates. */
export function toEur(policy: ApprovalPolicy, amount: Money): number {
  const rate = policy.referenceRates[amount.currency];
  if (rate === undefined)
    throw new UnknownCurrencyError(`approval policy v${policy.version} has no reference rate for ${amount.currency}`);
  const digits = minorUnitDigits(amount.currency);
  // Exact decimal arithmetic: a float product such as 1700 x 1.17 = 1988.9999... would lose a euro,
  // and rounding to cents would lift 249,999.996 EUR over a 250,000 EUR band edge.
  const [whole, fraction = ''] = String(rate).split('.');
  if (String(rate).includes('e'))
    throw new UnknownCurrencyError(`reference rate ${rate} for ${amount.currency} must be written as a plain decimal`);
  const rateScaled = BigInt(`${whole}${fraction}`);
  const divisor = 10n ** BigInt(digits + fraction.length);
  return Number((BigInt(amount.amountMinor) * rateScaled) / divisor);
}

function matches(rule: ApprovalRule, workflow: string, region: string, practice: string, amountEur: number): boolean {
  return (
    rule.workflow === workflow &&
    (rule.regions === '*' || rule.regions.some((ruleRegion) => ruleRegion === region)) &&
    (rule.practices === '*' || rule.practices.includes(practice)) &&
    amountEur >= rule.amountEur.min &&
    (rule.amountEur.max === null || amountEur < rule.amountEur.max)
  );
}

/**
 * Checks completeness and reachability by evaluating every equivalence class of input: each
 * region, each practice a rule names plus one it does not, and each amount band boundary.
 */
export function policyProblems(policy: ApprovalPolicy): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const rule of policy.rules) {
    if (ids.has(rule.id)) problems.push(`rule ${rule.id} appears twice`);
    ids.add(rule.id);
    if (rule.amountEur.max !== null && rule.amountEur.max <= rule.amountEur.min)
      problems.push(`rule ${rule.id}: amount band max must be above min`);
    const roles = rule.levels.map((level) => level.role);
    if (new Set(roles).size !== roles.length)
      problems.push(`rule ${rule.id}: a role appears at two levels; one person could approve both`);
  }
  const practices = [
    ...new Set(policy.rules.flatMap((rule) => (rule.practices === '*' ? [] : rule.practices))),
    OTHER_PRACTICE,
  ];
  const boundaries = [
    ...new Set(
      policy.rules
        .flatMap((rule) => [rule.amountEur.min, ...(rule.amountEur.max === null ? [] : [rule.amountEur.max])])
        .concat(0),
    ),
  ].sort((a, b) => a - b);
  const amounts = [...new Set(boundaries.flatMap((bound) => (bound > 0 ? [bound - 1, bound] : [bound])))];
  const reached = new Set<string>();
  for (const workflow of APPROVAL_WORKFLOWS) {
    for (const region of Region.options) {
      for (const practice of practices) {
        for (const amount of amounts) {
          const hit = policy.rules.find((rule) => matches(rule, workflow, region, practice, amount));
          if (hit) reached.add(hit.id);
          else
            problems.push(
              `no rule for ${workflow}, ${region}, practice ${practice === OTHER_PRACTICE ? '(any other)' : practice}, ${amount} EUR`,
            );
        }
      }
    }
  }
  for (const rule of policy.rules)
    if (!reached.has(rule.id))
      problems.push(`rule ${rule.id} is never reached: rules above it match everything it would`);
  for (const currency of Object.keys(policy.referenceRates)) {
    if (!Intl.supportedValuesOf('currency').includes(currency))
      problems.push(`reference rate for ${currency}, which is not an ISO-4217 currency`);
  }
  for (const role of Role.options)
    if (!(role in policy.escalation))
      problems.push(`escalation does not say where ${role} escalates (null ends the chain)`);
  return problems;
}

/** The approval policy in force: the newest version, checked on first use. */
export const currentApprovalPolicy: () => ApprovalPolicy = /* @__PURE__ */ onFirstUse(() =>
  loadApprovalPolicy(approvalRoutingV1),
);
