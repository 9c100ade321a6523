export class InvalidEventPatternError extends Error {}
export type CompiledEventPattern = Record<string, unknown>;
export function compileEventPattern(p: unknown): CompiledEventPattern { return (typeof p === 'string' ? JSON.parse(p) : p) as CompiledEventPattern; }
export function matchesEventPattern(p: CompiledEventPattern, e: unknown): boolean {
  const ev = e as Record<string, unknown>;
  return Object.entries(p).every(([k, v]) => Array.isArray(v) ? v.includes(ev[k]) : typeof v === 'object' && v !== null ? matchesEventPattern(v as CompiledEventPattern, ev[k]) : false);
}
