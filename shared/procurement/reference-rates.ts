import * as z from 'zod';
import { minorUnitDigits, type Money } from '../model/primitives';

/** EUR per unit of each currency, as a policy states them, for comparing amounts with EUR bands. */
export const ReferenceRates = z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive());
/** Typed {@link ReferenceRates}. */
export type ReferenceRates = z.infer<typeof ReferenceRates>;

/** An amount in a currency a policy has no reference rate for. */
export class NoReferenceRateError extends Error {
  override readonly name = 'NoReferenceRateError';
}

/**
 * Converts an amount to whole EUR, rounded towards zero, at a policy's reference rates. The
 * arithmetic is exact decimal, as in the approval policy, so an amount on a band edge is never
 * pushed across it by a float product.
 */
export function toWholeEur(rates: ReferenceRates, amount: Money, policyName: string): number {
  const rate = rates[amount.currency];
  if (rate === undefined) throw new NoReferenceRateError(`${policyName} has no reference rate for ${amount.currency}`);
  const text = String(rate);
  if (text.includes('e'))
    throw new NoReferenceRateError(
      `${policyName}: reference rate ${text} for ${amount.currency} must be a plain decimal`,
    );
  const [whole, fraction = ''] = text.split('.');
  const divisor = 10n ** BigInt(minorUnitDigits(amount.currency) + fraction.length);
  return Number((BigInt(amount.amountMinor) * BigInt(`${whole}${fraction}`)) / divisor);
}
