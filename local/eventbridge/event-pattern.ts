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

const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/**
 * Thrown by {@link compileEventPattern} for a pattern that AWS would refuse.
 *
 * The message is byte-for-byte AWS's `InvalidEventPatternException` message,
 * `Event pattern is not valid. Reason: <reason>`, so API handlers can pass it straight through.
 */
export class InvalidEventPatternError extends Error {
  /** The part of the message after `Reason: `, as AWS words it. */
  readonly reason: string;

  constructor(reason: string) {
    super(REASON_PREFIX + reason);
    this.name = 'InvalidEventPatternException';
    this.reason = reason;
  }
}

function invalid(reason: string): InvalidEventPatternError {
  return new InvalidEventPatternError(reason);
}

// ---------------------------------------------------------------------------------------------------------
// JSON text → node tree
// ---------------------------------------------------------------------------------------------------------

// A tree that keeps every occurrence of a repeated key, in order. AWS reads patterns with a streaming
// parser, so a repeated key holding a value list overrides the earlier one, while a repeated key holding an
// object adds its fields to the earlier one's; JSON.parse would silently drop the earlier object instead.
type JsonNode =
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

type ObjectNode = Extract<JsonNode, { kind: 'object' }>;
type NumberNode = Extract<JsonNode, { kind: 'number' }>;

// Jackson's default, which is what AWS's parser enforces; it also keeps deep recursion off our stack.
const MAX_NESTING_DEPTH = 1000;

class PatternJsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonNode {
    this.skipWhitespace();
    // AWS checks the first token before reading anything else, so "[…" or "" fail this way, not as syntax.
    if (this.text[this.pos] !== '{') throw invalid('Filter is not an object');
    const root = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) throw this.unexpected('expected end-of-input');
    return root;
  }

  private parseValue(depth: number): JsonNode {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw invalid('Unexpected end-of-input: expected a value');
    const ch = this.text[this.pos];
    if (ch === '{') return this.parseObject(depth + 1);
    if (ch === '[') return this.parseArray(depth + 1);
    if (ch === '"') return { kind: 'string', value: this.parseString() };
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.parseNumber();
    const token = /^[A-Za-z0-9_$]+/.exec(this.text.slice(this.pos))?.[0];
    if (token === 'true' || token === 'false') {
      this.pos += token.length;
      return { kind: 'boolean', value: token === 'true' };
    }
    if (token === 'null') {
      this.pos += 4;
      return { kind: 'null' };
    }
    if (token !== undefined) {
      throw invalid(
        `Unrecognized token '${token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`,
      );
    }
    throw this.unexpected("expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
  }

  private parseObject(depth: number): JsonNode {
    this.checkDepth(depth);
    this.pos++; // '{'
    const entries: Array<readonly [string, JsonNode]> = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw invalid('Unexpected end-of-input: expected close marker for Object');
      if (this.text[this.pos] !== '"') throw this.unexpected('was expecting double-quote to start field name');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') throw this.unexpected('was expecting a colon to separate field name and value');
      this.pos++;
      entries.push([key, this.parseValue(depth)]);
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      if (next === undefined) throw invalid('Unexpected end-of-input: expected close marker for Object');
      throw this.unexpected('was expecting comma to separate Object entries');
    }
  }

  private parseArray(depth: number): JsonNode {
    this.checkDepth(depth);
    this.pos++; // '['
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.parseValue(depth));
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      if (next === undefined) throw invalid('Unexpected end-of-input: expected close marker for Array');
      throw this.unexpected('was expecting comma to separate Array entries');
    }
  }

  private parseString(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) {
        throw invalid('Unexpected end-of-input: was expecting closing quote for a string value');
      }
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) {
        throw invalid(
          `Illegal unquoted character ((CTRL-CHAR, code ${code})): has to be escaped using backslash to be included in string value`,
        );
      }
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(runStart, this.pos);
      const esc = this.text[this.pos + 1];
      this.pos += 2;
      switch (esc) {
        case '"':
        case '\\':
        case '/':
          out += esc;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            throw invalid('Unexpected character in unicode escape: expected a hex-digit for character escape sequence');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        case undefined:
          throw invalid('Unexpected end-of-input: was expecting closing quote for a string value');
        default:
          throw invalid(`Unrecognized character escape '${esc}' (code ${esc.charCodeAt(0)})`);
      }
      runStart = this.pos;
    }
  }

  private parseNumber(): NumberNode {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    const text = match?.[0];
    if (text === undefined || text === '-') throw invalid('Invalid numeric value: expected digit after sign or point');
    const following = this.text[this.pos + text.length];
    if (following !== undefined && /[0-9.eE+-]/.test(following)) {
      throw invalid(
        text === '0' || text === '-0' ? 'Invalid numeric value: Leading zeroes not allowed' : 'Invalid numeric value',
      );
    }
    this.pos += text.length;
    return { kind: 'number', value: Number(text), text };
  }

  private skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') return;
      this.pos++;
    }
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_NESTING_DEPTH) {
      throw invalid(`Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_NESTING_DEPTH})`);
    }
  }

  private unexpected(expectation: string): InvalidEventPatternError {
    const ch = this.text[this.pos];
    if (ch === undefined) return invalid(`Unexpected end-of-input: ${expectation}`);
    const code = ch.charCodeAt(0);
    const shown = code < 0x20 ? `(CTRL-CHAR, code ${code})` : `('${ch}' (code ${code}))`;
    return invalid(`Unexpected character ${shown}: ${expectation}`);
  }
}

