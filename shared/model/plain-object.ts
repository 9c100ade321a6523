/**
 * True for a non-null, non-array object: what JSON calls an object. Narrows `unknown`
 * input (events, parsed JSON, SDK errors) so fields are read without casts.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
