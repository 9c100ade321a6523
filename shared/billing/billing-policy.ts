import * as z from 'zod';
import { IsoDate, Region } from '../model/primitives';
import calendarsV1 from '../policies/billing-calendars.v1.json';
import roundingV1 from '../policies/billing-rounding.v1.json';
import rulesV1 from '../policies/billing-rules.v1.json';
import taxV1 from '../policies/billing-tax.v1.json';
import { BillingModelName } from './billing-ports';
import { onFirstUse } from '../runtime/on-first-use';

/**
 * Billing as data (design decision 7): calendars per region, rules per billing model, tax per
 * country and rounding per currency, each a versioned JSON table under `shared/policies/`.
 * {@link loadBillingPolicy} checks each table and how they fit together, and the CDK app loads
 * them at synth, so a region without a calendar or a country without a currency rule is a build
 * error rather than a wrong invoice.
 */

const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');
const TimeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');
const Weekday = z.enum(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']);
const Country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code');

/** One region's billing calendar. */
export const RegionCalendar = z.object({
  timeZone: TimeZone,
  /** `monthly` periods are `YYYY-MM`; `semi-monthly` ones `YYYY-MM-H1` (1st-15th) and `YYYY-MM-H2`. */
  cycle: z.enum(['monthly', 'semi-monthly']),
  /** The local time on the period's last business day when the cycle's check starts. */
  runTime: LocalTime,
  cutOff: z.object({ businessDaysAfterPeriodEnd: z.number().int().min(0).max(10), time: LocalTime }),
  workingDays: z.array(Weekday).min(1),
  holidays: z.array(IsoDate),
});
/** Typed {@link RegionCalendar}. */
export type RegionCalendar = z.infer<typeof RegionCalendar>;

/** Billing calendars, one per region. */
export const BillingCalendars = z.object({
  policy: z.literal('billing-calendars'),
  version: z.number().int().positive(),
  description: z.string(),
  regions: z.record(z.string(), RegionCalendar),
});

/** Who owns a kind of finding. */
export const FindingOwner = z.enum(['consultant', 'project-manager', 'finance', 'delivery-lead']);
/** Typed {@link FindingOwner}. */
export type FindingOwner = z.infer<typeof FindingOwner>;

/** Every kind of readiness finding the engine can raise; the rules table must route each. */
export const FindingCode = z.enum([
  'time-missing',
  'time-not-approved',
  'rate-mismatch',
  'expense-not-approved',
  'expense-receipt-missing',
  'expense-over-policy',
  'expense-unknown-currency',
  'milestone-evidence-missing',
  'over-budget',
  'over-po-cap',
  'negative-hours',
  'too-many-hours-in-day',
  'time-outside-assignment',
  'duplicate-time-entry',
  'unknown-project',
  'tax-rule-missing',
  'rate-card-missing',
  'currency-mismatch',
  'nothing-to-bill',
]);
/** Typed {@link FindingCode}. */
export type FindingCode = z.infer<typeof FindingCode>;

/** What a billing model puts on an invoice. */
export const BillableKind = z.enum([
  'approved-billable-time',
  'approved-billable-expenses',
  'accepted-milestones',
  'retainer-fee',
]);

/** Rules per billing model, and the routing of findings to owners. */
export const BillingRules = z.object({
  policy: z.literal('billing-rules'),
  version: z.number().int().positive(),
  description: z.string(),
  models: z.record(
    BillingModelName,
    z.object({
      bills: z.array(BillableKind).min(1),
      checksTimeCompleteness: z.boolean(),
      checksRates: z.boolean(),
    }),
  ),
  /** Relative difference between an entry's rate and the rate card still accepted (rounding in the PSA). */
  rateTolerance: z.number().min(0).max(0.1),
  maxHoursPerDay: z.number().positive().max(24),
  findings: z.record(
    FindingCode,
    z.object({
      owner: FindingOwner,
      dueHoursBeforeCutOff: z
        .number()
        .min(0)
        .max(24 * 10),
      /** A blocking finding keeps the project from being drafted; a non-blocking one is reported only. */
      blocks: z.boolean(),
    }),
  ),
});
/** Typed {@link BillingRules}. */
export type BillingRules = z.infer<typeof BillingRules>;

/** Tax per client country. */
export const TaxRow = z.object({
  region: Region,
  tax: z.string().min(1),
  rate: z.number().min(0).max(0.5),
  reverseCharge: z.boolean(),
});
/** Typed {@link TaxRow}. */
export type TaxRow = z.infer<typeof TaxRow>;

/** The tax table. */
export const BillingTax = z.object({
  policy: z.literal('billing-tax'),
  version: z.number().int().positive(),
  description: z.string(),
  supplierCountryByRegion: z.record(z.string(), Country),
  countries: z.record(Country, TaxRow),
});
/** Typed {@link BillingTax}. */
export type BillingTax = z.infer<typeof BillingTax>;

/** Rounding of one currency. */
export const CurrencyRounding = z.object({
  minorDigits: z.number().int().min(0).max(3),
  mode: z.enum(['half-up', 'half-even']),
  totalStepMinor: z.number().int().positive().max(100),
});
/** Typed {@link CurrencyRounding}. */
export type CurrencyRounding = z.infer<typeof CurrencyRounding>;

/** The rounding table. */
export const BillingRounding = z.object({
  policy: z.literal('billing-rounding'),
  version: z.number().int().positive(),
  description: z.string(),
  currencies: z.record(Currency, CurrencyRounding),
});

/** The four billing tables, checked together. */
export interface BillingPolicy {
  readonly calendars: Readonly<Record<Region, RegionCalendar>>;
  readonly calendarsVersion: number;
  readonly rules: BillingRules;
  readonly tax: BillingTax;
  readonly rounding: Readonly<Record<string, CurrencyRounding>>;
  /** `calendars.v1+rules.v1+tax.v1+rounding.v1`: recorded on every check and invoice. */
  readonly version: string;
}

/** The tables as they are read from their files (or as a test hands them in). */
export interface BillingPolicyTables {
  readonly calendars: unknown;
  readonly rules: unknown;
  readonly tax: unknown;
  readonly rounding: unknown;
}

/**
 * Parses the four tables and checks that they fit: every region has a calendar and a supplier
 * country, every billing model and every finding code has a rule, every tax country's region
 * exists, and every holiday is a real date. Throws one error listing every problem.
 */
export function loadBillingPolicy(tables: BillingPolicyTables): BillingPolicy {
  const problems: string[] = [];
  const parse = <T>(name: string, schema: z.ZodType<T>, data: unknown): T | undefined => {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) problems.push(`${name}: /${issue.path.join('/')}: ${issue.message}`);
    return undefined;
  };
  const calendars = parse('billing-calendars', BillingCalendars, tables.calendars);
  const rules = parse('billing-rules', BillingRules, tables.rules);
  const tax = parse('billing-tax', BillingTax, tables.tax);
  const rounding = parse('billing-rounding', BillingRounding, tables.rounding);
  if (calendars && rules && tax && rounding) {
    for (const region of Region.options) {
      if (!calendars.regions[region]) problems.push(`billing-calendars: region ${region} has no calendar`);
      if (!tax.supplierCountryByRegion[region]) problems.push(`billing-tax: region ${region} has no supplier country`);
    }
    for (const region of Object.keys(calendars.regions))
      if (!Region.safeParse(region).success) problems.push(`billing-calendars: ${region} is not a region`);
    for (const model of BillingModelName.options)
      if (!rules.models[model]) problems.push(`billing-rules: billing model ${model} has no rule`);
    for (const code of FindingCode.options)
      if (!rules.findings[code]) problems.push(`billing-rules: finding ${code} has no owner`);
    for (const [region, country] of Object.entries(tax.supplierCountryByRegion))
      if (!tax.countries[country])
        problems.push(`billing-tax: supplier country ${country} of ${region} has no tax row`);
  }
  if (problems.length > 0) throw new Error(`The billing policy is inconsistent:\n- ${problems.join('\n- ')}`);
  if (!calendars || !rules || !tax || !rounding) throw new Error('unreachable: problems were reported above');
  const byRegion = Object.fromEntries(Region.options.map((region) => [region, calendars.regions[region]]));
  return {
    calendars: {
      EMEA: byRegion.EMEA,
      AMER: byRegion.AMER,
      APAC: byRegion.APAC,
    },
    calendarsVersion: calendars.version,
    rules,
    tax,
    rounding: rounding.currencies,
    version: `calendars.v${calendars.version}+rules.v${rules.version}+tax.v${tax.version}+rounding.v${rounding.version}`,
  };
}

/** The published tables, checked on first use (at synth, by the constructs that read them). */
export const currentBillingPolicy: () => BillingPolicy = /* @__PURE__ */ onFirstUse(() =>
  loadBillingPolicy({
    calendars: calendarsV1,
    rules: rulesV1,
    tax: taxV1,
    rounding: roundingV1,
  }),
);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
