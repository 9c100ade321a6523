/** Matching: flattening the parts of an event a pattern names, and trying its branches. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { type CompiledField, type LeafValue } from './compiled-field';

/** A leaf of the event, with the (array id, index) pairs of the arrays-of-containers it sits in. */
export interface Leaf {
  readonly value: LeafValue;
  readonly membership: readonly number[] | null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class EventFlattener {
  readonly leaves = new Map<string, Leaf[]>();
  private arrayCount = 0;
  private readonly membership: number[] = [];

  constructor(
    private readonly needed: ReadonlySet<string>,
    private readonly containers: ReadonlySet<string>,
  ) {}

  walkObject(object: Record<string, unknown>, base: string | null): void {
    for (const key of Object.keys(object)) {
      // Dots in event keys are not special: "state.status" under "detail" is the same field as
      // detail → state → status (fixtures dot_joining_*).
      this.walkValue(object[key], base === null ? key : `${base}.${key}`);
    }
  }

  private walkValue(value: unknown, path: string): void {
    if (!this.needed.has(path) && !this.containers.has(path)) return;
    if (Array.isArray(value)) {
      this.walkArray(value, path);
    } else if (isRecord(value)) {
      if (this.containers.has(path)) this.walkObject(value, path);
    } else {
      this.addLeaf(value, path);
    }
  }

  private walkArray(array: readonly unknown[], path: string): void {
    const id = this.arrayCount++;
    for (let index = 0; index < array.length; index++) {
      const element = array[index];
      if (Array.isArray(element) || isRecord(element)) {
        // Only containers get a membership entry: that is what keeps two fields taken from different
        // objects of one array from matching together, while plain elements need no such bookkeeping.
        this.membership.push(id, index);
        if (Array.isArray(element)) this.walkArray(element, path);
        else if (this.containers.has(path)) this.walkObject(element, path);
        this.membership.length -= 2;
      } else {
        this.addLeaf(element, path);
      }
    }
  }

  private addLeaf(value: unknown, path: string): void {
    if (!this.needed.has(path)) return;
    let leaf: LeafValue;
    if (typeof value === 'string' || typeof value === 'boolean' || value === null) leaf = value;
    else if (typeof value === 'number' && Number.isFinite(value)) leaf = value;
    else return; // undefined, functions, … have no JSON form, so the event does not carry this field
    const membership = this.membership.length > 0 ? this.membership.slice() : null;
    const list = this.leaves.get(path);
    if (list === undefined) this.leaves.set(path, [{ value: leaf, membership }]);
    else list.push({ value: leaf, membership });
  }
}

export function isConsistent(chosen: ReadonlyMap<number, number>, membership: readonly number[] | null): boolean {
  if (membership === null) return true;
  for (let i = 0; i < membership.length; i += 2) {
    const index = chosen.get(membership[i]);
    if (index !== undefined && index !== membership[i + 1]) return false;
  }
  return true;
}

/**
 * Tries to satisfy the fields of one `$or` alternative in sorted path order, backtracking over array
 * elements. AWS matches "array-consistently": two fields that come from objects in the same event array
 * must come from the same element. `exists: false` is judged against the elements chosen so far, which is
 * also how AWS walks its field chain.
 */
export function matchBranch(fields: readonly CompiledField[], leaves: ReadonlyMap<string, Leaf[]>): boolean {
  const chosen = new Map<number, number>();
  const step = (k: number): boolean => {
    if (k === fields.length) return true;
    const field = fields[k];
    const candidates = leaves.get(field.path);
    let present = false;
    if (candidates !== undefined) {
      for (const leaf of candidates) {
        if (!isConsistent(chosen, leaf.membership)) continue;
        present = true;
        if (!field.acceptsPresent || !field.test(leaf.value)) continue;
        const membership = leaf.membership;
        if (membership === null) {
          if (step(k + 1)) return true;
          continue;
        }
        const added: number[] = [];
        for (let i = 0; i < membership.length; i += 2) {
          if (!chosen.has(membership[i])) {
            chosen.set(membership[i], membership[i + 1]);
            added.push(membership[i]);
          }
        }
        if (step(k + 1)) return true;
        for (const id of added) chosen.delete(id);
      }
    }
    return field.allowsAbsent && !present && step(k + 1);
  };
  return step(0);
}
