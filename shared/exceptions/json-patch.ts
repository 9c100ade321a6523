import { payloadFingerprint } from '../connectors/idempotency';
import { isPlainObject } from '../model/plain-object';

/**
 * JSON Patch (RFC 6902) with the operations an owner needs to correct a step's input:
 * add, replace, remove and test. Patches apply to a copy; the original is never changed.
 */

/** One patch operation. */
export type PatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** A patch that cannot apply, with the operation's index and why. */
export class InvalidPatchError extends Error {
  override readonly name = 'InvalidPatchError';
}

/** Checks that a value is a list of supported patch operations. */
export function parsePatch(value: unknown): PatchOperation[] {
  if (!Array.isArray(value)) throw new InvalidPatchError('a patch is a JSON array of operations');
  return value.map((operation: unknown, index): PatchOperation => {
    const record = isPlainObject(operation) ? operation : {};
    const { op, path } = record;
    if (op !== 'add' && op !== 'replace' && op !== 'remove' && op !== 'test')
      throw new InvalidPatchError(`operation ${index}: op must be add, replace, remove or test`);
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
      throw new InvalidPatchError(`operation ${index}: path must be a JSON Pointer such as /amount/amountMinor`);
    if (op === 'remove') return { op, path };
    if (!('value' in record)) throw new InvalidPatchError(`operation ${index}: ${op} needs a value`);
    return { op, path, value: record.value };
  });
}

/** Applies a patch to a deep copy of `document`. */
export function applyPatch(document: unknown, patch: readonly PatchOperation[]): unknown {
  let result: unknown = structuredClone(document);
  patch.forEach((operation, index) => {
    const tokens = pointerTokens(operation.path, index);
    if (tokens.length === 0) {
      if (operation.op === 'remove')
        throw new InvalidPatchError(`operation ${index}: cannot remove the whole document`);
      if (operation.op === 'test') {
        if (!deepEqual(result, operation.value))
          throw new InvalidPatchError(`operation ${index}: test failed at the root`);
        return;
      }
      result = structuredClone(operation.value);
      return;
    }
    const parent = resolveParent(result, tokens, index);
    const key = tokens[tokens.length - 1];
    if (Array.isArray(parent)) applyToArray(parent, key, operation, index);
    else applyToObject(parent, key, operation, index);
  });
  return result;
}

function applyToObject(parent: Record<string, unknown>, key: string, operation: PatchOperation, index: number): void {
  const exists = Object.hasOwn(parent, key);
  // Assigning would define an own member even for names Object.prototype also has.
  const define = (value: unknown): void => {
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  };
  switch (operation.op) {
    case 'add':
      define(structuredClone(operation.value));
      return;
    case 'replace':
      if (!exists) throw new InvalidPatchError(`operation ${index}: nothing to replace at ${operation.path}`);
      define(structuredClone(operation.value));
      return;
    case 'remove':
      if (!exists) throw new InvalidPatchError(`operation ${index}: nothing to remove at ${operation.path}`);
      delete parent[key];
      return;
    case 'test':
      if (!exists || !deepEqual(parent[key], operation.value))
        throw new InvalidPatchError(`operation ${index}: test failed at ${operation.path}`);
  }
}

function applyToArray(parent: unknown[], key: string, operation: PatchOperation, index: number): void {
  const position = key === '-' ? parent.length : arrayIndex(key);
  if (
    !Number.isInteger(position) ||
    position < 0 ||
    position > parent.length ||
    (operation.op !== 'add' && position === parent.length)
  ) {
    throw new InvalidPatchError(`operation ${index}: no array element ${key} at ${operation.path}`);
  }
  switch (operation.op) {
    case 'add':
      parent.splice(position, 0, structuredClone(operation.value));
      return;
    case 'replace':
      parent[position] = structuredClone(operation.value);
      return;
    case 'remove':
      parent.splice(position, 1);
      return;
    case 'test':
      if (!deepEqual(parent[position], operation.value))
        throw new InvalidPatchError(`operation ${index}: test failed at ${operation.path}`);
  }
}

/** Names that would reach an object's prototype instead of its data. */
const FORBIDDEN_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);
/** RFC 6901 array indexes: no sign, no leading zero, no exponent, no spaces. */
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function pointerTokens(path: string, index: number): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new InvalidPatchError(`operation ${index}: path must start with /`);
  const tokens = path
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
  const forbidden = tokens.find((token) => FORBIDDEN_TOKENS.has(token));
  if (forbidden)
    throw new InvalidPatchError(`operation ${index}: ${forbidden} is not a data member and cannot be patched`);
  return tokens;
}

function arrayIndex(token: string): number {
  return ARRAY_INDEX.test(token) ? Number(token) : Number.NaN;
}

function resolveParent(
  document: unknown,
  tokens: readonly string[],
  index: number,
): Record<string, unknown> | unknown[] {
  let current: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    // Only own members: an inherited one would lead into a shared prototype.
    if (Array.isArray(current)) current = current[arrayIndex(token)];
    else if (isPlainObject(current) && Object.hasOwn(current, token)) current = current[token];
    else current = undefined;
    if (current === undefined) throw new InvalidPatchError(`operation ${index}: /${tokens.join('/')} does not exist`);
  }
  if (Array.isArray(current) || isPlainObject(current)) return current;
  throw new InvalidPatchError(`operation ${index}: the parent of /${tokens.join('/')} is not an object or array`);
}

/** JSON equality as RFC 6902 defines it for `test`: object members in any order. */
function deepEqual(left: unknown, right: unknown): boolean {
  return payloadFingerprint(left) === payloadFingerprint(right);
}