function toPatternTree(pattern: unknown): JsonNode {
  if (typeof pattern === 'string') return new PatternJsonParser(pattern).parseDocument();
  let text: string | undefined;
  try {
    // Round-tripping through JSON gives an object argument exactly the meaning its JSON form has
    // (toJSON, dropped undefined members, NaN → null) and one code path for both kinds of input.
    text = JSON.stringify(pattern);
  } catch {
    throw invalid('Filter is not valid JSON');
  }
  if (text === undefined) throw invalid('Filter is not an object');
  return new PatternJsonParser(text).parseDocument();
}

/** The text a streaming JSON parser reports for a token, which AWS quotes in some numeric reasons. */
function tokenText(node: JsonNode | undefined): string {
  if (node === undefined) return ']';
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'number':
      return node.text;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
    case 'object':
      return '{';
    case 'array':
      return '[';
  }
}

function canonical(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
    case 'array':
      return `[${node.items.map(canonical).join(',')}]`;
    case 'string':
      return JSON.stringify(node.value);
    case 'number':
      return String(node.value);
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------------

// Ruler turns numbers into fixed-width comparable strings that only cover ±5e9; numeric operands outside
// that are refused and event numbers outside it never satisfy a numeric comparison.
const NUMERIC_LIMIT = 5e9;

function requireComparable(value: number): void {
  if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    throw invalid('Value must be between -5.0E9 and 5.0E9, inclusive');
  }
}

