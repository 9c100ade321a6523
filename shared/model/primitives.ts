import * as z from 'zod';

/**
 * Building blocks every canonical entity shares. Money is integer minor units so no amount
 * is ever rounded by floating point; every id names the system it came from, so an ERP
 * project and a PSA project with the same number can never be confused.
 */

/** An ISO-4217 currency code, upper case. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as EUR');

/** An amount in the currency's minor units (cents for EUR), with its currency. */
export const Money = z.object({
  amountMinor: z.number().int(),
  currency: CurrencyCode,
});
/** Typed {@link Money}. */
export type Money = z.infer<typeof Money>;

/** Decimal places of a currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount of minor units as people read it, `2,000,000 JPY` or `1,234.5 EUR`. */
export function formatMoney(amountMinor: number, currency: string): string {
  return `${(amountMinor / 10 ** minorUnitDigits(currency)).toLocaleString('en')} ${currency}`;
}

/** An ISO-8601 calendar date, `YYYY-MM-DD`. */
export const IsoDate = z.iso.date();
/** An ISO-8601 timestamp with an offset or `Z`. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** The systems psflow exchanges records with. */
export const SourceSystem = z.enum(['psflow', 'salesforce', 'crm', 'erp', 'psa', 'hris', 'procurement', 'documents']);
/** Typed {@link SourceSystem}. */
export type SourceSystem = z.infer<typeof SourceSystem>;

/** An identifier together with the system that issued it. */
export const ExternalId = z.object({
  system: SourceSystem,
  id: z.string().min(1).max(255),
});
/** Typed {@link ExternalId}. */
export type ExternalId = z.infer<typeof ExternalId>;

/** Sales regions; policies (approval thresholds, tax, billing) key on them. */
export const Region = z.enum(['EMEA', 'AMER', 'APAC']);
/** Typed {@link Region}. */
export type Region = z.infer<typeof Region>;

/** A practice (line of service) such as `strategy` or `data-engineering`; policies key on it. */
export const Practice = z.string().regex(/^[a-z][a-z0-9-]{1,49}$/, 'must be a lower-case practice slug');
