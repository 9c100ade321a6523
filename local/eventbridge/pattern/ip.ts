/** IP addresses and CIDR ranges, parsed as Ruler does. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { invalid } from './errors';

// Ruler only hands strings shaped like these to the platform's address parser; anything else is
// "Nonstandard", while a string of this shape that still fails to parse is "Invalid".
export const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
export const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

export function hexOfBytes(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

export function parseIPv4(text: string): number[] | null {
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

export function parseIPv6(text: string): number[] | null {
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

export type IpParse = { readonly kind: 'ok'; readonly bytes: number[] } | { readonly kind: 'invalid' | 'nonstandard' };

export function parseIp(text: string): IpParse {
  let bytes: number[] | null;
  if (IPV4_SHAPE.test(text)) bytes = parseIPv4(text);
  else if (IPV6_SHAPE.test(text)) bytes = parseIPv6(text);
  else return { kind: 'nonstandard' };
  return bytes === null ? { kind: 'invalid' } : { kind: 'ok', bytes };
}

/** Fixed-width hex of an address (8 digits for IPv4, 32 for IPv6), or null when it is not an address. */
export function ipHex(text: string): string | null {
  const parsed = parseIp(text);
  return parsed.kind === 'ok' ? hexOfBytes(parsed.bytes) : null;
}

/** Java's String.split: trailing empty strings are dropped, which decides what counts as "one '/'". */
export function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export interface CidrRange {
  readonly hexLength: number;
  readonly low: string;
  readonly high: string;
}

export function compileCidr(text: string): CidrRange {
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