function isComparableNumber(value: LeafValue): value is number {
  return typeof value === 'number' && value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT;
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------------------------------------

// Ruler only hands strings shaped like these to the platform's address parser; anything else is
// "Nonstandard", while a string of this shape that still fails to parse is "Invalid".
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

function hexOfBytes(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

function parseIPv4(text: string): number[] | null {
  const bytes: number[] = [];
  for (const part of text.split('.')) {
    // Leading zeros are refused because modern address parsers treat them as ambiguous (octal or not).
    if (part.length > 1 && part.startsWith('0')) return null;
    if (part.length > 3) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes.push(n);
  }
  return bytes;
}

function parseIPv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === null || tail === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  // The platform parser returns an IPv4 address for the IPv4-mapped form, so Ruler compares it as one.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

type IpParse = { readonly kind: 'ok'; readonly bytes: number[] } | { readonly kind: 'invalid' | 'nonstandard' };

function parseIp(text: string): IpParse {
  let bytes: number[] | null;
  if (IPV4_SHAPE.test(text)) bytes = parseIPv4(text);
  else if (IPV6_SHAPE.test(text)) bytes = parseIPv6(text);
  else return { kind: 'nonstandard' };
  return bytes === null ? { kind: 'invalid' } : { kind: 'ok', bytes };
}

/** Fixed-width hex of an address (8 digits for IPv4, 32 for IPv6), or null when it is not an address. */
function ipHex(text: string): string | null {
  const parsed = parseIp(text);
  return parsed.kind === 'ok' ? hexOfBytes(parsed.bytes) : null;
}

/** Java's String.split: trailing empty strings are dropped, which decides what counts as "one '/'". */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

interface CidrRange {
  readonly hexLength: number;
  readonly low: string;
  readonly high: string;
}

function compileCidr(text: string): CidrRange {
  const parts = javaSplit(text, '/');
  if (parts.length !== 2) throw invalid("Malformed CIDR, one '/' required");
  const maskText = parts[1];
  const mask = /^[+-]?[0-9]+$/.test(maskText) ? Number(maskText) : Number.NaN;
  if (!Number.isInteger(mask) || mask > 2147483647 || mask < -2147483648) {
    throw invalid('Malformed CIDR, mask bits must be an integer');
  }
  if (mask < 0) throw invalid('Malformed CIDR, mask bits must not be negative');
  const parsed = parseIp(parts[0]);
  if (parsed.kind !== 'ok') {
    throw invalid(`${parsed.kind === 'nonstandard' ? 'Nonstandard' : 'Invalid'} IP address: ${parts[0]}`);
  }
  const bytes = parsed.bytes;
  if (bytes.length === 4 && mask > 31) throw invalid('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && mask > 127) throw invalid('IPv6 mask bits must be < 128');
  // AWS's lower bound is the address as written, not the network address: "10.0.0.5/24" does not
  // match 10.0.0.1. Only the host bits of the upper bound are filled in.
  let hostBits = bytes.length * 8 - mask;
  const top = bytes.slice();
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    top[i] = hostBits >= 8 ? 0xff : top[i] | ((1 << hostBits) - 1);
  }
  return { hexLength: bytes.length * 2, low: hexOfBytes(bytes), high: hexOfBytes(top) };
}

// ---------------------------------------------------------------------------------------------------------
// Strings: case folding and wildcards
// ---------------------------------------------------------------------------------------------------------

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * AWS folds case one character at a time (a pattern character matches its lower- or upper-case form), not
 * by lower-casing whole strings, so e.g. the Kelvin sign does not match "k". A regex with one alternative
 * set per pattern character reproduces that exactly and is built once per pattern.
 */
function caseFoldingRegExp(text: string, anchor: 'equals' | 'prefix' | 'suffix'): RegExp {
  let source = '';
  // UTF-16 units on purpose: AWS folds each Java char separately, so astral letters only match themselves.
  for (const ch of text.split('')) {
    const alternatives = [...new Set([ch, ch.toLowerCase(), ch.toUpperCase()])];
    if (alternatives.length === 1) source += escapeRegExp(ch);
    else if (alternatives.every((a) => a.length === 1)) {
      source += `[${alternatives.map((a) => a.replace(/[\\\]^[-]/g, '\\$&')).join('')}]`;
    } else source += `(?:${alternatives.map(escapeRegExp).join('|')})`;
  }
  return new RegExp(`${anchor === 'suffix' ? '' : '^'}${source}${anchor === 'prefix' ? '' : '$'}`);
}

const STAR = -1;
const UTF8 = new TextEncoder();

/**
 * Validates a wildcard value the way AWS does: on the UTF-8 bytes of the value *with its JSON quotes*,
 * which is why AWS's reported positions are one more than the character index. Returns the byte tokens
 * (STAR for an unescaped `*`) that the complexity check needs.
 */
function parseWildcardBytes(text: string): number[] {
  const bytes = UTF8.encode(`"${text}"`);
  const tokens: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x2a) {
      if (bytes[i + 1] === 0x2a) throw invalid(`Consecutive wildcard characters at pos ${i}`);
      tokens.push(STAR);
    } else if (b === 0x5c) {
      const next = bytes[i + 1];
      if (next !== 0x2a && next !== 0x5c) throw invalid(`Invalid escape character at pos ${i}`);
      tokens.push(next);
      i++;
    } else {
      tokens.push(b);
    }
  }
  return tokens;
}

