/**
 * EventBridge event-pattern validation and matching for the local cloud.
 *
 * AWS evaluates patterns with its Event Ruler engine, so this module follows that engine's observable
 * behaviour rather than a literal reading of the user guide: the validation order and reason wording are
 * Ruler's, keys are joined with dots on both sides (so `{"a.b": …}` and `{"a": {"b": …}}` are the same
 * field), array elements are matched "array-consistently", and the fixtures recorded against real AWS in
 * `test/fixtures/eventbridge-patterns/` are the final word where the docs and the engine disagree.
 *
 * Everything that can be decided from the pattern alone (JSON parsing, `$or` expansion, case folding,
 * CIDR bounds, wildcard segments) happens once in {@link compileEventPattern}; matching only walks the
 * parts of the event that the pattern names.
 */

import { checkWildcardComplexity, parseObject } from './pattern/compile';
import { type Branch, type CompiledField } from './pattern/compiled-field';
import { invalid } from './pattern/errors';
import { toPatternTree } from './pattern/json-tree';
import { EventFlattener, isRecord, matchBranch } from './pattern/matching';

export { InvalidEventPatternError } from './pattern/errors';

const compiledBrand: unique symbol = Symbol('CompiledEventPattern');

/**
 * A validated, pre-compiled event pattern from {@link compileEventPattern}. Opaque: build one per rule and
 * reuse it for every event.
 */
export type CompiledEventPattern = { readonly [compiledBrand]: true };

class CompiledPattern implements CompiledEventPattern {
  readonly [compiledBrand] = true as const;

  constructor(
    /** One entry per `$or` alternative, each sorted by path. */
    readonly branches: readonly (readonly CompiledField[])[],
    readonly needed: ReadonlySet<string>,
    readonly containers: ReadonlySet<string>,
  ) {}

  matches(event: unknown): boolean {
    let root = event;
    if (typeof root === 'string') {
      try {
        root = JSON.parse(root) as unknown;
      } catch {
        return false;
      }
    }
    if (!isRecord(root)) return false;
    const flattener = new EventFlattener(this.needed, this.containers);
    flattener.walkObject(root, null);
    for (const branch of this.branches) if (matchBranch(branch, flattener.leaves)) return true;
    return false;
  }
}

/**
 * Validates an EventBridge event pattern and compiles it for repeated matching.
 *
 * @param pattern - The pattern as JSON text (preferred: a key that appears twice is then evaluated the way
 *   AWS does, the later value list winning and repeated objects merging) or as an already-parsed value,
 *   which is read through its JSON form.
 * @returns An opaque compiled pattern for {@link matchesEventPattern}.
 * @throws {@link InvalidEventPatternError} when AWS would reject the pattern; the message carries AWS's
 *   reason, e.g. `Event pattern is not valid. Reason: Empty arrays are not allowed`.
 */
export function compileEventPattern(pattern: unknown): CompiledEventPattern {
  const root = toPatternTree(pattern);
  if (root.kind !== 'object') throw invalid('Filter is not an object');
  const rules: Branch[] = [];
  parseObject(root, [], rules, false);

  const branches = rules.map((rule) =>
    // Sorting fixes the order in which fields are tried, which is the order AWS's field chain uses;
    // plain code-unit order is what Java's String.compareTo gives.
    [...rule.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  );
  checkWildcardComplexity(branches);

  const needed = new Set<string>();
  const containers = new Set<string>();
  for (const fields of branches) {
    for (const { path } of fields) {
      needed.add(path);
      for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) containers.add(path.slice(0, dot));
    }
  }
  return new CompiledPattern(branches, needed, containers);
}

/**
 * Tells whether an event matches a compiled pattern, with AWS's semantics: every field named in the
 * pattern must match (any entry of its list), a field holding an array matches when any element does,
 * fields inside objects of one event array must come from the same element, and `$or` alternatives are
 * tried in turn.
 *
 * @param compiled - A pattern from {@link compileEventPattern}.
 * @param event - The event as a parsed object (or its JSON text). Anything that is not a JSON object never
 *   matches.
 */
export function matchesEventPattern(compiled: CompiledEventPattern, event: unknown): boolean {
  if (!(compiled instanceof CompiledPattern)) {
    throw new TypeError('matchesEventPattern needs a pattern returned by compileEventPattern');
  }
  return compiled.matches(event);
}
