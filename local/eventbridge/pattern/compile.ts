/** Pattern compilation: validation in AWS's order, `$or` expansion and per-field tests. Part of the event-pattern engine; see `../event-pattern.ts`. */

import { type Branch, type CompiledField, type Term, type ValueTest } from './compiled-field';
import { type InvalidEventPatternError, invalid } from './errors';
import { compileCidr, ipHex } from './ip';
import { type JsonNode, type NumberNode, type ObjectNode, canonical, tokenText } from './json-tree';
import { NUMERIC_LIMIT, isComparableNumber, requireComparable } from './numbers';
import { type StringTest, caseFoldingRegExp, parseWildcardBytes, wildcardMatcher } from './strings';
import { MAX_WILDCARD_COMPLEXITY, type WildcardShape, wildcardComplexity } from './wildcard-complexity';

// Inside `$or`, AWS reserves its operator names (including ones it has not shipped yet) as field names.
export const RESERVED_IN_OR = new Set([
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
export const MAX_BRANCHES = 10000;

export const ONLY_ONE_KEY = 'Only one key allowed in match expression';
export const TOO_MANY_NUMERIC = 'Too many elements in numeric expression';

export function parseObject(node: ObjectNode, path: string[], rules: Branch[], insideOr: boolean): void {
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

export function parseOr(value: JsonNode, path: string[], rules: Branch[]): void {
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

export function writeField(rules: Branch[], path: string, items: readonly JsonNode[], listText: string): void {
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

export function buildField(path: string, terms: readonly Term[], listText: string): CompiledField {
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

export function isNumber(node: JsonNode | undefined): node is NumberNode {
  return node !== undefined && node.kind === 'number';
}

export function numericRange(low: number, lowOpen: boolean, high: number, highOpen: boolean): Term {
  if (low >= high) throw invalid('Bottom must be less than top');
  requireComparable(low);
  requireComparable(high);
  return {
    test: (value) =>
      isComparableNumber(value) && (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high),
  };
}

export function compileNumeric(items: readonly JsonNode[]): Term {
  let index = 0;
  const next = (): JsonNode | undefined => items[index++];
  const first = next();
  if (first === undefined || first.kind !== 'string')
    throw invalid(`Invalid member in numeric match: ${tokenText(first)}`);
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

export function compileStringOperator(kind: 'prefix' | 'suffix', value: JsonNode, entryCount: number): Term {
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

export type AnythingButKind = 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

export function anythingButItemError(kind: AnythingButKind): InvalidEventPatternError {
  if (kind === 'equals-ignore-case') {
    return invalid('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
  }
  if (kind === 'wildcard') return invalid('wildcard match pattern must be a string');
  return invalid('prefix/suffix match pattern must be a string');
}

export function compileAnythingBut(value: JsonNode, entryCount: number): Term {
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
    if (strings.size > 0 === numbers.size > 0) {
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

export function anythingButTest(excluded: readonly StringTest[]): ValueTest {
  return (v) => typeof v !== 'string' || !excluded.some((matches) => matches(v));
}

export function compileMatchExpression(node: ObjectNode): Term {
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

export function checkWildcardComplexity(branches: readonly CompiledField[][]): void {
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
