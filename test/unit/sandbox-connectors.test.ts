import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { PermanentConnectorError, RetryableConnectorError } from '../../shared/connectors/connector-errors';
import type { ErpProjectRequest } from '../../shared/connectors/erp/erp-connector';
import { IDEMPOTENCY_CONFLICT, payloadFingerprint } from '../../shared/connectors/idempotency';
import type { PsaProjectRequest } from '../../shared/connectors/psa/psa-connector';
import { SandboxCrmConnector } from '../../shared/connectors/sandbox/sandbox-crm-connector';
import { SandboxDocumentsConnector } from '../../shared/connectors/sandbox/sandbox-documents-connector';
import { SandboxErpConnector } from '../../shared/connectors/sandbox/sandbox-erp-connector';
import {
  OperationFaults,
  SystemFaults,
  faultsFor,
  rollFault,
  type FaultOutcome,
} from '../../shared/connectors/sandbox/sandbox-faults';
import { SandboxPsaConnector } from '../../shared/connectors/sandbox/sandbox-psa-connector';
import {
  SANDBOX_BY_REFERENCE_INDEX,
  SANDBOX_BY_TYPE_INDEX,
  SandboxRecordStore,
} from '../../shared/connectors/sandbox/sandbox-record-store';

const RECORDS_TABLE = 'psflow-test-sandbox-records';
const CRM_TABLE = 'psflow-test-sandbox-crm';
const NOW = new Date('2026-11-20T09:00:00.000Z');
const LATER = new Date('2026-11-20T09:05:00.000Z');

type Item = Record<string, unknown>;
type Operation = 'Get' | 'Put' | 'Update' | 'Query';

/** Partition key of each index of the records table, as infra/sandbox/sandbox-systems.ts declares them. */
const INDEX_PARTITION_KEYS: Readonly<Record<string, string>> = {
  [SANDBOX_BY_TYPE_INDEX]: 'systemType',
  [SANDBOX_BY_REFERENCE_INDEX]: 'reference',
};

function conditionalCheckFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
  });
}

function throttled(): ThrottlingException {
  return new ThrottlingException({
    message: 'Rate of requests exceeds the allowed throughput.',
    $metadata: { httpStatusCode: 400 },
  });
}

/**
 * DynamoDB tables in memory behind a real DynamoDBDocumentClient whose `send` is stubbed by
 * aws-sdk-client-mock: Get, Put, Update and Query with the condition expressions the sandbox
 * uses, items copied in and out as the wire would, and planned failures per operation.
 */
