import * as z from 'zod';
import staffingRecommendationV1 from '../policies/staffing-recommendation.v1.json';
import { onFirstUse } from '../runtime/on-first-use';

/** The scored factors, in the order explanations list them. */
export const FACTORS = ['skillFit', 'availability', 'utilisation', 'margin', 'continuity', 'timeZone'] as const;
/** One of {@link FACTORS}. */
export type Factor = (typeof FACTORS)[number];

const Share = z.number().min(0).max(1);

/** The staffing recommendation policy: weights, floors and limits, as versioned data. */
export const StaffingPolicy = z.object({
  policy: z.literal('staffing-recommendation'),
  version: z.number().int().positive(),
  description: z.string(),
  weights: z.object({
    skillFit: Share,
    availability: Share,
    utilisation: Share,
    margin: Share,
    continuity: Share,
    timeZone: Share,
  }),
  /** Below this margin ((bill - cost) / bill) a candidate is flagged and ranked after the others. */
  marginFloor: Share,
  /** The margin that scores 1. */
  marginTarget: Share,
  /** Proficiency a role line's skills need when the request does not say. */
  minimumProficiency: z.number().int().min(1).max(5),
  /** How many people the skill index returns per region, highest proficiency first. */
  candidatePoolPerRegion: z.number().int().min(1).max(500),
  shortlistSize: z.number().int().min(1).max(20),
  /** Whether people outside the request's region are considered (those who work remotely). */
  allowRemoteAcrossRegions: z.boolean(),
  leave: z.object({ maxShareOfWindow: Share }),
  /** Below this share of the requested hours a candidate is excluded as fully booked. */
  capacity: z.object({ minimumCoverage: Share }),
  split: z.object({ maxPartners: z.literal(2), poolSize: z.number().int().min(2).max(20) }),
  continuityLookbackWeeks: z.number().int().min(0).max(104),
  timeZone: z.object({
    workdayStartHour: z.number().min(0).max(23),
    workdayEndHour: z.number().min(1).max(24),
  }),
  holdHours: z
    .number()
    .positive()
    .max(24 * 30),
  /** EUR per unit of each currency, for comparing a bill rate with a cost rate. */
  referenceRates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
});
/** Typed {@link StaffingPolicy}. */
export type StaffingPolicy = z.infer<typeof StaffingPolicy>;

/** A staffing policy that cannot be used; `problems` lists every defect. */
export class InvalidStaffingPolicyError extends Error {
  override readonly name = 'InvalidStaffingPolicyError';
  constructor(readonly problems: readonly string[]) {
    super(`staffing policy is invalid:\n- ${problems.join('\n- ')}`);
  }
}

/** Defects a schema cannot see: weights that do not add up, a floor above the target, limits that contradict. */
export function staffingPolicyProblems(policy: StaffingPolicy): string[] {
  const problems: string[] = [];
  const sum = FACTORS.reduce((total, factor) => total + policy.weights[factor], 0);
  if (Math.abs(sum - 1) > 1e-9) problems.push(`weights add up to ${sum}, not 1`);
  if (policy.marginTarget <= policy.marginFloor) problems.push('marginTarget must be above marginFloor');
  if (policy.timeZone.workdayEndHour <= policy.timeZone.workdayStartHour)
    problems.push('timeZone.workdayEndHour must be after workdayStartHour');
  if (policy.shortlistSize > policy.candidatePoolPerRegion)
    problems.push('shortlistSize cannot exceed candidatePoolPerRegion');
  if (policy.referenceRates.EUR !== 1) problems.push('referenceRates.EUR must be 1');
  for (const currency of Object.keys(policy.referenceRates))
    if (!Intl.supportedValuesOf('currency').includes(currency))
      problems.push(`reference rate for ${currency}, which is not an ISO-4217 currency`);
  return problems;
}

/** Parses and checks a staffing policy; throws {@link InvalidStaffingPolicyError} with every problem. */
export function loadStaffingPolicy(data: unknown): StaffingPolicy {
  const parsed = StaffingPolicy.safeParse(data);
  if (!parsed.success)
    throw new InvalidStaffingPolicyError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  const problems = staffingPolicyProblems(parsed.data);
  if (problems.length > 0) throw new InvalidStaffingPolicyError(problems);
  return parsed.data;
}

/** The staffing policy in force, checked on first use (at synth, by the constructs that read it). */
export const currentStaffingPolicy: () => StaffingPolicy = /* @__PURE__ */ onFirstUse(() =>
  loadStaffingPolicy(staffingRecommendationV1),
);
