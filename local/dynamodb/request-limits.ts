/**
 * DynamoDB's documented limits on attribute values, checked before a request reaches dynalite.
 *
 * dynalite walks attribute values recursively, so a value nested thousands of levels deep
 * overflows its stack and takes its thread down; and it measures strings in UTF-16 code units,
 * where DynamoDB counts UTF-8 bytes. Both are answered here as DynamoDB answers them.
 */
import { jsonTextDepth } from '../http/json-depth';

/** DynamoDB refuses values nested deeper than 32 levels, the top-level attribute counting as 1. */
export const MAX_NESTING_LEVELS = 32;
/** Largest item DynamoDB stores: 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** Largest partition key value, in bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** Largest sort key value, in bytes. */
export const MAX_SORT_KEY_BYTES = 1024;
/**
 * Any JSON in a request nested deeper than this is refused before it is parsed further. The
 * deepest legitimate request (a BatchWriteItem item at 32 levels) stays under 80.
 */
export const MAX_JSON_DEPTH = 100;

/** AWS's messages, word for word (including the missing space in "of2048"). */
export const DYNAMODB_LIMIT_MESSAGES = {
  nesting:
    'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
  itemSize: 'Item size has exceeded the maximum allowed size',
  partitionKey:
    'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
  sortKey:
    'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
} as const;

/** A table's key attribute names. */
export interface TableKeys {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Levels of an attribute value (a scalar is 1, a map holding a scalar 2), walked without recursion. */
export function attributeValueLevels(value: unknown): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; level: number }> = [{ value, level: 1 }];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const { value: current, level } = entry;
    if (level > deepest) deepest = level;
    if (!isObject(current)) continue;
    const map = current.M;
    const list = current.L;
    if (isObject(map)) for (const child of Object.values(map)) stack.push({ value: child, level: level + 1 });
    if (Array.isArray(list)) for (const child of list) stack.push({ value: child, level: level + 1 });
  }
  return deepest;
}

function utf8Bytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

function binaryBytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
}

/** DynamoDB's documented size of a number: about one byte per two significant digits, plus one. */
function numberBytes(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const digits = value
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.max(1, Math.ceil(digits.length / 2)) + 1;
}

/** Size of an attribute value as DynamoDB counts it (UTF-8 bytes; 3 bytes and 1 per element for lists and maps). */
export function attributeValueBytes(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!isObject(current)) continue;
    if (current.S !== undefined) total += utf8Bytes(current.S);
    else if (current.N !== undefined) total += numberBytes(current.N);
    else if (current.B !== undefined) total += binaryBytes(current.B);
    else if (current.BOOL !== undefined || current.NULL !== undefined) total += 1;
    else if (Array.isArray(current.SS)) for (const item of current.SS) total += utf8Bytes(item);
    else if (Array.isArray(current.NS)) for (const item of current.NS) total += numberBytes(item);
    else if (Array.isArray(current.BS)) for (const item of current.BS) total += binaryBytes(item);
    else if (isObject(current.M)) {
      total += 3;
      for (const [name, child] of Object.entries(current.M)) {
        total += utf8Bytes(name) + 1;
        stack.push(child);
      }
    } else if (Array.isArray(current.L)) {
      total += 3 + current.L.length;
      stack.push(...current.L);
    }
  }
  return total;
}

/** Size of an item: each attribute's name in UTF-8 plus its value. */
export function itemBytes(item: JsonObject): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Bytes(name) + attributeValueBytes(value), 0);
}

/** Size of a key attribute value in bytes, or 0 for numbers, which DynamoDB does not limit this way. */
function keyValueBytes(value: unknown): number {
  if (!isObject(value)) return 0;
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.B !== undefined) return binaryBytes(value.B);
  return 0;
}

/** A request's attribute values, by where DynamoDB reads them. */
interface AttributeValues {
  /** Items to be stored, whose size is limited. */
  readonly items: Array<{ table: string; item: JsonObject }>;
  /** Keys (and items, which carry their key), whose key attributes are limited in size. */
  readonly keyed: Array<{ table: string; attributes: JsonObject }>;
  /** Every attribute value in the request, whose nesting is limited. */
  readonly values: unknown[];
}

function mapValues(map: Json | undefined): Json[] {
  return isObject(map) ? Object.values(map) : [];
}

/** Values of `Expected`, `KeyConditions`, `QueryFilter`, `ScanFilter`: `{ name: { Value, AttributeValueList } }`. */
function conditionValues(conditions: Json | undefined): Json[] {
  return mapValues(conditions).flatMap((condition) =>
    isObject(condition)
      ? [
          ...(condition.Value !== undefined ? [condition.Value] : []),
          ...(Array.isArray(condition.AttributeValueList) ? condition.AttributeValueList : []),
        ]
      : [],
  );
}