type StringTest = (value: string) => boolean;

/**
 * A glob with only `*` can be matched greedily segment by segment in O(n·m); a backtracking regex such as
 * /^.*a.*a.*a$/ can go exponential on a long event value, which the hot path cannot afford.
 */
function wildcardMatcher(text: string): StringTest {
  const segments = [''];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '*') segments.push('');
    else if (ch === '\\') segments[segments.length - 1] += text[++i];
    else segments[segments.length - 1] += ch;
  }
  if (segments.length === 1) {
    const exact = segments[0];
    return (value) => value === exact;
  }
  const first = segments[0];
  const last = segments[segments.length - 1];
  const middle = segments.slice(1, -1).filter((s) => s !== '');
  return (value) => {
    const end = value.length - last.length;
    if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
    let pos = first.length;
    for (const segment of middle) {
      const found = value.indexOf(segment, pos);
      if (found < 0 || found + segment.length > end) return false;
      pos = found + segment.length;
    }
    return true;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Wildcard complexity
// ---------------------------------------------------------------------------------------------------------

/** One wildcard pattern as AWS's complexity evaluator sees it. */
interface WildcardShape {
  /** Patterns with the same identity count once (an anything-but wildcard list is one pattern). */
  readonly identity: string;
  readonly tokens: readonly number[];
}

// AWS rejects a rule once more than this many wildcard-pattern prefixes can be "live" at the same time for
// some input (Ruler's MachineComplexityEvaluator). Calibrated on the fixtures: "*:*:*:*:*:event-bus/*"
// scores 11 and is refused, "/Users/*/dir/dir/dir/dir/dir/doc.txt" scores 7 and is accepted.
const MAX_WILDCARD_COMPLEXITY = 10;
// Bounds the subset construction itself; a pattern needing more subsets than this is refused as too complex.
const MAX_COMPLEXITY_SUBSETS = 20000;
const OTHER_BYTE = -2;

/**
 * Mirrors Ruler's byte machine for the wildcard patterns of one field: states are shared along identical
 * prefixes, a `*` is a state that loops on every byte, and the byte after a `*` can also be taken directly
 * (empty match). The score of a set of simultaneously active states is the number of wildcard patterns
 * reachable from each, plus those reachable from a wildcard state that is one step away.
 */
function wildcardComplexity(shapes: readonly WildcardShape[]): number {
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

// ---------------------------------------------------------------------------------------------------------
// Pattern compilation
// ---------------------------------------------------------------------------------------------------------

type LeafValue = string | number | boolean | null;
type ValueTest = (value: LeafValue) => boolean;

/** Everything a single value-list entry contributes to a field. */
interface Term {
  readonly exactString?: string;
  readonly exactNumber?: number;
  readonly exactLiteral?: boolean | null;
  readonly exactIp?: string;
  readonly test?: ValueTest;
  readonly exists?: boolean;
  readonly wildcards?: readonly WildcardShape[];
}

interface CompiledField {
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

type Branch = Map<string, CompiledField>;

// Inside `$or`, AWS reserves its operator names (including ones it has not shipped yet) as field names.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

// `$or` is expanded into alternatives up front (as AWS does); this keeps a hostile pattern from
// multiplying them without bound. AWS's own pattern size quota keeps real patterns far below it.
const MAX_BRANCHES = 10000;

const ONLY_ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY_NUMERIC = 'Too many elements in numeric expression';

function parseObject(node: ObjectNode, path: string[], rules: Branch[], insideOr: boolean): void {
  for (const [key, value] of node.entries) {
    if (key === '$or') {
      parseOr(value, path, rules);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      throw invalid(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    }
    if (value.kind === 'object') {
      path.push(key);
      parseObject(value, path, rules, insideOr);
      path.pop();
    } else if (value.kind === 'array') {
      writeField(rules, [...path, key].join('.'), value.items, canonical(value));
    } else {
      throw invalid(`"${key}" must be an object or an array`);
    }
  }
  if (node.entries.length === 0) throw invalid('Empty objects are not allowed');
}

function parseOr(value: JsonNode, path: string[], rules: Branch[]): void {
  const before = rules.map((rule) => new Map(rule));
  rules.length = 0;
  if (value.kind !== 'array') throw invalid('It must be an Array followed with $or.');
  for (const alternative of value.items) {
    if (alternative.kind !== 'object') throw invalid('Only JSON object is allowed in array of $or relationship.');
    const forked = before.length > 0 ? before.map((rule) => new Map(rule)) : [new Map<string, CompiledField>()];
    parseObject(alternative, path, forked, true);
    rules.push(...forked);
    if (rules.length > MAX_BRANCHES) {
      throw invalid(`Event pattern expands to more than ${MAX_BRANCHES} $or combinations`);
    }
  }
  if (value.items.length < 2) throw invalid('There must have at least 2 Objects in $or relationship.');
}

function writeField(rules: Branch[], path: string, items: readonly JsonNode[], listText: string): void {
  const terms: Term[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'object':
        terms.push(compileMatchExpression(item));
        break;
      case 'string': {
        // AWS compares a plain value that reads as an IP address as an address, so "2001:db8::1" also
        // matches "2001:0db8:0:0:0:0:0:1".
        const hex = ipHex(item.value);
        terms.push(hex === null ? { exactString: item.value } : { exactIp: hex });
        break;
      }
      case 'number':
        terms.push({ exactNumber: item.value });
        break;
      case 'boolean':
        terms.push({ exactLiteral: item.value });
        break;
      case 'null':
        terms.push({ exactLiteral: null });
        break;
      case 'array':
        throw invalid('Match value must be String, number, true, false, or null');
    }
  }
  if (items.length === 0) throw invalid('Empty arrays are not allowed');
  const field = buildField(path, terms, listText);
  if (rules.length === 0) rules.push(new Map());
  // A path written twice keeps the later list: that is how AWS treats a repeated key.
  for (const rule of rules) rule.set(path, field);
}

function buildField(path: string, terms: readonly Term[], listText: string): CompiledField {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const ips = new Set<string>();
  const tests: ValueTest[] = [];
  const wildcards: WildcardShape[] = [];
  let matchTrue = false;
  let matchFalse = false;
  let matchNull = false;
  let anyPresent = false;
  let allowsAbsent = false;
  for (const term of terms) {
    if (term.exactString !== undefined) strings.add(term.exactString);
    if (term.exactNumber !== undefined) numbers.add(term.exactNumber);
    if (term.exactIp !== undefined) ips.add(term.exactIp);
    if (term.exactLiteral === true) matchTrue = true;
    if (term.exactLiteral === false) matchFalse = true;
    if (term.exactLiteral === null) matchNull = true;
    if (term.test !== undefined) tests.push(term.test);
    if (term.exists === true) anyPresent = true;
    if (term.exists === false) allowsAbsent = true;
    if (term.wildcards !== undefined) wildcards.push(...term.wildcards);
  }
  const acceptsPresent =
    anyPresent || strings.size + numbers.size + ips.size + tests.length > 0 || matchTrue || matchFalse || matchNull;
  let test: ValueTest;
  if (anyPresent) {
    test = () => true;
  } else {
    test = (value) => {
      switch (typeof value) {
        case 'string':
          if (strings.has(value)) return true;
          if (ips.size > 0) {
            const hex = ipHex(value);
            if (hex !== null && ips.has(hex)) return true;
          }
          break;
        case 'number':
          if (numbers.has(value)) return true;
          break;
        case 'boolean':
          if (value ? matchTrue : matchFalse) return true;
          break;
        default:
          if (value === null && matchNull) return true;
      }
      for (const t of tests) if (t(value)) return true;
      return false;
    };
  }
  return { path, allowsAbsent, acceptsPresent, test, wildcards, signature: `${JSON.stringify(path)}:${listText}` };
}

function isNumber(node: JsonNode | undefined): node is NumberNode {
  return node !== undefined && node.kind === 'number';
}

function numericRange(low: number, lowOpen: boolean, high: number, highOpen: boolean): Term {
  if (low >= high) throw invalid('Bottom must be less than top');
  requireComparable(low);
  requireComparable(high);
  return {
    test: (value) =>
      isComparableNumber(value) &&
      (lowOpen ? value > low : value >= low) &&
      (highOpen ? value < high : value <= high),
  };
}

function compileNumeric(items: readonly JsonNode[]): Term {
  let index = 0;
  const next = (): JsonNode | undefined => items[index++];
  const first = next();
  if (first === undefined || first.kind !== 'string') throw invalid(`Invalid member in numeric match: ${tokenText(first)}`);
  const operator = first.value;
  const operand = next();
  switch (operator) {
    case '=': {
      if (!isNumber(operand)) throw invalid('Value of equals must be numeric');
      if (next() !== undefined) throw invalid(TOO_MANY_NUMERIC);
      const target = operand.value;
      requireComparable(target);
      return { test: (value) => isComparableNumber(value) && value === target };
    }
    case '>':
    case '>=': {
      if (!isNumber(operand)) throw invalid(`Value of ${operator} must be numeric`);
      const upper = next();
      if (upper === undefined) return numericRange(operand.value, operator === '>', NUMERIC_LIMIT, false);
      if (upper.kind !== 'string') throw invalid(`Bad value in numeric range: ${tokenText(upper)}`);
      const upperOperator = upper.value;
      if (upperOperator !== '<' && upperOperator !== '<=') {
        throw invalid(`Bad numeric range operator: ${upperOperator}`);
      }
      const top = next();
      if (!isNumber(top)) throw invalid(`Value of ${upperOperator} must be numeric`);
      if (next() !== undefined) throw invalid('Too many terms in numeric range expression');
      return numericRange(operand.value, operator === '>', top.value, upperOperator === '<');
    }
    case '<':
    case '<=': {
      if (!isNumber(operand)) throw invalid(`Value of ${operator} must be numeric`);
      if (next() !== undefined) throw invalid(TOO_MANY_NUMERIC);
      return numericRange(-NUMERIC_LIMIT, false, operand.value, operator === '<');
    }
    default:
      throw invalid(`Unrecognized numeric range operator: ${operator}`);
  }
}

function compileStringOperator(
  kind: 'prefix' | 'suffix',
  value: JsonNode,
  entryCount: number,
): Term {
  if (value.kind === 'object') {
    // {"prefix": {"equals-ignore-case": "…"}} and its suffix twin.
    const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
    const [inner] = value.entries;
    if (inner === undefined) throw invalid(`${label} expression name not found`);
    if (inner[0] !== 'equals-ignore-case') throw invalid(`Unsupported ${kind} pattern: ${inner[0]}`);
    if (inner[1].kind !== 'string') throw invalid('equals-ignore-case match pattern must be a string');
    if (value.entries.length > 1 || entryCount > 1) throw invalid(ONLY_ONE_KEY);
    const re = caseFoldingRegExp(inner[1].value, kind);
    return { test: (v) => typeof v === 'string' && re.test(v) };
  }
  if (value.kind !== 'string') throw invalid(`${kind} match pattern must be a string`);
  if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
  const text = value.value;
  return kind === 'prefix'
    ? { test: (v) => typeof v === 'string' && v.startsWith(text) }
    : { test: (v) => typeof v === 'string' && v.endsWith(text) };
}

type AnythingButKind = 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function anythingButItemError(kind: AnythingButKind): InvalidEventPatternError {
  if (kind === 'equals-ignore-case') {
    return invalid('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
  }
  if (kind === 'wildcard') return invalid('wildcard match pattern must be a string');
  return invalid('prefix/suffix match pattern must be a string');
}

function compileAnythingBut(value: JsonNode, entryCount: number): Term {
  let kind: AnythingButKind = 'plain';
  let operand = value;
  let innerCount = 0;
  if (value.kind === 'object') {
    const [inner] = value.entries;
    if (inner === undefined) throw invalid('Anything-but expression name not found');
    switch (inner[0]) {
      case 'equals-ignore-case':
      case 'prefix':
      case 'suffix':
      case 'wildcard':
        kind = inner[0];
        break;
      default:
        throw invalid(`Unsupported anything-but pattern: ${inner[0]}`);
    }
    operand = inner[1];
    innerCount = value.entries.length;
  }
  if (operand.kind !== 'array' && operand.kind !== 'string' && operand.kind !== 'number') {
    throw invalid('Value of anything-but must be an array or single string/number value.');
  }
  const items = operand.kind === 'array' ? operand.items : [operand];
  let term: Term;
  if (kind === 'plain') {
    const strings = new Set<string>();
    const numbers = new Set<number>();
    for (const item of items) {
      if (item.kind === 'string') strings.add(item.value);
      else if (item.kind === 'number') {
        requireComparable(item.value);
        numbers.add(item.value);
      } else throw invalid('Inside anything but list, start|null|boolean is not supported.');
    }
    if ((strings.size > 0) === (numbers.size > 0)) {
      throw invalid('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    // Only a value of the listed type can be excluded: a string list lets every number, boolean and null
    // through and vice versa (fixtures: content_anything_but_*_null, content_anything_prefix_int_value).
    term =
      numbers.size > 0
        ? { test: (v) => !(typeof v === 'number' && numbers.has(v)) }
        : { test: (v) => !(typeof v === 'string' && strings.has(v)) };
  } else {
    const texts: string[] = [];
    for (const item of items) {
      if (item.kind !== 'string') throw anythingButItemError(kind);
      if ((kind === 'prefix' || kind === 'suffix') && item.value === '') {
        throw invalid('Null prefix/suffix not allowed');
      }
      texts.push(item.value);
    }
    let excluded: StringTest[];
    let wildcards: WildcardShape[] | undefined;
    switch (kind) {
      case 'equals-ignore-case':
        excluded = texts.map((t) => {
          const re = caseFoldingRegExp(t, 'equals');
          return (v: string) => re.test(v);
        });
        break;
      case 'prefix':
        excluded = texts.map((t) => (v: string) => v.startsWith(t));
        break;
      case 'suffix':
        excluded = texts.map((t) => (v: string) => v.endsWith(t));
        break;
      case 'wildcard': {
        // The whole list is one pattern to AWS's complexity check, reached along one byte path per value.
        const identity = `anything-but-wildcard:${JSON.stringify([...new Set(texts)].sort())}`;
        wildcards = texts.map((t) => ({ identity, tokens: parseWildcardBytes(t) }));
        excluded = texts.map(wildcardMatcher);
        break;
      }
    }
    term = { test: anythingButTest(excluded), wildcards };
  }
  // AWS words an extra key next to anything-but with its numeric message; kept for parity.
  if (innerCount > 1 || entryCount > 1) throw invalid(TOO_MANY_NUMERIC);
  return term;
}

function anythingButTest(excluded: readonly StringTest[]): ValueTest {
  return (v) => typeof v !== 'string' || !excluded.some((matches) => matches(v));
}

function compileMatchExpression(node: ObjectNode): Term {
  const [first] = node.entries;
  if (first === undefined) throw invalid('Match expression name not found');
  const [operator, value] = first;
  const entryCount = node.entries.length;
  switch (operator) {
    case 'exactly': {
      // Not in the user guide, but AWS's engine accepts it: a plain string compare with no IP folding.
      if (value.kind !== 'string') throw invalid('exact match pattern must be a string');
      if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
      return { exactString: value.value };
    }
    case 'prefix':
    case 'suffix':
      return compileStringOperator(operator, value, entryCount);
    case 'numeric': {
      if (value.kind !== 'array') throw invalid('Value of numeric must be an array.');
      const term = compileNumeric(value.items);
      if (entryCount > 1) throw invalid(TOO_MANY_NUMERIC);
      return term;
    }
    case 'anything-but':
      return compileAnythingBut(value, entryCount);
    case 'exists': {
      if (value.kind !== 'boolean') throw invalid('exists match pattern must be either true or false.');
      if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
      return { exists: value.value };
    }
    case 'cidr': {
      // AWS really does say "prefix" here (fixture content_ip_address_type_EXC).
      if (value.kind !== 'string') throw invalid('prefix match pattern must be a string');
      const range = compileCidr(value.value);
      if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
      return {
        test: (v) => {
          if (typeof v !== 'string') return false;
          const hex = ipHex(v);
          return hex !== null && hex.length === range.hexLength && hex >= range.low && hex <= range.high;
        },
      };
    }
    case 'equals-ignore-case': {
      if (value.kind !== 'string') throw invalid('equals-ignore-case match pattern must be a string');
      if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
      const re = caseFoldingRegExp(value.value, 'equals');
      return { test: (v) => typeof v === 'string' && re.test(v) };
    }
    case 'wildcard': {
      if (value.kind !== 'string') throw invalid('wildcard match pattern must be a string');
      const tokens = parseWildcardBytes(value.value);
      if (entryCount > 1) throw invalid(ONLY_ONE_KEY);
      const matches = wildcardMatcher(value.value);
      return {
        test: (v) => typeof v === 'string' && matches(v),
        wildcards: [{ identity: `wildcard:${value.value}`, tokens }],
      };
    }
    default:
      throw invalid(`Unrecognized match type ${operator}`);
  }
}

function checkWildcardComplexity(branches: readonly CompiledField[][]): void {
  // Ruler keeps one byte machine per field per position in the rule's (sorted) field chain, so wildcard
  // patterns only add up when they sit on the same field behind the same preceding fields.
  const machines = new Map<string, Map<string, WildcardShape>>();
  for (const fields of branches) {
    let prefix = '';
    let reachable = true;
    for (const field of fields) {
      if (reachable && field.wildcards.length > 0) {
        const key = `${prefix}#${field.path}`;
        const shapes = machines.get(key) ?? new Map<string, WildcardShape>();
        for (const shape of field.wildcards) shapes.set(`${shape.identity}|${shape.tokens.join(',')}`, shape);
        machines.set(key, shapes);
      }
      // AWS does not evaluate machines that can only be reached through an {"exists": false} edge.
      if (!field.acceptsPresent) reachable = false;
      prefix += `${field.signature}\n`;
    }
  }
  for (const shapes of machines.values()) {
    if (wildcardComplexity([...shapes.values()]) > MAX_WILDCARD_COMPLEXITY) {
      throw invalid(
        'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------

/** A leaf of the event, with the (array id, index) pairs of the arrays-of-containers it sits in. */
interface Leaf {
  readonly value: LeafValue;
  readonly membership: readonly number[] | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class EventFlattener {
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

function isConsistent(chosen: ReadonlyMap<number, number>, membership: readonly number[] | null): boolean {
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
function matchBranch(fields: readonly CompiledField[], leaves: ReadonlyMap<string, Leaf[]>): boolean {
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
