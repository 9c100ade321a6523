/** The compiled form of a pattern, shared by compilation and matching. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { type WildcardShape } from './wildcard-complexity';

export type LeafValue = string | number | boolean | null;
export type ValueTest = (value: LeafValue) => boolean;

/** Everything a single value-list entry contributes to a field. */
export interface Term {
  readonly exactString?: string;
  readonly exactNumber?: number;
  readonly exactLiteral?: boolean | null;
  readonly exactIp?: string;
  readonly test?: ValueTest;
  readonly exists?: boolean;
  readonly wildcards?: readonly WildcardShape[];
}

export interface CompiledField {
  readonly path: string;
  /** `{"exists": false}` is in the list, so a missing field can satisfy it. */
  readonly allowsAbsent: boolean;
  /** Some entry can be satisfied by a present value. */
  readonly acceptsPresent: boolean;
  readonly test: ValueTest;
  readonly wildcards: readonly WildcardShape[];
  /** Identifies the field and its list, so equal preceding fields share a complexity machine like in Ruler. */
  readonly signature: string;
}

export type Branch = Map<string, CompiledField>;