function collect(operation: string, request: JsonObject): AttributeValues {
  const result: AttributeValues = { items: [], keyed: [], values: [] };
  const table = typeof request.TableName === 'string' ? request.TableName : '';
  const addItem = (tableName: string, item: Json | undefined): void => {
    if (!isObject(item)) return;
    result.items.push({ table: tableName, item });
    result.keyed.push({ table: tableName, attributes: item });
    result.values.push(...Object.values(item));
  };
  const addKey = (tableName: string, key: Json | undefined): void => {
    if (!isObject(key)) return;
    result.keyed.push({ table: tableName, attributes: key });
    result.values.push(...Object.values(key));
  };
  result.values.push(...mapValues(request.ExpressionAttributeValues), ...conditionValues(request.Expected));
  switch (operation) {
    case 'PutItem':
      addItem(table, request.Item);
      break;
    case 'GetItem':
    case 'DeleteItem':
      addKey(table, request.Key);
      break;
    case 'UpdateItem':
      addKey(table, request.Key);
      result.values.push(...conditionValues(request.AttributeUpdates));
      break;
    case 'Query':
    case 'Scan':
      result.values.push(
        ...mapValues(request.ExclusiveStartKey),
        ...conditionValues(request.KeyConditions),
        ...conditionValues(request.QueryFilter),
        ...conditionValues(request.ScanFilter),
      );
      break;
    case 'BatchWriteItem':
      for (const [tableName, writes] of Object.entries(isObject(request.RequestItems) ? request.RequestItems : {})) {
        for (const write of Array.isArray(writes) ? writes : []) {
          if (!isObject(write)) continue;
          if (isObject(write.PutRequest)) addItem(tableName, write.PutRequest.Item);
          if (isObject(write.DeleteRequest)) addKey(tableName, write.DeleteRequest.Key);
        }
      }
      break;
    case 'BatchGetItem':
      for (const [tableName, reads] of Object.entries(isObject(request.RequestItems) ? request.RequestItems : {})) {
        if (isObject(reads) && Array.isArray(reads.Keys)) for (const key of reads.Keys) addKey(tableName, key);
      }
      break;
    default:
      break;
  }
  return result;
}

/**
 * Checks a DynamoDB request body against DynamoDB's limits on nesting, item size and key size.
 *
 * @param operation the action from `X-Amz-Target`, e.g. `PutItem`
 * @param body the request body as sent
 * @param keysOf the key attributes of a table, when the table is known
 * @returns AWS's ValidationException message for the first limit exceeded, or undefined
 */
export function checkDynamoDbRequest(
  operation: string,
  body: string,
  keysOf: (table: string) => TableKeys | undefined,
): string | undefined {
  if (jsonTextDepth(body) > MAX_JSON_DEPTH) return DYNAMODB_LIMIT_MESSAGES.nesting;
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return undefined; // dynalite answers malformed JSON as DynamoDB does (SerializationException)
  }
  if (!isObject(request)) return undefined;
  const { items, keyed, values } = collect(operation, request);
  if (values.some((value) => attributeValueLevels(value) > MAX_NESTING_LEVELS)) return DYNAMODB_LIMIT_MESSAGES.nesting;
  for (const { table, attributes } of keyed) {
    const keys = keysOf(table);
    if (!keys) continue;
    if (keyValueBytes(attributes[keys.partitionKey]) > MAX_PARTITION_KEY_BYTES)
      return DYNAMODB_LIMIT_MESSAGES.partitionKey;
    if (keys.sortKey && keyValueBytes(attributes[keys.sortKey]) > MAX_SORT_KEY_BYTES)
      return DYNAMODB_LIMIT_MESSAGES.sortKey;
  }
  if (items.some(({ item }) => itemBytes(item) > MAX_ITEM_BYTES)) return DYNAMODB_LIMIT_MESSAGES.itemSize;
  return undefined;
}

/** The key attributes declared in a CreateTable request, if it declares them. */
export function tableKeysOf(createTableRequest: unknown): { table: string; keys: TableKeys } | undefined {
  if (
    !isObject(createTableRequest) ||
    typeof createTableRequest.TableName !== 'string' ||
    !Array.isArray(createTableRequest.KeySchema)
  )
    return undefined;
  const nameOf = (type: string): string | undefined => {
    const element = (createTableRequest.KeySchema as Json[]).find(
      (candidate) => isObject(candidate) && candidate.KeyType === type,
    );
    return isObject(element) && typeof element.AttributeName === 'string' ? element.AttributeName : undefined;
  };
  const partitionKey = nameOf('HASH');
  if (!partitionKey) return undefined;
  return { table: createTableRequest.TableName, keys: { partitionKey, sortKey: nameOf('RANGE') } };
}
