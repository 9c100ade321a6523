/** Numbers: the range within which Ruler compares them. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { type LeafValue } from './compiled-field';
import { invalid } from './errors';

// Ruler turns numbers into fixed-width comparable strings that only cover ±5e9; numeric operands outside
// that are refused and event numbers outside it never satisfy a numeric comparison.
export const NUMERIC_LIMIT = 5e9;

export function requireComparable(value: number): void {
  if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    throw invalid('Value must be between -5.0E9 and 5.0E9, inclusive');
  }
}

export function isComparableNumber(value: LeafValue): value is number {
  return typeof value === 'number' && value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT;
}
