/**
 * The approved fields a patch would change, as `operation index: field`. An operation touches a
 * field when its path is the field, lies inside it, or contains it (replacing `/engagement` or
 * the whole document changes every field below). `test` only reads, so it touches nothing.
 */
export function approvedFieldsTouched(
  approvedFields: readonly string[],
  patch: ReadonlyArray<{ readonly op: string; readonly path: string }>,
): string[] {
  const inside = (path: string, field: string): boolean => path === field || path.startsWith(`${field}/`);
  return patch.flatMap((operation, index) =>
    operation.op === 'test'
      ? []
      : approvedFields
          .filter((field) => inside(operation.path, field) || inside(field, operation.path) || operation.path === '')
          .map(
            (field) => `operation ${index} (${operation.op} ${operation.path || '(the whole input)'}) changes ${field}`,
          ),
  );
}
