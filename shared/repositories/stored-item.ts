import * as z from 'zod';

/**
 * A table held an item that does not fit the shape its repository writes: written by an
 * older version, or edited by hand. Reported with the table's record kind and the fields at
 * fault, instead of flowing on as a half-typed object.
 */
export class StoredItemInvalid extends Error {
  override readonly name = 'StoredItemInvalid';
}

/**
 * Parses one DynamoDB item into its domain shape. The schema strips the repository's own
 * key and index attributes, so callers see exactly the domain record.
 */
export function parseStoredItem<T>(schema: z.ZodType<T>, item: unknown, kind: string): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  throw new StoredItemInvalid(`a stored ${kind} does not fit its schema: ${z.prettifyError(parsed.error)}`);
}

/** {@link parseStoredItem} for every item of a Query page; a missing page is empty. */
export function parseStoredItems<T>(schema: z.ZodType<T>, items: readonly unknown[] | undefined, kind: string): T[] {
  return (items ?? []).map((item) => parseStoredItem(schema, item, kind));
}
