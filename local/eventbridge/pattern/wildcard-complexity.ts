/** Wildcard complexity: how AWS decides a rule's wildcards are too costly. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { STAR } from './strings';

/** One wildcard pattern as AWS's complexity evaluator sees it. */
export interface WildcardShape {
  /** Patterns with the same identity count once (an anything-but wildcard list is one pattern). */
  readonly identity: string;
  readonly tokens: readonly number[];
}

// AWS rejects a rule once more than this many wildcard-pattern prefixes can be "live" at the same time for
// some input (Ruler's MachineComplexityEvaluator). Calibrated on the fixtures: "*:*:*:*:*:event-bus/*"
// scores 11 and is refused, "/Users/*/dir/dir/dir/dir/dir/doc.txt" scores 7 and is accepted.
export const MAX_WILDCARD_COMPLEXITY = 10;
// Bounds the subset construction itself; a pattern needing more subsets than this is refused as too complex.
export const MAX_COMPLEXITY_SUBSETS = 20000;
export const OTHER_BYTE = -2;

/**
 * Mirrors Ruler's byte machine for the wildcard patterns of one field: states are shared along identical
 * prefixes, a `*` is a state that loops on every byte, and the byte after a `*` can also be taken directly
 * (empty match). The score of a set of simultaneously active states is the number of wildcard patterns
 * reachable from each, plus those reachable from a wildcard state that is one step away.
 */
export function wildcardComplexity(shapes: readonly WildcardShape[]): number {
  const edges: Array<Map<number, Set<number>>> = [new Map()];
  const anyByte: Array<number | undefined> = [undefined];
  const weight: Array<Set<string>> = [new Set()];
  const newState = (): number => {
    edges.push(new Map());
    anyByte.push(undefined);
    weight.push(new Set());
    return edges.length - 1;
  };
  const addEdge = (from: number, byte: number, to: number): void => {
    const targets = edges[from].get(byte) ?? new Set<number>();
    targets.add(to);
    edges[from].set(byte, targets);
  };
  const prefixStates = new Map<string, number>();
  const matchStates = new Map<string, number>();
  const alphabet = new Set<number>([OTHER_BYTE]);

  for (const { identity, tokens } of shapes) {
    const path = [0];
    let key = '';
    for (let i = 0; i < tokens.length - 1; i++) {
      key += `${tokens[i]},`;
      let id = prefixStates.get(key);
      if (id === undefined) {
        id = newState();
        prefixStates.set(key, id);
      }
      path.push(id);
    }
    let match = matchStates.get(identity);
    if (match === undefined) {
      match = newState();
      matchStates.set(identity, match);
    }
    for (let i = 0; i < tokens.length; i++) {
      const from = path[i];
      const to = i === tokens.length - 1 ? match : path[i + 1];
      const token = tokens[i];
      if (token === STAR) {
        anyByte[from] = to;
        anyByte[to] = to;
      } else {
        alphabet.add(token);
        addEdge(from, token, to);
        if (i > 0 && tokens[i - 1] === STAR) addEdge(path[i - 1], token, to);
      }
    }
    for (const id of path.slice(1)) weight[id].add(identity);
    weight[match].add(identity);
  }

  const seen = new Set<string>();
  const queue: number[][] = [[0]];
  let max = 0;
  while (queue.length > 0) {
    const active = queue.pop() ?? [];
    for (const byte of alphabet) {
      const next = new Set<number>();
      for (const state of active) {
        if (byte !== OTHER_BYTE) for (const to of edges[state].get(byte) ?? []) next.add(to);
        const loop = anyByte[state];
        if (loop !== undefined) next.add(loop);
      }
      if (next.size === 0) continue;
      const sorted = [...next].sort((a, b) => a - b);
      const key = sorted.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_COMPLEXITY_SUBSETS) return MAX_WILDCARD_COMPLEXITY + 1;
      let score = 0;
      for (const state of sorted) {
        score += weight[state].size;
        const star = anyByte[state];
        if (star !== undefined && !next.has(star)) score += weight[star].size;
      }
      if (score > MAX_WILDCARD_COMPLEXITY) return score;
      max = Math.max(max, score);
      queue.push(sorted);
    }
  }
  return max;
}
