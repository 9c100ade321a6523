/**
 * The JSONPath subset EventBridge accepts in InputPath and InputPathsMap: `$`, dotted
 * keys, bracketed quoted keys and array indexes (e.g. `$.detail['line-items'][0].sku`).
 */
export function readJsonPath(document: unknown, jsonPath: string): unknown {
  if (!jsonPath.startsWith('$')) throw new Error(`JSONPath must start with "$": ${jsonPath}`);
  const steps: Array<string | number> = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < jsonPath.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(jsonPath);
    if (!match) throw new Error(`Unsupported JSONPath ${jsonPath} at position ${start}`);
    steps.push(
      match[1] ?? (match[2] !== undefined ? Number(match[2]) : (match[3] ?? match[4]).replace(/\\(.)/g, '$1')),
    );
  }
  let current: unknown = document;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
