/** Strings: case folding and wildcards. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { invalid } from './errors';

export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * AWS folds case one character at a time (a pattern character matches its lower- or upper-case form), not
 * by lower-casing whole strings, so e.g. the Kelvin sign does not match "k". A regex with one alternative
 * set per pattern character reproduces that exactly and is built once per pattern.
 */
export function caseFoldingRegExp(text: string, anchor: 'equals' | 'prefix' | 'suffix'): RegExp {
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

export const STAR = -1;
export const UTF8 = new TextEncoder();

/**
 * Validates a wildcard value the way AWS does: on the UTF-8 bytes of the value *with its JSON quotes*,
 * which is why AWS's reported positions are one more than the character index. Returns the byte tokens
 * (STAR for an unescaped `*`) that the complexity check needs.
 */
export function parseWildcardBytes(text: string): number[] {
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

export type StringTest = (value: string) => boolean;

/**
 * A glob with only `*` can be matched greedily segment by segment in O(n·m); a backtracking regex such as
 * /^.*a.*a.*a$/ can go exponential on a long event value, which the hot path cannot afford.
 */
export function wildcardMatcher(text: string): StringTest {
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
