import { createHash } from 'node:crypto';

/**
 * Every write to a system of record carries an idempotency key (design decision 5). The same
 * key with the same payload returns the first result; the same key with a different payload
 * is refused, because it means two different writes claim one identity.
 */

/** A stable fingerprint of a payload: key order does not matter, values do. */
export function payloadFingerprint(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An idempotency key reused for a different payload. */
export const IDEMPOTENCY_CONFLICT = 'IdempotencyConflict';
