/** Pattern JSON text to a node tree that keeps repeated keys the way AWS reads them. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { type InvalidEventPatternError, invalid } from './errors';

// A tree that keeps every occurrence of a repeated key, in order. AWS reads patterns with a streaming
// parser, so a repeated key holding a value list overrides the earlier one, while a repeated key holding an
// object adds its fields to the earlier one's; JSON.parse would silently drop the earlier object instead.
export type JsonNode =
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export type ObjectNode = Extract<JsonNode, { kind: 'object' }>;
export type NumberNode = Extract<JsonNode, { kind: 'number' }>;

// Jackson's default, which is what AWS's parser enforces; it also keeps deep recursion off our stack.
export const MAX_NESTING_DEPTH = 1000;

export class PatternJsonParser {
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
    throw this.unexpected(
      "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    );
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

export function toPatternTree(pattern: unknown): JsonNode {
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
export function tokenText(node: JsonNode | undefined): string {
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

export function canonical(node: JsonNode): string {
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
