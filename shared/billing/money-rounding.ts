import type { BillingPolicy, CurrencyRounding, TaxRow } from './billing-policy';
import type { BillingProject } from './billing-ports';

/**
 * Amounts in minor units, rounded by the currency's rule. PSA amounts arrive in major units as
 * binary floats (`0.1 + 0.2`), so the product is first cleaned of float noise at a precision far
 * below a minor unit, and only then rounded by the mode the table names.
 */
export function toMinor(amountMajor: number, rounding: CurrencyRounding): number {
  return roundHalf(amountMajor * 10 ** rounding.minorDigits, rounding.mode);
}

/** Rounds a fractional number of minor units (a tax amount) by the currency's mode. */
export function roundHalf(value: number, mode: CurrencyRounding['mode']): number {
  const clean = Math.round(value * 1e6) / 1e6;
  const floor = Math.floor(clean);
  const fraction = Math.round((clean - floor) * 1e6) / 1e6;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  if (mode === 'half-up') return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Rounds a total to the currency's smallest step (5 for CHF cash rounding), half up. */
export function roundToStep(amountMinor: number, stepMinor: number): number {
  return stepMinor <= 1 ? amountMinor : Math.round(amountMinor / stepMinor) * stepMinor;
}

/** The tax an invoice to this project's client carries, and the rule that decided it. */
export interface TaxDecision {
  readonly rate: number;
  readonly reverseCharge: boolean;
  readonly rule: string;
}

/**
 * Tax by the client's country: the row's rate, except that a business client in another
 * country than the region's supplier country, whose row has `reverseCharge`, is invoiced
 * without tax. `undefined` when the table has no row for the country.
 */
export function taxFor(project: BillingProject, policy: BillingPolicy): TaxDecision | undefined {
  const row: TaxRow | undefined = policy.tax.countries[project.country];
  if (!row) return undefined;
  const supplier = policy.tax.supplierCountryByRegion[project.region];
  const version = `billing-tax.v${policy.tax.version}`;
  if (project.country !== supplier && row.reverseCharge && project.clientIsBusiness)
    return {
      rate: 0,
      reverseCharge: true,
      rule: `${version} ${project.country}: ${row.tax} reverse charge (supplier ${supplier})`,
    };
  return { rate: row.rate, reverseCharge: false, rule: `${version} ${project.country}: ${row.tax} ${row.rate * 100}%` };
}
