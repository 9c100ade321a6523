import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { RetryableConnectorError } from '../../shared/connectors/connector-errors';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';

const BUS = 'psflow-test';

describe('EventBridgePublisher', () => {
  const client = new EventBridgeClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const bus = mockClient(client);

  beforeEach(() => {
    bus.reset();
    bus.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
  });

  it('puts 23 events in requests of at most ten, in order, on its bus', async () => {
    // Prepare
    const events = Array.from({ length: 23 }, (_, index) => ({
      source: 'psflow.workflow',
      detailType: 'Resource Requested',
      detail: { index },
    }));

    // Act
    await new EventBridgePublisher(client, BUS).publish(events);

    // Assess
    const requests = bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(requests.flat().map((entry) => JSON.parse(entry.Detail ?? '{}').index)).toEqual(
      events.map((_, index) => index),
    );
    expect(new Set(requests.flat().map((entry) => entry.EventBusName))).toEqual(new Set([BUS]));
  });

  it('starts a new request before the entries would pass 256 KB', async () => {
    // Prepare: three entries of 100 KB each; two fit in 256 KB, three do not.
    const events = Array.from({ length: 3 }, (_, index) => ({
      source: 'psflow.workflow',
      detailType: 'Big',
      detail: { index, padding: 'x'.repeat(100 * 1024) },
    }));

    // Act
    await new EventBridgePublisher(client, BUS).publish(events);

    // Assess
    expect(bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([2, 1]);
  });

  it('fails as retryable when the bus throttles an entry, naming the code', async () => {
    // Prepare
    bus.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e-0' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });

    // Act
    const error: unknown = await new EventBridgePublisher(client, BUS)
      .publish([
        { source: 'a', detailType: 'b', detail: {} },
        { source: 'a', detailType: 'b', detail: {} },
      ])
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RetryableConnectorError);
    expect((error as Error).message).toBe(
      'eventbridge.putEvents: the bus psflow-test refused 1 of 2 event(s): ThrottlingException: Rate exceeded',
    );
  });

  it('fails as permanent when the bus refuses an entry for what it is', async () => {
    // Prepare
    bus.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });

    // Act
    const error: unknown = await new EventBridgePublisher(client, BUS)
      .publish([{ source: 'a', detailType: 'b', detail: {} }])
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).not.toBeInstanceOf(RetryableConnectorError);
    expect((error as Error).message).toMatch(/MalformedDetail: Detail is malformed\.$/);
  });

  it('puts nothing for no events', async () => {
    // Act
    await new EventBridgePublisher(client, BUS).publish([]);

    // Assess
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
