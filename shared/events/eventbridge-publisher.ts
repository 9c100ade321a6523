import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { RetryableConnectorError } from '../connectors/connector-errors';
import type { EventPublisher, OutgoingEvent } from './event-publisher';

/** PutEvents takes at most 10 entries, and at most 256 KB, per request. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** Error codes a later attempt may get past. */
const RETRYABLE_CODES = new Set(['InternalFailure', 'ThrottlingException']);

/** AWS's size of an entry: the UTF-8 bytes of source, detail-type and detail (plus resources, unused here). */
function entrySize(entry: PutEventsRequestEntry): number {
  return (
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '')
  );
}

/** {@link EventPublisher} on an EventBridge bus. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const entries = events.map((event) => ({
      EventBusName: this.busName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    }));
    for (const batch of batches(entries)) {
      const { FailedEntryCount, Entries = [] } = await this.client.send(new PutEventsCommand({ Entries: batch }));
      if (!FailedEntryCount) continue;
      const failed = Entries.find((entry) => entry.ErrorCode);
      const message = `the bus ${this.busName} refused ${FailedEntryCount} of ${batch.length} event(s): ${failed?.ErrorCode}: ${failed?.ErrorMessage}`;
      if (failed?.ErrorCode && RETRYABLE_CODES.has(failed.ErrorCode))
        throw new RetryableConnectorError('eventbridge', 'putEvents', message);
      throw new Error(`eventbridge.putEvents: ${message}`);
    }
  }
}

/** Requests of at most 10 entries and 256 KB each; an entry over 256 KB goes alone and the bus says why. */
function batches(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const result: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length > 0 && (current.length === MAX_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
