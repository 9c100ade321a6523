/**
 * Finds the changes to a JSON Schema that break consumers of a published event version:
 * a field removed, a field's type changed, or an enum value dropped. Adding optional fields
 * is compatible and passes.
 */
type Schema = { [key: string]: unknown };

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(schema: Schema): string[] {
  const type = schema.type;
  if (Array.isArray(type)) return type.map(String).sort();
  return type === undefined ? [] : [String(type)];
}

/**
 * Lists the breaking differences from `published` to `current`, each with its JSON path.
 * An empty list means the current schema still honours the published one.
 */
export function breakingChanges(published: unknown, current: unknown, at = '$'): string[] {
  if (!isSchema(published)) return [];
  if (!isSchema(current)) return [`${at}: schema removed`];
  const problems: string[] = [];
  const before = typesOf(published);
  const after = typesOf(current);
  // integer → number widens; anything else that changes the type set breaks readers.
  const widened = before.length === 1 && before[0] === 'integer' && after.length === 1 && after[0] === 'number';
  if (before.length > 0 && before.join('|') !== after.join('|') && !widened)
    problems.push(`${at}: type changed from ${before.join('|')} to ${after.join('|') || 'no type at all'}`);
  if (Array.isArray(published.enum)) {
    const allowed = new Set((Array.isArray(current.enum) ? current.enum : []).map((value) => JSON.stringify(value)));
    for (const value of published.enum)
      if (!allowed.has(JSON.stringify(value))) problems.push(`${at}: enum value ${JSON.stringify(value)} removed`);
  }
  const beforeProperties = isSchema(published.properties) ? published.properties : {};
  const afterProperties = isSchema(current.properties) ? current.properties : {};
  for (const [name, schema] of Object.entries(beforeProperties)) {
    if (!(name in afterProperties)) problems.push(`${at}.${name}: field removed`);
    else problems.push(...breakingChanges(schema, afterProperties[name], `${at}.${name}`));
  }
  if (isSchema(published.items)) problems.push(...breakingChanges(published.items, current.items, `${at}[]`));
  return problems;
}
