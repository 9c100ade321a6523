import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { findContract } from '../../shared/events/contracts';
import { aggregateEvent } from '../../shared/kpis/aggregate-event';
import { KPI_FACT_SOURCES } from '../../shared/kpis/fact-registry';
import { KpiAggregatesTable, aggregateKey, dayOf, storedAttributes } from '../../shared/kpis/kpi-aggregates-table';
import { ANY } from '../../shared/kpis/kpi-facts';
import { BUCKET_COUNT } from '../../shared/kpis/latency-histogram';
import { queryKpis } from '../../shared/kpis/query-kpis';
import { KPI_ROUTE, KpiReport } from '../../shared/kpis/kpi-report';
import { handleOperationsRequest, type OperationsDependencies } from '../../shared/operations-api/operations-api';
import { renderKpiReport } from '../../cli/commands/kpis';
import { taskWorld } from '../support/human-task-fakes';

// dynalite ships no types; this is the part of its surface used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => http.Server;

const TABLE = 'kpis-test';
const NOW = new Date('2026-11-20T12:00:00Z');
let server: http.Server;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  documents = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
});

afterAll(async () => {
  documents.destroy();
  await new Promise((resolve) => server.close(resolve));
});

let sequence = 0;
/** A uuid-scoped project, so tests sharing the table never see each other's facts. */
function activation(practice: string, wonAt: string, activatedAt: string) {
  sequence++;
  return {
    id: `event-${sequence}`,
    source: PsflowSource.Workflow,
    'detail-type': WorkflowDetailType.ProjectActivated,
    time: activatedAt,
    detail: {
      project: {
        projectId: { system: 'psflow', id: `prj-${practice}-${sequence}` },
        clientId: { system: 'salesforce', id: '001A' },
        name: 'Data platform',
        region: 'EMEA',
        practice,
        budget: { amountMinor: 100_000_00, currency: 'EUR' },
        startDate: '2026-11-01',
        status: 'active',
      },
      opportunityId: { system: 'salesforce', id: `006-${sequence}` },
      wonAt,
      activatedAt,
    },
  };
}

function deps(table = new KpiAggregatesTable(documents, TABLE, () => NOW)) {
  return { store: table, now: () => NOW };
}