class InMemoryDynamo {
  readonly client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  );
  readonly mock: AwsClientStub<DynamoDBDocumentClient> = mockClient(this.client);
  /** Items a Query answers per page; small values exercise pagination. */
  queryPageSize = 100;
  private readonly tables = new Map<string, Map<string, Item>>();
  private readonly planned: { operation: Operation; error: Error }[] = [];

  constructor() {
    this.mock.on(GetCommand).callsFake((input: GetCommandInput) => this.run('Get', () => this.get(input)));
    this.mock.on(PutCommand).callsFake((input: PutCommandInput) => this.run('Put', () => this.put(input)));
    this.mock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => this.run('Update', () => this.update(input)));
    this.mock.on(QueryCommand).callsFake((input: QueryCommandInput) => this.run('Query', () => this.query(input)));
  }

  table(name: string): Map<string, Item> {
    let table = this.tables.get(name);
    if (!table) {
      table = new Map();
      this.tables.set(name, table);
    }
    return table;
  }

  item(tableName: string, recordKey: string): Item | undefined {
    const item = this.table(tableName).get(recordKey);
    return item === undefined ? undefined : structuredClone(item);
  }

  /** The next call of `operation` fails with `error` instead of running. */
  failNext(operation: Operation, error: Error): void {
    this.planned.push({ operation, error });
  }

  calls(operation: Operation): number {
    if (operation === 'Get') return this.mock.commandCalls(GetCommand).length;
    if (operation === 'Put') return this.mock.commandCalls(PutCommand).length;
    if (operation === 'Update') return this.mock.commandCalls(UpdateCommand).length;
    return this.mock.commandCalls(QueryCommand).length;
  }

  private async run<T>(operation: Operation, body: () => T): Promise<T> {
    const index = this.planned.findIndex((entry) => entry.operation === operation);
    if (index >= 0) {
      const [{ error }] = this.planned.splice(index, 1);
      throw error;
    }
    return body();
  }

  private get(input: GetCommandInput): { Item?: Item } {
    const key = String(input.Key?.recordKey);
    const item = this.table(String(input.TableName)).get(key);
    return item === undefined ? {} : { Item: structuredClone(item) };
  }

  private put(input: PutCommandInput): object {
    const table = this.table(String(input.TableName));
    const item = structuredClone(input.Item ?? {}) as Item;
    const key = String(item.recordKey);
    this.check(input.ConditionExpression, table.has(key));
    table.set(key, item);
    return {};
  }

  private update(input: UpdateCommandInput): object {
    const table = this.table(String(input.TableName));
    const key = String(input.Key?.recordKey);
    this.check(input.ConditionExpression, table.has(key));
    const match = /^SET (.+)$/.exec(String(input.UpdateExpression));
    if (!match) throw new Error(`the fake supports SET updates only, not ${input.UpdateExpression}`);
    const item: Item = table.get(key) ?? { recordKey: key };
    // Assignments are `#f = :v` or `#f = if_not_exists(#f, :v)`; commas inside the function are not separators.
    for (const assignment of match[1].split(/,(?![^(]*\))/)) {
      const [name, rawValue] = assignment.split('=').map((part) => part.trim());
      const keepFirst = /^if_not_exists\((#\w+), (:\w+)\)$/.exec(rawValue);
      const value = keepFirst ? keepFirst[2] : rawValue;
      const field = input.ExpressionAttributeNames?.[name];
      if (field === undefined || !input.ExpressionAttributeValues || !(value in input.ExpressionAttributeValues))
        throw new Error(`unbound update placeholder in ${assignment}`);
      if (keepFirst && field in item) continue;
      item[field] = structuredClone(input.ExpressionAttributeValues[value]);
    }
    table.set(key, item);
    return {};
  }

  private query(input: QueryCommandInput): { Items: Item[]; LastEvaluatedKey?: Item } {
    const partitionKey = INDEX_PARTITION_KEYS[String(input.IndexName)];
    const match = /^(#?\w+) = (:\w+)$/.exec(String(input.KeyConditionExpression));
    if (!partitionKey || !match)
      throw new Error(`the fake supports equality queries on ${Object.keys(INDEX_PARTITION_KEYS).join(', ')} only`);
    const attribute = match[1].startsWith('#') ? input.ExpressionAttributeNames?.[match[1]] : match[1];
    if (attribute !== partitionKey) throw new Error(`${input.IndexName} is keyed by ${partitionKey}, not ${attribute}`);
    const wanted = input.ExpressionAttributeValues?.[match[2]];
    const matching = [...this.table(String(input.TableName)).values()]
      .filter((item) => item[partitionKey] === wanted)
      .sort(
        (left, right) =>
          String(left.createdAt).localeCompare(String(right.createdAt)) ||
          String(left.recordKey).localeCompare(String(right.recordKey)),
      );
    const start = input.ExclusiveStartKey
      ? matching.findIndex((item) => item.recordKey === input.ExclusiveStartKey?.recordKey) + 1
      : 0;
    const page = matching.slice(start, start + this.queryPageSize);
    const last = page.at(-1);
    const more = start + page.length < matching.length;
    return {
      Items: page.map((item) => structuredClone(item)),
      ...(more && last
        ? {
            LastEvaluatedKey: {
              recordKey: last.recordKey,
              [partitionKey]: last[partitionKey],
              createdAt: last.createdAt,
            },
          }
        : {}),
    };
  }

  private check(condition: string | undefined, exists: boolean): void {
    if (condition === undefined) return;
    if (condition === 'attribute_not_exists(recordKey)') {
      if (exists) throw conditionalCheckFailed();
      return;
    }
    if (condition === 'attribute_exists(recordKey)') {
      if (!exists) throw conditionalCheckFailed();
      return;
    }
    throw new Error(`the fake does not know the condition ${condition}`);
  }
}

/** A random source answering `values` in order, then a roll that triggers no fault. */
function rolls(...values: number[]): () => number {
  return () => values.shift() ?? 0.999;
}

/** Awaits a promise that must reject and returns the rejection. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error('the promise resolved');
}

function projectRequest(overrides: Partial<ErpProjectRequest> = {}): ErpProjectRequest {
  return {
    psflowProjectId: 'PRJ-7F3A2C',
    name: 'Northwind Logistics - ERP Modernisation Phase 1',
    clientId: 'salesforce:0018d00000XyZ12AAB',
    region: 'EMEA',
    practice: 'erp-advisory',
    costCentres: [
      { code: 'CC-4100', role: 'Solution Architect', plannedHours: 320 },
      { code: 'CC-4200', role: 'Data Engineer', plannedHours: 480 },
    ],
    ...overrides,
  };
}

function psaRequest(overrides: Partial<PsaProjectRequest> = {}): PsaProjectRequest {
  return {
    psflowProjectId: 'PRJ-7F3A2C',
    name: 'Northwind Logistics - ERP Modernisation Phase 1',
    clientId: 'salesforce:0018d00000XyZ12AAB',
    startDate: '2027-01-11',
    endDate: '2027-06-30',
    workBreakdown: [
      {
        code: '1',
        name: 'Solution Architect (2027-01-11 to 2027-06-30)',
        startDate: '2027-01-11',
        endDate: '2027-06-30',
        plannedHours: 320,
        roleLineIds: ['L1'],
      },
    ],
    roles: [{ lineId: 'L1', role: 'Solution Architect', skills: ['sap', 'integration'], hours: 320, workPackage: '1' }],
    ...overrides,
  };
}

interface World {
  readonly dynamo: InMemoryDynamo;
  readonly store: SandboxRecordStore;
  readonly sleeps: number[];
}

/** A store on a fresh in-memory table, with the given dice and a sleep that only records. */
function world(random: () => number = rolls()): World {
  const dynamo = new InMemoryDynamo();
  const sleeps: number[] = [];
  const store = new SandboxRecordStore(dynamo.client, RECORDS_TABLE, random, async (ms) => {
    sleeps.push(ms);
  });
  return { dynamo, store, sleeps };
}

/** Writes fault settings the way another process (the CLI) would, bypassing the store's cache. */
function writeFaults(dynamo: InMemoryDynamo, system: string, faults: unknown): void {
  dynamo.table(RECORDS_TABLE).set(`faults#${system}`, { recordKey: `faults#${system}`, faults });
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('payloadFingerprint', () => {
  it('ignores the order of keys, at every depth', () => {
    // Prepare
    const first = { name: 'Alpha', budget: { amountMinor: 100, currency: 'EUR' }, lines: [{ role: 'PM', hours: 10 }] };
    const second = { lines: [{ hours: 10, role: 'PM' }], budget: { currency: 'EUR', amountMinor: 100 }, name: 'Alpha' };

    // Act
    const fingerprints = [payloadFingerprint(first), payloadFingerprint(second)];

    // Assess
    expect(fingerprints[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });

  it('ignores fields whose value is undefined, at every depth', () => {
    // Prepare
    const withUndefined = {
      name: 'Alpha',
      endDate: undefined,
      budget: { amountMinor: 100, currency: 'EUR', note: undefined },
    };
    const without = { name: 'Alpha', budget: { amountMinor: 100, currency: 'EUR' } };

    // Act
    const fingerprints = [payloadFingerprint(withUndefined), payloadFingerprint(without)];

    // Assess
    expect(fingerprints[0]).toBe(fingerprints[1]);
  });

  it.each([
    ['a different value', { name: 'Beta', hours: 10 }],
    ['a value of another type', { name: 'Alpha', hours: '10' }],
    ['an extra field', { name: 'Alpha', hours: 10, region: 'EMEA' }],
    ['a missing field', { name: 'Alpha' }],
    ['null instead of a value', { name: 'Alpha', hours: null }],
    ['a nested change', { name: 'Alpha', hours: 10, budget: { amountMinor: 1 } }],
  ])('changes with %s', (_label, other) => {
    // Prepare
    const base = { name: 'Alpha', hours: 10 };

    // Act
    const fingerprints = [payloadFingerprint(base), payloadFingerprint(other)];

    // Assess
    expect(fingerprints[1]).not.toBe(fingerprints[0]);
  });

  it('keeps the order of array elements significant', () => {
    // Prepare
    const first = { tasks: ['kick-off', 'access'] };
    const second = { tasks: ['access', 'kick-off'] };

    // Act
    const fingerprints = [payloadFingerprint(first), payloadFingerprint(second)];

    // Assess
    expect(fingerprints[1]).not.toBe(fingerprints[0]);
  });
});

describe('connector errors', () => {
  it.each([
    ['RetryableConnectorError', RetryableConnectorError],
    ['PermanentConnectorError', PermanentConnectorError],
  ] as const)('%s names the connector and the operation and keeps the cause', (name, ErrorClass) => {
    // Prepare
    const cause = new Error('socket hang up');

    // Act
    const error = new ErrorClass('erp', 'createProject', 'something went wrong', { cause });

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe('erp.createProject: something went wrong');
    expect(error.connector).toBe('erp');
    expect(error.operation).toBe('createProject');
    expect(error.cause).toBe(cause);
  });

  it('keeps the two kinds apart', () => {
    // Act
    const retryable = new RetryableConnectorError('psa', 'createProject', 'busy');

    // Assess
    expect(retryable).not.toBeInstanceOf(PermanentConnectorError);
    expect(new PermanentConnectorError('psa', 'createProject', 'refused')).not.toBeInstanceOf(RetryableConnectorError);
  });
});

describe('sandbox faults', () => {
  it('defaults every setting of an operation to no fault', () => {
    // Act
    const faults = OperationFaults.parse({});

    // Assess
    expect(faults).toEqual({ latencyMs: 0, throttleRate: 0, unavailableRate: 0, timeoutRate: 0, rejectRate: 0 });
  });

  it.each([
    ['a rate above 1', { throttleRate: 1.5 }, 'throttleRate'],
    ['a negative rate', { rejectRate: -0.1 }, 'rejectRate'],
    ['a fractional latency', { latencyMs: 1.5 }, 'latencyMs'],
    ['a latency above 30 s', { latencyMs: 30_001 }, 'latencyMs'],
    ['a rate given as text', { timeoutRate: '0.5' }, 'timeoutRate'],
  ])('refuses %s', (_label, settings, field) => {
    // Act
    const parsed = OperationFaults.safeParse(settings);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual([field]);
  });

  it('parses the faults of a system per operation, with the path of a bad setting', () => {
    // Act
    const good = SystemFaults.parse({ createProject: { throttleRate: 0.3 }, '*': { latencyMs: 50 } });
    const bad = SystemFaults.safeParse({ createProject: { throttleRate: 2 } });

    // Assess
    expect(good.createProject).toEqual({
      latencyMs: 0,
      throttleRate: 0.3,
      unavailableRate: 0,
      timeoutRate: 0,
      rejectRate: 0,
    });
    expect(good['*'].latencyMs).toBe(50);
    expect(bad.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['createProject.throttleRate']);
  });

  it('applies the settings of the operation, else those of *, else none', () => {
    // Prepare
    const config = SystemFaults.parse({ createProject: { throttleRate: 1 }, '*': { unavailableRate: 1 } });
    const withoutWildcard = SystemFaults.parse({ createProject: { throttleRate: 1 } });

    // Act
    const own = faultsFor(config, 'createProject');
    const fallback = faultsFor(config, 'setBilling');
    const none = faultsFor(withoutWildcard, 'setBilling');
    const unset = faultsFor(undefined, 'createProject');

    // Assess
    expect(own?.throttleRate).toBe(1);
    expect(own?.unavailableRate).toBe(0);
    expect(fallback?.unavailableRate).toBe(1);
    expect(none).toBeUndefined();
    expect(unset).toBeUndefined();
  });

  // Rates that add up exactly in binary floating point, so each boundary is where it reads.
  it.each<[number, FaultOutcome]>([
    [0, 'throttle'],
    [0.1249, 'throttle'],
    [0.125, 'unavailable'],
    [0.3749, 'unavailable'],
    [0.375, 'reject'],
    [0.7499, 'reject'],
    [0.75, 'timeout-after-write'],
    [0.9999, 'timeout-after-write'],
  ])('stacks the thresholds throttle, unavailable, reject, timeout: a roll of %p is %s', (roll, outcome) => {
    // Prepare
    const faults = OperationFaults.parse({
      throttleRate: 0.125,
      unavailableRate: 0.25,
      rejectRate: 0.375,
      timeoutRate: 0.25,
    });

    // Act
    const rolled = rollFault(faults, () => roll);

    // Assess
    expect(rolled).toBe(outcome);
  });

  it('answers none above the sum of the rates', () => {
    // Prepare
    const faults = OperationFaults.parse({
      throttleRate: 0.125,
      unavailableRate: 0.125,
      rejectRate: 0.125,
      timeoutRate: 0.125,
    });

    // Act
    const outcomes = [0.5, 0.75, 0.9999].map((roll) => rollFault(faults, () => roll));

    // Assess
    expect(outcomes).toEqual(['none', 'none', 'none']);
  });

  it('answers none without rolling when no faults apply, and when every rate is 0', () => {
    // Prepare
    const random = jest.fn(() => 0);

    // Act
    const withoutFaults = rollFault(undefined, random);
    const zeroRates = rollFault(OperationFaults.parse({ latencyMs: 100 }), () => 0);

    // Assess
    expect(withoutFaults).toBe('none');
    expect(random).not.toHaveBeenCalled();
    expect(zeroRates).toBe('none');
  });

  it('rolls with Math.random unless told otherwise', () => {
    // Prepare
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const faults = OperationFaults.parse({ throttleRate: 0.4, unavailableRate: 0.2 });

    // Act
    const outcome = rollFault(faults);

    // Assess
    expect(outcome).toBe('unavailable');
    expect(Math.random).toHaveBeenCalledTimes(1);
  });
});

describe('SandboxRecordStore', () => {
  describe('idFor', () => {
    it('derives a stable id from the idempotency key, different for different keys', () => {
      // Act
      const first = SandboxRecordStore.idFor('ERP', 'activation-1:erp-project');
      const again = SandboxRecordStore.idFor('ERP', 'activation-1:erp-project');
      const other = SandboxRecordStore.idFor('ERP', 'activation-2:erp-project');

      // Assess
      expect(first).toMatch(/^ERP-[0-9A-F]{16}$/);
      expect(again).toBe(first);
      expect(other).not.toBe(first);
      expect(SandboxRecordStore.idFor('PSA', 'activation-1:erp-project').slice(4)).toBe(first.slice(4));
    });
  });

  describe('create', () => {
    it('writes one conditional PutItem keyed <system>#<type>#<id>', async () => {
      // Prepare
      const { dynamo, store } = world();
      const payload = { name: 'Alpha', status: 'open' };
      const id = SandboxRecordStore.idFor('ERP', 'key-1');

      // Act
      const record = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: payload,
        now: NOW,
      });

      // Assess
      const puts = dynamo.mock.commandCalls(PutCommand);
      expect(puts).toHaveLength(1);
      expect(puts[0].args[0].input).toEqual({
        TableName: RECORDS_TABLE,
        ConditionExpression: 'attribute_not_exists(recordKey)',
        Item: {
          recordKey: `erp#project#${id}`,
          systemType: 'erp#project',
          id,
          createdAt: NOW.toISOString(),
          idempotencyKey: 'key-1',
          fingerprint: payloadFingerprint(payload),
          name: 'Alpha',
          status: 'open',
        },
      });
      expect(record).toEqual(puts[0].args[0].input.Item);
      expect(dynamo.item(RECORDS_TABLE, `erp#project#${id}`)).toEqual(record);
      expect(dynamo.calls('Update')).toBe(0);
    });

    it('answers a repeat with the same key and payload with the first record', async () => {
      // Prepare
      const { dynamo, store } = world();
      const first = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha', hours: 10 },
        now: NOW,
      });

      // Act
      const repeat = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { hours: 10, name: 'Alpha' },
        now: LATER,
      });
      const third = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha', hours: 10 },
        now: LATER,
      });

      // Assess
      expect(repeat).toEqual(first);
      expect(third).toEqual(first);
      expect(repeat.createdAt).toBe(NOW.toISOString());
      expect(await store.list('erp', 'project')).toEqual([first]);
      expect(dynamo.calls('Put')).toBe(3);
    });

    it('refuses the same key with a different payload and keeps the first record', async () => {
      // Prepare
      const { dynamo, store } = world();
      const first = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha' },
        now: NOW,
      });

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { name: 'Beta' },
          now: LATER,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(PermanentConnectorError);
      expect(error.message).toContain(IDEMPOTENCY_CONFLICT);
      expect(error.message).toContain('key-1');
      expect(dynamo.item(RECORDS_TABLE, first.recordKey)).toEqual(first);
    });

    it('keeps records of different systems and types apart under one key', async () => {
      // Prepare
      const { store } = world();

      // Act
      const erpProject = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha' },
        now: NOW,
      });
      const psaProject = await store.create({
        system: 'psa',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'PSA',
        idempotencyKey: 'key-1',
        payload: { name: 'Other' },
        now: NOW,
      });
      const budget = await store.create({
        system: 'erp',
        operation: 'setBudgetBaseline',
        type: 'budget',
        idPrefix: 'BUD',
        idempotencyKey: 'key-1',
        payload: { amount: 5 },
        now: NOW,
      });

      // Assess
      expect(new Set([erpProject.recordKey, psaProject.recordKey, budget.recordKey]).size).toBe(3);
      expect(await store.list('erp', 'project')).toEqual([erpProject]);
      expect(await store.list('psa', 'project')).toEqual([psaProject]);
    });

    it('answers retryable when the record it collided with cannot be read back', async () => {
      // Prepare
      const { dynamo, store } = world();
      dynamo.failNext('Put', conditionalCheckFailed());

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { name: 'Alpha' },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(error.message).toContain('vanished');
    });
  });

  describe('update', () => {
    it('sets fields of an existing record and keeps the others', async () => {
      // Prepare
      const { dynamo, store } = world();
      const created = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha', status: 'open' },
        now: NOW,
      });

      // Act
      const updated = await store.update('erp', 'closeProject', created.recordKey, {
        status: 'closed',
        closedReason: 'deal lost',
      });

      // Assess
      expect(updated).toEqual({ ...created, status: 'closed', closedReason: 'deal lost' });
      expect(dynamo.mock.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({
        TableName: RECORDS_TABLE,
        Key: { recordKey: created.recordKey },
        ConditionExpression: 'attribute_exists(recordKey)',
      });
    });

    it('refuses a missing record as permanent and creates nothing', async () => {
      // Prepare
      const { dynamo, store } = world();

      // Act
      const error = await rejection(
        store.update('erp', 'closeProject', 'erp#project#ERP-0000000000000000', { status: 'closed' }),
      );

      // Assess
      expect(error).toBeInstanceOf(PermanentConnectorError);
      expect(error.message).toBe('erp.closeProject: no record erp#project#ERP-0000000000000000');
      expect(dynamo.item(RECORDS_TABLE, 'erp#project#ERP-0000000000000000')).toBeUndefined();
    });
  });

  describe('list', () => {
    it('lists the records of one system and type oldest first, across pages, without the fault settings', async () => {
      // Prepare
      const { dynamo, store } = world();
      dynamo.queryPageSize = 2;
      await store.setFaults('erp', SystemFaults.parse({ '*': { latencyMs: 0 } }));
      for (let minute = 5; minute >= 1; minute -= 1) {
        await store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: `key-${minute}`,
          payload: { minute },
          now: new Date(Date.UTC(2026, 10, 20, 9, minute)),
        });
      }
      await store.create({
        system: 'erp',
        operation: 'setBilling',
        type: 'billing',
        idPrefix: 'BIL',
        idempotencyKey: 'key-1',
        payload: { minute: 1 },
        now: NOW,
      });
      await store.create({
        system: 'psa',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'PSA',
        idempotencyKey: 'key-1',
        payload: { minute: 1 },
        now: NOW,
      });

      // Act
      const listed = await store.list('erp', 'project');
      const limited = await store.list('erp', 'project', 3);

      // Assess
      expect(listed.map((record) => record.minute)).toEqual([1, 2, 3, 4, 5]);
      expect(limited.map((record) => record.minute)).toEqual([1, 2, 3]);
      expect(dynamo.calls('Query')).toBeGreaterThanOrEqual(5);
    });

    it('answers an empty list for a type without records', async () => {
      // Prepare
      const { store } = world();

      // Act
      const listed = await store.list('documents', 'task-list');

      // Assess
      expect(listed).toEqual([]);
    });
  });

  describe('fault settings', () => {
    it('stores faults with their defaults and clears them', async () => {
      // Prepare
      const { store } = world();

      // Act
      await store.setFaults('erp', SystemFaults.parse({ createProject: { throttleRate: 1 } }));
      const set = await store.getFaults('erp');
      await store.setFaults('erp', undefined);
      const cleared = await store.getFaults('erp');
      const never = await store.getFaults('psa');

      // Assess
      expect(set).toEqual({
        createProject: { latencyMs: 0, throttleRate: 1, unavailableRate: 0, timeoutRate: 0, rejectRate: 0 },
      });
      expect(cleared).toEqual({});
      expect(never).toBeUndefined();
    });

    it('refuses invalid faults and writes nothing', async () => {
      // Prepare: the type forbids it, so a caller without types (parsed JSON) is imitated.
      const { dynamo, store } = world();
      const invalid: unknown = { createProject: { throttleRate: 2 } };

      // Act
      const attempt = store.setFaults('erp', invalid as SystemFaults);

      // Assess
      await expect(attempt).rejects.toThrow(/throttleRate/);
      expect(dynamo.item(RECORDS_TABLE, 'faults#erp')).toBeUndefined();
    });

    it('caches the settings for about 500 ms', async () => {
      // Prepare: another process changes the faults after this store has read them.
      let clock = 1_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => clock);
      const { dynamo, store } = world(rolls(0, 0));
      await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });
      writeFaults(dynamo, 'erp', { createProject: { throttleRate: 1 } });

      // Act
      clock += 400;
      const withinCache = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-2',
        payload: { n: 2 },
        now: NOW,
      });
      clock += 200;
      const afterCache = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-3',
          payload: { n: 3 },
          now: NOW,
        }),
      );

      // Assess
      expect(withinCache.id).toBe(SandboxRecordStore.idFor('ERP', 'key-2'));
      expect(afterCache).toBeInstanceOf(RetryableConnectorError);
      expect(dynamo.calls('Get')).toBe(2);
    });

    it('applies its own change at once', async () => {
      // Prepare
      const { store } = world(rolls(0));
      await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });

      // Act
      await store.setFaults('erp', SystemFaults.parse({ createProject: { throttleRate: 1 } }));
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-2',
          payload: { n: 2 },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
    });
  });

  describe('injected faults', () => {
    it.each([
      ['throttleRate', '429 Too Many Requests (injected)'],
      ['unavailableRate', '503 Service Unavailable (injected)'],
    ])('%s answers retryable before any write', async (rate, message) => {
      // Prepare
      const { dynamo, store } = world(rolls(0));
      writeFaults(dynamo, 'erp', { createProject: { [rate]: 1 } });

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { name: 'Alpha' },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(error.message).toBe(`erp.createProject: ${message}`);
      expect(dynamo.calls('Put')).toBe(0);
      expect(await store.list('erp', 'project')).toEqual([]);
    });

    it('rejectRate answers permanent before any write', async () => {
      // Prepare
      const { dynamo, store } = world(rolls(0));
      writeFaults(dynamo, 'erp', { createProject: { rejectRate: 1 } });

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { name: 'Alpha' },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(PermanentConnectorError);
      expect(error.message).toBe('erp.createProject: validation rejected the request (injected)');
      expect(dynamo.calls('Put')).toBe(0);
    });

    it('timeoutRate writes, then answers retryable; the retry with the same key returns the stored record', async () => {
      // Prepare
      const { dynamo, store } = world(rolls(0.1, 0.9));
      writeFaults(dynamo, 'erp', { createProject: { timeoutRate: 0.5 } });

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { name: 'Alpha' },
          now: NOW,
        }),
      );
      const storedMeanwhile = await store.list('erp', 'project');
      const retried = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { name: 'Alpha' },
        now: LATER,
      });

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(error.message).toBe('erp.createProject: timed out waiting for the answer (injected)');
      expect(storedMeanwhile).toHaveLength(1);
      expect(retried).toEqual(storedMeanwhile[0]);
      expect(retried.createdAt).toBe(NOW.toISOString());
      expect(await store.list('erp', 'project')).toHaveLength(1);
    });

    it('timeoutRate on an update applies the change, then answers retryable', async () => {
      // Prepare
      const { dynamo, store } = world(rolls(0.1));
      const created = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { status: 'open' },
        now: NOW,
      });
      await store.setFaults('erp', SystemFaults.parse({ closeProject: { timeoutRate: 0.5 } }));

      // Act
      const error = await rejection(store.update('erp', 'closeProject', created.recordKey, { status: 'closed' }));

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(dynamo.item(RECORDS_TABLE, created.recordKey)?.status).toBe('closed');
    });

    it('throttling on an update changes nothing', async () => {
      // Prepare
      const { dynamo, store } = world(rolls(0));
      const created = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { status: 'open' },
        now: NOW,
      });
      await store.setFaults('erp', SystemFaults.parse({ closeProject: { throttleRate: 1 } }));

      // Act
      const error = await rejection(store.update('erp', 'closeProject', created.recordKey, { status: 'closed' }));

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(dynamo.calls('Update')).toBe(0);
      expect(dynamo.item(RECORDS_TABLE, created.recordKey)?.status).toBe('open');
    });

    it('applies the * settings to operations without their own, and only the own ones otherwise', async () => {
      // Prepare
      const { dynamo, store } = world(rolls(0, 0));
      writeFaults(dynamo, 'erp', { '*': { throttleRate: 1 }, createProject: { latencyMs: 5 } });

      // Act
      const project = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });
      const billing = await rejection(
        store.create({
          system: 'erp',
          operation: 'setBilling',
          type: 'billing',
          idPrefix: 'BIL',
          idempotencyKey: 'key-1',
          payload: { n: 1 },
          now: NOW,
        }),
      );
      const otherSystem = await store.create({
        system: 'psa',
        operation: 'setBilling',
        type: 'billing',
        idPrefix: 'PSA',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });

      // Assess
      expect(project.id).toBe(SandboxRecordStore.idFor('ERP', 'key-1'));
      expect(billing).toBeInstanceOf(RetryableConnectorError);
      expect(otherSystem.id).toBe(SandboxRecordStore.idFor('PSA', 'key-1'));
    });

    it('sleeps for the configured latency before the call, also when it then fails', async () => {
      // Prepare
      const { dynamo, store, sleeps } = world(rolls(0.99, 0));
      writeFaults(dynamo, 'erp', { createProject: { latencyMs: 250, throttleRate: 0.5 } });

      // Act
      await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-2',
          payload: { n: 2 },
          now: NOW,
        }),
      );
      await store.create({
        system: 'erp',
        operation: 'setBilling',
        type: 'billing',
        idPrefix: 'BIL',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });

      // Assess
      expect(sleeps).toEqual([250, 250]);
      expect(error).toBeInstanceOf(RetryableConnectorError);
    });

    it('does not sleep without latency', async () => {
      // Prepare
      const { dynamo, store, sleeps } = world();
      writeFaults(dynamo, 'erp', { createProject: { throttleRate: 0 } });

      // Act
      await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });

      // Assess
      expect(sleeps).toEqual([]);
    });
  });

  describe('DynamoDB failures', () => {
    it.each([
      [
        'ProvisionedThroughputExceededException',
        () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }),
      ],
      ['ThrottlingException', throttled],
      [
        'InternalServerError (500)',
        () => new InternalServerError({ message: 'internal', $metadata: { httpStatusCode: 500 } }),
      ],
      [
        'a network error without an answer',
        () => Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }),
      ],
    ])('a write failing with %s becomes RetryableConnectorError carrying the cause', async (_label, failure) => {
      // Prepare
      const { dynamo, store } = world();
      const cause = failure();
      dynamo.failNext('Put', cause);

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { n: 1 },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
      expect(error.cause).toBe(cause);
      expect(error.message).toBe(`erp.createProject: ${cause.message}`);
    });

    it('an update failing with a 5xx becomes RetryableConnectorError', async () => {
      // Prepare
      const { dynamo, store } = world();
      const created = await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });
      dynamo.failNext('Update', new InternalServerError({ message: 'internal', $metadata: { httpStatusCode: 500 } }));

      // Act
      const error = await rejection(store.update('erp', 'closeProject', created.recordKey, { status: 'closed' }));

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
    });

    it('a client error (4xx, not throttling) is not presented as retryable', async () => {
      // Prepare
      const { dynamo, store } = world();
      const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      });
      dynamo.failNext('Put', invalid);

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { n: 1 },
          now: NOW,
        }),
      );

      // Assess
      expect(error).not.toBeInstanceOf(RetryableConnectorError);
    });

    // Production bug: the store maps DynamoDB errors only around the Put and the Update. Reads
    // (the fault settings read at the start of every call, the read-back of a repeated create)
    // go through `get` unmapped, so a throttled read escapes as a raw ThrottlingException, which
    // the guarded step's retry list (RETRYABLE_ERRORS) does not name.
    it('a throttled read of the fault settings becomes RetryableConnectorError', async () => {
      // Prepare
      const { dynamo, store } = world();
      dynamo.failNext('Get', throttled());

      // Act
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { n: 1 },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
    });

    it('a throttled read-back of a repeated create becomes RetryableConnectorError', async () => {
      // Prepare
      const { dynamo, store } = world();
      await store.create({
        system: 'erp',
        operation: 'createProject',
        type: 'project',
        idPrefix: 'ERP',
        idempotencyKey: 'key-1',
        payload: { n: 1 },
        now: NOW,
      });
      dynamo.failNext('Get', throttled());

      // Act: the fault settings are cached, so the failing read is the read-back of the record.
      const error = await rejection(
        store.create({
          system: 'erp',
          operation: 'createProject',
          type: 'project',
          idPrefix: 'ERP',
          idempotencyKey: 'key-1',
          payload: { n: 1 },
          now: NOW,
        }),
      );

      // Assess
      expect(error).toBeInstanceOf(RetryableConnectorError);
    });
  });
});

