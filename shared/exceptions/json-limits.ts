/**
 * Size and nesting limits of what an owner sends (a retry patch, a skip's output). They are AWS's
 * limits, applied before anything is stored or handed to a workflow: DynamoDB refuses an item
 * nested deeper than 32 levels, and Step Functions a state larger than 256 KB.
 */

/** DynamoDB's limit on the nesting of attribute values (a top-level attribute is level 1). */
export const DYNAMODB_MAX_NESTING = 32;

/** Step Functions' limit on a state's input or output; a correction larger than that can never run. */
export const MAX_STATE_BYTES = 256 * 1024;

/**
 * How deeply `value` nests: a scalar is 0, `[]` or `{}` is 1, `[[1]]` is 2. Counted without
 * recursion, so a hostile document nested 10,000 deep cannot overflow the stack; stops as soon as
 * `limit` is exceeded.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: current, depth } = next;
    if (typeof current !== 'object' || current === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current))
      pending.push({ value: child, depth: level });
  }
  return deepest;
}

/** The size of `value` as UTF-8 JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