describe('KPI aggregation', () => {
  it('counts a redelivered event once', async () => {
    // Prepare
    const event = activation('redelivery', '2026-11-10T09:00:00Z', '2026-11-10T10:00:00Z');

    // Act
    const first = await aggregateEvent(event, deps());
    const second = await aggregateEvent(event, deps());
    const third = await aggregateEvent({ ...event, id: 'another-put-of-the-same-fact' }, deps());

    // Assess
    expect(first.outcome).toBe('applied');
    expect(second.outcome).toBe('duplicate');
    expect(third.outcome).toBe('duplicate');
    const report = await queryKpis({ practice: 'redelivery', from: '2026-11-01', to: '2026-11-20' }, deps());
    expect(report.cycleTimes).toEqual([expect.objectContaining({ workflow: 'project-activation', completed: 1 })]);
    expect(report.cycleTimes[0].cycleTime.count).toBe(1);
    expect(report.started).toEqual([{ workflow: 'project-activation', started: 1 }]);
  });

  it('counts an event once when a first attempt died after adding to some items', async () => {
    // Prepare: the first attempt claimed the event and added to its items, then its lease ran out.
    const event = activation('crashed', '2026-11-11T09:00:00Z', '2026-11-11T09:30:00Z');
    const dying = new KpiAggregatesTable(documents, TABLE, () => new Date(NOW.getTime() - 10 * 60_000));
    const failingAfterUpdates = {
      send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        if (command instanceof UpdateCommand && String(command.input.UpdateExpression).startsWith('SET #state'))
          throw new Error('the Lambda ran out of time');
        return documents.send(command);
      },
    };
    const crashing = new KpiAggregatesTable(
      Object.assign(Object.create(documents), failingAfterUpdates),
      TABLE,
      () => new Date(NOW.getTime() - 10 * 60_000),
    );
    await expect(aggregateEvent(event, { store: crashing, now: () => NOW })).rejects.toThrow('ran out of time');

    // Act
    const retried = await aggregateEvent(event, deps());
    const again = await aggregateEvent(event, { store: dying, now: () => NOW });

    // Assess
    expect(retried.outcome).toBe('applied');
    expect(again.outcome).toBe('duplicate');
    const report = await queryKpis({ practice: 'crashed', from: '2026-11-01', to: '2026-11-20' }, deps());
    expect(report.cycleTimes[0].cycleTime.count).toBe(1);
    expect(report.days.find((day) => day.day === '2026-11-11')?.completed).toBe(1);
  });

  it('answers a 90-day range from whole months less the day outside it, with the same numbers as its days', async () => {
    // Prepare: activations spread over the range, one practice of their own, and two just outside it.
    const days = ['2026-09-02', '2026-09-09', '2026-09-29', '2026-10-01', '2026-10-17', '2026-11-05', '2026-11-30'];
    const outside = ['2026-08-31', '2026-09-01'];
    for (const [index, day] of [...outside, ...days].entries())
      await aggregateEvent(
        activation('calendar', `${day}T08:00:00Z`, `${day}T${String(9 + index).padStart(2, '0')}:00:00Z`),
        deps(),
      );

    // Act
    const ninety = await queryKpis({ practice: 'calendar', from: '2026-09-02', to: '2026-11-30' }, deps());
    const dayByDay = await Promise.all(
      days.map((day) => queryKpis({ practice: 'calendar', from: day, to: day }, deps())),
    );

    // Assess: September, October and November less 2026-09-01 cover the range (4 items, all
    // holding data), beside one small trend item per day with data; 2026-09-01 counts nowhere.
    expect(ninety.itemsRead).toBe(4 + days.length);
    expect(ninety.days.map((row) => [row.day, row.completed])).toEqual(days.map((day) => [day, 1]));
    const sum = dayByDay.reduce((total, report) => total + report.cycleTimes[0].completed, 0);
    expect(sum).toBe(days.length);
    expect(ninety.cycleTimes[0].completed).toBe(sum);
    expect(ninety.cycleTimes[0].cycleTime.count).toBe(days.length);
    expect(ninety.cycleTimes[0].cycleTime.meanSeconds).toBeCloseTo(
      dayByDay.reduce((total, report) => total + (report.cycleTimes[0].cycleTime.meanSeconds ?? 0), 0) / days.length,
      0,
    );
    expect(ninety.started).toEqual([{ workflow: 'project-activation', started: days.length }]);
  });

  it('refuses to apply an event another invocation holds, so the retry comes later', async () => {
    // Prepare
    const event = activation('concurrent', '2026-11-12T09:00:00Z', '2026-11-12T09:30:00Z');
    const holder = {
      send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        if (command instanceof UpdateCommand) throw new Error('paused');
        return documents.send(command);
      },
    };
    await expect(
      aggregateEvent(event, {
        store: new KpiAggregatesTable(Object.assign(Object.create(documents), holder), TABLE, () => NOW),
        now: () => NOW,
      }),
    ).rejects.toThrow('paused');

    // Act
    const attempt = aggregateEvent(event, deps());

    // Assess
    await expect(attempt).rejects.toThrow(/being applied by another invocation/);
  });

  it('keeps hostile and unknown events as rejected, with the reason', async () => {
    // Prepare
    const table = new KpiAggregatesTable(documents, TABLE, () => NOW);
    const broken = activation('hostile', 'yesterday', '2026-11-12T09:30:00Z');
    const hostile = [
      'not an object',
      { id: 'x1', source: 'psflow.workflow', 'detail-type': 'Something Else', detail: {} },
      broken,
      { ...activation('hostile', '2026-11-12T09:00:00Z', '2026-11-12T09:30:00Z'), detail: { __proto__: { a: 1 } } },
    ];

    // Act
    const outcomes = [];
    for (const event of hostile) outcomes.push(await aggregateEvent(event, deps(table)));

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(outcomes[1]).toMatchObject({ reason: expect.stringContaining('no KPI registry entry') });
    expect(outcomes[2]).toMatchObject({ reason: expect.stringContaining('detail/wonAt') });
    const kept = await table.listRejected(10);
    expect(kept.map((event) => event.eventId)).toEqual(expect.arrayContaining(['x1', broken.id]));
    const report = await queryKpis({ practice: 'hostile', from: '2026-11-01', to: '2026-11-20' }, deps());
    expect(report.itemsRead).toBe(0);
  });

  it('answers every combination of filters from one partition of rolled-up day items', async () => {
    // Prepare
    await aggregateEvent(activation('rollup-a', '2026-11-01T00:00:00Z', '2026-11-03T00:00:00Z'), deps());
    await aggregateEvent(activation('rollup-b', '2026-11-02T00:00:00Z', '2026-11-03T12:00:00Z'), deps());

    // Act
    const both = await queryKpis({ region: 'EMEA', from: '2026-11-03', to: '2026-11-03' }, deps());
    const one = await queryKpis(
      { workflow: 'project-activation', practice: 'rollup-a', from: '2026-11-03', to: '2026-11-03' },
      deps(),
    );

    // Assess: one day item and its trend item each.
    expect(one.itemsRead).toBe(2);
    expect(one.cycleTimes[0].cycleTime.count).toBe(1);
    expect(one.cycleTimes[0].cycleTime.p50Seconds).toBeGreaterThan(2 * 86_400 * 0.9);
    expect(one.cycleTimes[0].cycleTime.p50Seconds).toBeLessThan(2 * 86_400 * 1.1);
    expect(both.itemsRead).toBe(2);
    expect(both.cycleTimes[0].completed).toBeGreaterThanOrEqual(2);
    const everything = await new KpiAggregatesTable(documents, TABLE).readRange(
      { workflow: ANY, region: ANY, practice: ANY },
      '2026-11-03',
      '2026-11-03',
    );
    expect(everything).toHaveLength(1);
  });

  it('stores histograms four buckets to an attribute, and reads back every bucket exactly', async () => {
    // Prepare: every bucket, with counts up to the 9 digits a bucket has, and a second item's worth added on top.
    const first = new Map<string, number>();
    const second = new Map<string, number>();
    for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
      first.set(`h|cycle|packing|${bucket}`, bucket % 3 === 0 ? 0 : 999_999_000 + bucket);
      second.set(`h|cycle|packing|${bucket}`, bucket % 5 === 0 ? 0 : 7);
    }
    const key = { pk: aggregateKey({ workflow: 'packing', region: ANY, practice: ANY }), sk: '2026-11-05' };
    const table = new KpiAggregatesTable(documents, TABLE, () => NOW);
    await table.loadItems(new Map([[`${key.pk}\u0000${key.sk}`, first]]));

    // Act: the aggregator's ADD of the second deltas, as DynamoDB merges them.
    const stored = [...storedAttributes(second)];
    await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: `ADD ${stored.map((_, index) => `#a${index} :a${index}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(stored.map(([name], index) => [`#a${index}`, name])),
        ExpressionAttributeValues: Object.fromEntries(stored.map(([, value], index) => [`:a${index}`, value])),
      }),
    );
    const [read] = await table.readRange(
      { workflow: 'packing', region: ANY, practice: ANY },
      '2026-11-05',
      '2026-11-05',
    );
    const item = (await documents.send(new GetCommand({ TableName: TABLE, Key: key }))).Item ?? {};

    // Assess: 27 doublings instead of 105 buckets, and each bucket is the sum of both.
    const names = Object.keys(item).filter((name) => name !== 'pk' && name !== 'sk');
    expect(names).toHaveLength(27);
    expect(names.every((name) => name.startsWith('d|cycle|packing|'))).toBe(true);
    for (const source of [read, dayOf(item)]) {
      const histogram = source.durations.get('cycle|packing')?.histogram;
      for (let bucket = 0; bucket < BUCKET_COUNT; bucket++)
        expect([bucket, histogram?.get(bucket) ?? 0]).toEqual([
          bucket,
          (first.get(`h|cycle|packing|${bucket}`) ?? 0) + (second.get(`h|cycle|packing|${bucket}`) ?? 0),
        ]);
    }
  });

  it('reads items stored with one attribute per bucket, as before the doublings', () => {
    // Act
    const day = dayOf({
      pk: 'AGG#*#*#*',
      sk: '2026-11-05',
      'h|cycle|x|9': { N: '2' },
      'd|cycle|x|3': { N: '5000000000' },
    });

    // Assess: bucket 9 from its own attribute, bucket 10 from position 1 of doubling 3 (buckets 9 to 12).
    expect([...(day.durations.get('cycle|x')?.histogram ?? [])].sort()).toEqual([
      [10, 5],
      [9, 2],
    ]);
    expect(day.durations.get('cycle|x')?.count).toBe(7);
  });

  it('refuses a bucket count that would not fit its 9 digits', () => {
    expect(() => storedAttributes(new Map([['h|cycle|x|3', 1_000_000_000]]))).toThrow(/below 1000000000/);
  });

  it('has a registry entry for every event it counts, reading contracts that exist', () => {
    // Assess: each entry reads an event psflow has a versioned contract for.
    for (const entry of KPI_FACT_SOURCES) expect(findContract(entry.source, entry.detailType)).toBeDefined();
  });
});