describe('SandboxErpConnector', () => {
  function erp(
    random: () => number = rolls(),
  ): World & { readonly connector: SandboxErpConnector; readonly clock: { now: Date } } {
    const base = world(random);
    const clock = { now: NOW };
    return { ...base, clock, connector: new SandboxErpConnector(base.store, () => clock.now) };
  }

  it('creates a project once per idempotency key, open', async () => {
    // Prepare
    const { store, connector } = erp();

    // Act
    const first = await connector.createProject('activation-1:erp-project', projectRequest());
    const repeat = await connector.createProject('activation-1:erp-project', projectRequest());

    // Assess
    expect(first).toEqual({
      erpProjectId: SandboxRecordStore.idFor('ERP', 'activation-1:erp-project'),
      status: 'open',
    });
    expect(repeat).toEqual(first);
    const records = await store.list('erp', 'project');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      ...projectRequest(),
      id: first.erpProjectId,
      status: 'open',
      createdAt: NOW.toISOString(),
    });
  });

  it('refuses the same key for a different project', async () => {
    // Prepare
    const { connector } = erp();
    await connector.createProject('activation-1:erp-project', projectRequest());

    // Act
    const error = await rejection(
      connector.createProject('activation-1:erp-project', projectRequest({ name: 'Another project' })),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toMatch(
      /^erp\.createProject: IdempotencyConflict: key activation-1:erp-project was first used for a different project$/,
    );
  });

  it('sets a budget baseline and a billing arrangement as their own records', async () => {
    // Prepare
    const { store, connector } = erp();
    const { erpProjectId } = await connector.createProject('a1:project', projectRequest());
    const budget = { amountMinor: 48_600_000, currency: 'EUR' };

    // Act
    const baseline = await connector.setBudgetBaseline('a1:budget', erpProjectId, budget, 'PRJ-7F3A2C');
    const billing = await connector.setBilling(
      'a1:billing',
      erpProjectId,
      { kind: 'rate-card', rates: [{ role: 'Solution Architect', rate: { amountMinor: 180_00, currency: 'EUR' } }] },
      'PRJ-7F3A2C',
    );
    const billingRepeat = await connector.setBilling(
      'a1:billing',
      erpProjectId,
      { kind: 'rate-card', rates: [{ role: 'Solution Architect', rate: { amountMinor: 180_00, currency: 'EUR' } }] },
      'PRJ-7F3A2C',
    );

    // Assess
    expect(baseline.baselineId).toBe(SandboxRecordStore.idFor('BUD', 'a1:budget'));
    expect(billing.billingId).toBe(SandboxRecordStore.idFor('BIL', 'a1:billing'));
    expect(billingRepeat).toEqual(billing);
    expect(await store.get(`erp#budget#${baseline.baselineId}`)).toMatchObject({ erpProjectId, budget });
    expect(await store.get(`erp#billing#${billing.billingId}`)).toMatchObject({
      erpProjectId,
      status: 'active',
      billing: { kind: 'rate-card' },
    });
  });

  it('closes a project by keeping it with its status, reason and time, never deleting it', async () => {
    // Prepare
    const { dynamo, store, connector, clock } = erp();
    const { erpProjectId } = await connector.createProject('a1:project', projectRequest());
    clock.now = LATER;

    // Act
    const closed = await connector.closeProject('a1:close', erpProjectId, 'opportunity reopened');

    // Assess
    expect(closed).toEqual({ erpProjectId, status: 'closed' });
    expect(await store.get(`erp#project#${erpProjectId}`)).toMatchObject({
      ...projectRequest(),
      status: 'closed',
      closedReason: 'opportunity reopened',
      closedAt: LATER.toISOString(),
    });
    expect(dynamo.mock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('voids a billing arrangement by keeping it, void, with the reason', async () => {
    // Prepare
    const { dynamo, store, connector, clock } = erp();
    const { billingId } = await connector.setBilling(
      'a1:billing',
      'ERP-1',
      {
        kind: 'milestone-schedule',
        milestones: [{ name: 'Go-live', dueDate: '2027-06-30', amount: { amountMinor: 100_000_00, currency: 'EUR' } }],
      },
      'PRJ-1',
    );
    clock.now = LATER;

    // Act
    const voided = await connector.voidBilling('a1:void', billingId, 'activation compensated');

    // Assess
    expect(voided).toEqual({ billingId, status: 'void' });
    expect(await store.get(`erp#billing#${billingId}`)).toMatchObject({
      erpProjectId: 'ERP-1',
      status: 'void',
      voidReason: 'activation compensated',
      voidedAt: LATER.toISOString(),
    });
    expect(dynamo.mock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it.each([
    ['closeProject', (connector: SandboxErpConnector) => connector.closeProject('k', 'ERP-DOESNOTEXIST', 'why')],
    ['voidBilling', (connector: SandboxErpConnector) => connector.voidBilling('k', 'BIL-DOESNOTEXIST', 'why')],
  ])('%s of an unknown record is permanent', async (operation, act) => {
    // Prepare
    const { connector } = erp();

    // Act
    const error = await rejection(act(connector));

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain(`erp.${operation}: no record`);
  });

  it('closes only a project: a billing id is not a project', async () => {
    // Prepare
    const { connector } = erp();
    const { billingId } = await connector.setBilling('a1:billing', 'ERP-1', { kind: 'rate-card', rates: [] }, 'PRJ-1');

    // Act
    const error = await rejection(connector.closeProject('a1:close', billingId, 'wrong record'));

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
  });

  it('returns the project a timed-out create wrote when the workflow retries with the same key', async () => {
    // Prepare
    const { dynamo, store, connector } = erp(rolls(0.1, 0.9));
    writeFaults(dynamo, 'erp', { createProject: { timeoutRate: 0.5 } });

    // Act
    const timedOut = await rejection(connector.createProject('a1:project', projectRequest()));
    const retried = await connector.createProject('a1:project', projectRequest());

    // Assess
    expect(timedOut).toBeInstanceOf(RetryableConnectorError);
    expect(retried).toEqual({ erpProjectId: SandboxRecordStore.idFor('ERP', 'a1:project'), status: 'open' });
    expect(await store.list('erp', 'project')).toHaveLength(1);
  });

  // Production bug: SandboxRecordStore.update documents "a repeat changes nothing", but the
  // connectors ignore the idempotency key of a compensation and stamp the clock on every call,
  // so retrying a close (for example after an injected timeout-after-write) moves closedAt.
  it('keeps the first close time when a close is repeated with the same key', async () => {
    // Prepare
    const { store, connector, clock } = erp();
    const { erpProjectId } = await connector.createProject('a1:project', projectRequest());
    await connector.closeProject('a1:close', erpProjectId, 'opportunity reopened');

    // Act
    clock.now = LATER;
    await connector.closeProject('a1:close', erpProjectId, 'opportunity reopened');

    // Assess
    expect((await store.get(`erp#project#${erpProjectId}`))?.closedAt).toBe(NOW.toISOString());
  });
});

describe('SandboxPsaConnector', () => {
  it('creates a project once per key, active, and treats an absent end date like an undefined one', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxPsaConnector(store, () => NOW);
    const { endDate: _endDate, ...withoutEndDate } = psaRequest();

    // Act
    const first = await connector.createProject('a1:psa', { ...withoutEndDate, endDate: undefined });
    const repeat = await connector.createProject('a1:psa', withoutEndDate);

    // Assess
    expect(first).toEqual({ psaProjectId: SandboxRecordStore.idFor('PSA', 'a1:psa'), status: 'active' });
    expect(repeat).toEqual(first);
    expect(await store.list('psa', 'project')).toHaveLength(1);
  });

  it('refuses the same key for different roles', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxPsaConnector(store, () => NOW);
    await connector.createProject('a1:psa', psaRequest());

    // Act
    const error = await rejection(
      connector.createProject(
        'a1:psa',
        psaRequest({
          roles: [{ lineId: 'L1', role: 'Solution Architect', skills: ['sap'], hours: 400, workPackage: '1' }],
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain(IDEMPOTENCY_CONFLICT);
  });

  it('closes a project by keeping it, closed, with the reason', async () => {
    // Prepare
    const { dynamo, store } = world();
    const connector = new SandboxPsaConnector(store, () => NOW);
    const { psaProjectId } = await connector.createProject('a1:psa', psaRequest());

    // Act
    const closed = await connector.closeProject('a1:psa-close', psaProjectId, 'activation compensated');

    // Assess
    expect(closed).toEqual({ psaProjectId, status: 'closed' });
    expect(await store.get(`psa#project#${psaProjectId}`)).toMatchObject({
      ...psaRequest(),
      status: 'closed',
      closedReason: 'activation compensated',
      closedAt: NOW.toISOString(),
    });
    expect(dynamo.mock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('refuses to close an unknown project as permanent', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxPsaConnector(store, () => NOW);

    // Act
    const error = await rejection(connector.closeProject('k', 'PSA-DOESNOTEXIST', 'why'));

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toBe('psa.closeProject: no record psa#project#PSA-DOESNOTEXIST');
  });
});

describe('SandboxDocumentsConnector', () => {
  const tasks = [
    { title: 'Kick-off meeting', dueDate: '2027-01-11', ownerRole: 'delivery-lead' },
    { title: 'Client system access', dueDate: '2027-01-13', ownerRole: 'delivery-lead' },
  ];

  it('files a document once per key', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxDocumentsConnector(store, () => NOW);
    const document = { psflowProjectId: 'PRJ-1', kind: 'contract', title: 'Master services agreement' } as const;

    // Act
    const filed = await connector.fileDocument('a1:contract', document);
    const repeat = await connector.fileDocument('a1:contract', { ...document });

    // Assess
    expect(filed).toEqual({ documentId: SandboxRecordStore.idFor('DOC', 'a1:contract') });
    expect(repeat).toEqual(filed);
    expect(await store.list('documents', 'document')).toEqual([
      expect.objectContaining({ ...document, id: filed.documentId }),
    ]);
  });

  it('refuses the same key for a different document', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxDocumentsConnector(store, () => NOW);
    await connector.fileDocument('a1:contract', { psflowProjectId: 'PRJ-1', kind: 'contract', title: 'MSA' });

    // Act
    const error = await rejection(
      connector.fileDocument('a1:contract', { psflowProjectId: 'PRJ-1', kind: 'sow', title: 'MSA' }),
    );

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain(IDEMPOTENCY_CONFLICT);
  });

  it('creates an open task list and counts its tasks', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxDocumentsConnector(store, () => NOW);

    // Act
    const created = await connector.createTasks('a1:tasks', { psflowProjectId: 'PRJ-1', tasks });

    // Assess
    expect(created).toEqual({ taskListId: SandboxRecordStore.idFor('TL', 'a1:tasks'), count: 2 });
    expect(await store.get(`documents#task-list#${created.taskListId}`)).toMatchObject({
      psflowProjectId: 'PRJ-1',
      tasks,
      status: 'open',
    });
  });

  it('cancels a task list by keeping it, cancelled, with the reason', async () => {
    // Prepare
    const { dynamo, store } = world();
    const connector = new SandboxDocumentsConnector(store, () => NOW);
    const { taskListId } = await connector.createTasks('a1:tasks', { psflowProjectId: 'PRJ-1', tasks });

    // Act
    const cancelled = await connector.cancelTasks('a1:cancel', taskListId, 'activation compensated');

    // Assess
    expect(cancelled).toEqual({ taskListId, status: 'cancelled' });
    expect(await store.get(`documents#task-list#${taskListId}`)).toMatchObject({
      tasks,
      status: 'cancelled',
      cancelledReason: 'activation compensated',
      cancelledAt: NOW.toISOString(),
    });
    expect(dynamo.mock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('refuses to cancel an unknown task list as permanent', async () => {
    // Prepare
    const { store } = world();
    const connector = new SandboxDocumentsConnector(store, () => NOW);

    // Act
    const error = await rejection(connector.cancelTasks('k', 'TL-DOESNOTEXIST', 'why'));

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain('documents.cancelTasks: no record');
  });
});

describe('compensation per psflow project', () => {
  /** Connectors on one store whose clock moves a minute per call, so creation order is unambiguous. */
  function systems(random: () => number = rolls()): World & {
    readonly erp: SandboxErpConnector;
    readonly psa: SandboxPsaConnector;
    readonly documents: SandboxDocumentsConnector;
  } {
    const base = world(random);
    let minute = 0;
    const now = (): Date => new Date(NOW.getTime() + 60_000 * minute++);
    return {
      ...base,
      erp: new SandboxErpConnector(base.store, now),
      psa: new SandboxPsaConnector(base.store, now),
      documents: new SandboxDocumentsConnector(base.store, now),
    };
  }

  it('records the psflow project of every create as its reference', async () => {
    // Prepare
    const { store, erp } = systems();

    // Act
    const { erpProjectId } = await erp.createProject('a1:project', projectRequest({ psflowProjectId: 'PRJ-A' }));
    const { baselineId } = await erp.setBudgetBaseline(
      'a1:budget',
      erpProjectId,
      { amountMinor: 100, currency: 'EUR' },
      'PRJ-A',
    );

    // Assess
    expect((await store.listByReference('erp', 'PRJ-A')).map((record) => record.id)).toEqual([
      erpProjectId,
      baselineId,
    ]);
    expect(await store.listByReference('psa', 'PRJ-A')).toEqual([]);
    expect(await store.listByReference('erp', 'PRJ-B')).toEqual([]);
  });

  it('voids the ERP billing newest first, then closes the project, keeps the budget, and leaves other projects alone', async () => {
    // Prepare
    const { dynamo, store, erp } = systems();
    const { erpProjectId } = await erp.createProject('a:project', projectRequest({ psflowProjectId: 'PRJ-A' }));
    const { baselineId } = await erp.setBudgetBaseline(
      'a:budget',
      erpProjectId,
      { amountMinor: 100, currency: 'EUR' },
      'PRJ-A',
    );
    const first = await erp.setBilling('a:billing-1', erpProjectId, { kind: 'rate-card', rates: [] }, 'PRJ-A');
    const second = await erp.setBilling('a:billing-2', erpProjectId, { kind: 'rate-card', rates: [] }, 'PRJ-A');
    const other = await erp.createProject('b:project', projectRequest({ psflowProjectId: 'PRJ-B' }));

    // Act
    const actions = await erp.compensateProject('PRJ-A', 'activation aborted');
    const again = await erp.compensateProject('PRJ-A', 'activation aborted');

    // Assess
    expect(actions).toEqual([
      `erp billing ${second.billingId} voided`,
      `erp billing ${first.billingId} voided`,
      `erp project ${erpProjectId} closed`,
    ]);
    expect(again).toEqual([]);
    expect(await store.get(`erp#billing#${first.billingId}`)).toMatchObject({
      status: 'void',
      voidReason: 'activation aborted',
    });
    expect(await store.get(`erp#project#${erpProjectId}`)).toMatchObject({
      status: 'closed',
      closedReason: 'activation aborted',
    });
    expect((await store.get(`erp#budget#${baselineId}`))?.status).toBeUndefined();
    expect((await store.get(`erp#project#${other.erpProjectId}`))?.status).toBe('open');
    expect(dynamo.mock.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('resumes an ERP compensation interrupted by a timeout without repeating what it did', async () => {
    // Prepare
    const { dynamo, store, erp } = systems(rolls(0.1));
    writeFaults(dynamo, 'erp', { voidBilling: { timeoutRate: 0.5 } });
    const { erpProjectId } = await erp.createProject('a:project', projectRequest({ psflowProjectId: 'PRJ-A' }));
    const first = await erp.setBilling('a:billing-1', erpProjectId, { kind: 'rate-card', rates: [] }, 'PRJ-A');
    const second = await erp.setBilling('a:billing-2', erpProjectId, { kind: 'rate-card', rates: [] }, 'PRJ-A');

    // Act
    const interrupted = await rejection(erp.compensateProject('PRJ-A', 'activation aborted'));
    const resumed = await erp.compensateProject('PRJ-A', 'activation aborted');

    // Assess
    expect(interrupted).toBeInstanceOf(RetryableConnectorError);
    expect(resumed).toEqual([`erp billing ${first.billingId} voided`, `erp project ${erpProjectId} closed`]);
    expect((await store.get(`erp#billing#${second.billingId}`))?.status).toBe('void');
  });

  it('closes the PSA project of a psflow project once', async () => {
    // Prepare
    const { store, psa } = systems();
    const { psaProjectId } = await psa.createProject('a:psa', psaRequest({ psflowProjectId: 'PRJ-A' }));
    const other = await psa.createProject('b:psa', psaRequest({ psflowProjectId: 'PRJ-B' }));

    // Act
    const actions = await psa.compensateProject('PRJ-A', 'activation aborted');
    const again = await psa.compensateProject('PRJ-A', 'activation aborted');

    // Assess
    expect(actions).toEqual([`psa project ${psaProjectId} closed`]);
    expect(again).toEqual([]);
    expect(await store.get(`psa#project#${psaProjectId}`)).toMatchObject({
      status: 'closed',
      closedReason: 'activation aborted',
    });
    expect((await store.get(`psa#project#${other.psaProjectId}`))?.status).toBe('active');
  });

  it('cancels the onboarding tasks of a psflow project and keeps its filed documents', async () => {
    // Prepare
    const { store, documents } = systems();
    const { documentId } = await documents.fileDocument('a:contract', {
      psflowProjectId: 'PRJ-A',
      kind: 'contract',
      title: 'MSA',
    });
    const { taskListId } = await documents.createTasks('a:tasks', {
      psflowProjectId: 'PRJ-A',
      tasks: [{ title: 'Kick-off', dueDate: '2027-01-11', ownerRole: 'delivery-lead' }],
    });

    // Act
    const actions = await documents.compensateProject('PRJ-A', 'activation aborted');
    const again = await documents.compensateProject('PRJ-A', 'activation aborted');

    // Assess
    expect(actions).toEqual([`onboarding tasks ${taskListId} cancelled`]);
    expect(again).toEqual([]);
    expect(await store.get(`documents#task-list#${taskListId}`)).toMatchObject({
      status: 'cancelled',
      cancelledReason: 'activation aborted',
    });
    expect(await store.get(`documents#document#${documentId}`)).toMatchObject({ kind: 'contract', title: 'MSA' });
  });
});

describe('SandboxCrmConnector', () => {
  function crm(): {
    readonly dynamo: InMemoryDynamo;
    readonly connector: SandboxCrmConnector;
    stage(item: Item): void;
  } {
    const dynamo = new InMemoryDynamo();
    return {
      dynamo,
      connector: new SandboxCrmConnector(dynamo.client, CRM_TABLE),
      stage: (item) => dynamo.table(CRM_TABLE).set(String(item.recordKey), item),
    };
  }

  it('reads an opportunity by id from its table, without the storage key', async () => {
    // Prepare
    const { dynamo, connector, stage } = crm();
    stage({
      recordKey: 'Opportunity#0068d00000B7kQwAAJ',
      accountId: '0018d00000XyZ12AAB',
      name: 'ERP Modernisation',
      stage: 'Closed Won',
      isWon: true,
      amount: 486000,
      currency: 'EUR',
      closeDate: null,
    });

    // Act
    const facts = await connector.getOpportunity('0068d00000B7kQwAAJ');

    // Assess
    expect(facts).toEqual({
      opportunityId: '0068d00000B7kQwAAJ',
      accountId: '0018d00000XyZ12AAB',
      name: 'ERP Modernisation',
      stage: 'Closed Won',
      isWon: true,
      amount: 486000,
      currency: 'EUR',
      closeDate: null,
    });
    expect(dynamo.mock.commandCalls(GetCommand)[0].args[0].input).toMatchObject({
      TableName: CRM_TABLE,
      Key: { recordKey: 'Opportunity#0068d00000B7kQwAAJ' },
    });
  });

  it('reads an account by id', async () => {
    // Prepare
    const { connector, stage } = crm();
    stage({ recordKey: 'Account#0018d00000XyZ12AAB', name: 'Northwind Logistics', region: 'EMEA', isNewClient: false });

    // Act
    const facts = await connector.getAccount('0018d00000XyZ12AAB');

    // Assess
    expect(facts).toEqual({
      accountId: '0018d00000XyZ12AAB',
      name: 'Northwind Logistics',
      region: 'EMEA',
      isNewClient: false,
    });
  });

  it('answers undefined for records it does not hold, and does not confuse record types', async () => {
    // Prepare
    const { connector, stage } = crm();
    stage({ recordKey: 'Account#0018d00000XyZ12AAB', name: 'Northwind Logistics' });

    // Act
    const opportunity = await connector.getOpportunity('0018d00000XyZ12AAB');
    const account = await connector.getAccount('0018d00000NOPE00AAB');

    // Assess
    expect(opportunity).toBeUndefined();
    expect(account).toBeUndefined();
  });

  it.each([
    [
      'opportunity',
      'Opportunity#006BAD',
      (connector: SandboxCrmConnector) => connector.getOpportunity('006BAD'),
      { amount: 'a lot' },
      'amount',
      'crm.getOpportunity',
    ],
    [
      'account',
      'Account#001BAD',
      (connector: SandboxCrmConnector) => connector.getAccount('001BAD'),
      { isNewClient: 'yes' },
      'isNewClient',
      'crm.getAccount',
    ],
  ])('refuses a malformed %s as permanent, naming the field', async (_label, recordKey, act, fields, field, prefix) => {
    // Prepare
    const { connector, stage } = crm();
    stage({ recordKey, ...fields });

    // Act
    const error = await rejection(act(connector));

    // Assess
    expect(error).toBeInstanceOf(PermanentConnectorError);
    expect(error.message).toContain(`${prefix}: record`);
    expect(error.message).toContain('is malformed');
    expect(error.message).toContain(`${field}:`);
  });

  it('turns a throttled read into RetryableConnectorError', async () => {
    // Prepare
    const { dynamo, connector } = crm();
    const cause = throttled();
    dynamo.failNext('Get', cause);

    // Act
    const error = await rejection(connector.getOpportunity('0068d00000B7kQwAAJ'));

    // Assess
    expect(error).toBeInstanceOf(RetryableConnectorError);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('crm.getOpportunity');
  });

  it('reads a statement of work with its role lines', async () => {
    // Prepare
    const { connector, stage } = crm();
    const roleLine = {
      lineId: 'L1',
      role: 'Solution Architect',
      skills: ['sap'],
      hours: 320,
      rate: { amountMinor: 18_000, currency: 'EUR' },
      startDate: '2027-01-11',
      endDate: '2027-06-30',
    };
    stage({ recordKey: 'Sow#006SOW', roleLines: [roleLine] });
    stage({ recordKey: 'Sow#006EMPTY', roleLines: [] });

    // Act
    const sow = await connector.getStatementOfWork('006SOW');
    const empty = await rejection(connector.getStatementOfWork('006EMPTY'));

    // Assess
    expect(sow).toEqual({ opportunityId: '006SOW', roleLines: [roleLine] });
    expect(empty).toBeInstanceOf(PermanentConnectorError);
  });
});