describe('GET /kpis', () => {
  function api(): OperationsDependencies {
    const refuse = async (): Promise<never> => {
      throw new Error('not used by the KPI route');
    };
    return {
      ...taskWorld().deps,
      executions: { history: refuse, status: refuse },
      rejectedEvents: { get: refuse, list: refuse, markActed: refuse },
      replayer: { replay: refuse },
      kpis: new KpiAggregatesTable(documents, TABLE, () => NOW),
      now: () => NOW,
    };
  }

  function get(query: Record<string, string>) {
    return handleOperationsRequest(
      {
        routeKey: KPI_ROUTE.key,
        queryStringParameters: query,
        requestContext: { authorizer: { jwt: { claims: { sub: 'pat.practice' } } } },
      },
      api(),
    );
  }

  it('answers a report the contract accepts, which the CLI renders', async () => {
    // Prepare
    await aggregateEvent(activation('api', '2026-11-14T09:00:00Z', '2026-11-14T21:00:00Z'), deps());

    // Act
    const answer = await get({ practice: 'api', from: '2026-11-01', to: '2026-11-20' });

    // Assess
    expect(answer.statusCode).toBe(200);
    const report = KpiReport.parse(JSON.parse(answer.body));
    expect(report.query).toEqual({
      workflow: null,
      region: null,
      practice: 'api',
      from: '2026-11-01',
      to: '2026-11-20',
    });
    expect(report.cycleTimes[0].cycleTime.count).toBe(1);
    const text = renderKpiReport(report);
    expect(text).toContain('KPIs 2026-11-01 to 2026-11-20 (workflow all, region all, practice api); 2 items read');
    expect(text).toMatch(/project-activation\s+\(end to end\)\s+1\s+1[12]\.\d h\s+1[12]\.\d h\s+12\.0 h/);
    expect(text).toContain('no approvals decided in the range');
  });

  it('refuses a reversed range, a range over a year and an unknown filter, saying which', async () => {
    // Act
    const reversed = await get({ from: '2026-11-20', to: '2026-11-01' });
    const tooLong = await get({ from: '2024-01-01', to: '2026-11-01' });
    const unknown = await get({ colour: 'blue' });
    const badRegion = await get({ region: 'MARS' });

    // Assess
    expect(reversed.statusCode).toBe(400);
    expect(JSON.parse(reversed.body).message).toBe('from (2026-11-20) is after to (2026-11-01)');
    expect(tooLong.statusCode).toBe(400);
    expect(JSON.parse(tooLong.body).message).toContain('a query covers at most 366');
    expect(unknown.statusCode).toBe(400);
    expect(JSON.parse(unknown.body).message).toContain('colour');
    expect(badRegion.statusCode).toBe(400);
    expect(JSON.parse(badRegion.body).message).toContain('region');
  });
});
