import { deflateRawSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { MAX_HISTORY_EVENTS } from './limits';

/** One event of an execution's history, in the GetExecutionHistory shape. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch milliseconds; rendered as epoch seconds on the wire. */
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** History details key for an event type, as the Step Functions API names them. */
export function detailsKey(type: string): string {
  // Every *StateEntered / *StateExited type shares one details key in the API.
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/**
 * An execution's history. Once closed it is kept deflated: a local cloud holds every execution it
 * ran, and the state data in their histories grew the main thread's heap by about 0.2 MB per
 * activation, without bound. A closed history is read rarely (history pages, redrive), so it is
 * inflated on each read.
 */
export class ExecutionHistory {
  private live: HistoryEvent[] = [];
  private packed: Buffer | undefined;
  private closedAt: number | undefined;
  private limitReached = false;

  /**
   * @param onLimit called once when the history is full: AWS then fails the execution, and its
   *   ExecutionFailed event is the last one the history can hold.
   */
  constructor(
    private readonly onLimit?: () => void,
    earlier: readonly HistoryEvent[] = [],
  ) {
    // A redriven execution goes on in the same history, numbering on from its last event.
    this.live.push(...earlier);
  }

  /** A closed history restored from disk, which already ends with its terminal event. */
  static restored(events: readonly HistoryEvent[]): ExecutionHistory {
    const history = new ExecutionHistory(undefined, events);
    history.closedAt = events.at(-1)?.timestamp ?? Date.now();
    history.pack();
    return history;
  }

  /** The events in order; a closed history's are a fresh copy on each read. */
  get events(): readonly HistoryEvent[] {
    if (!this.packed) return this.live;
    // JSON.parse answers `any`; the bytes are what `pack` wrote from this history's own events,
    // so they are read back as those events without a schema check on every page of history.
    const parsed: HistoryEvent[] = JSON.parse(inflateRawSync(this.packed).toString('utf8'));
    return parsed;
  }

  /** Bytes a closed history holds, for the tests that keep it small. */
  get packedBytes(): number | undefined {
    return this.packed?.length;
  }

  /** True once the terminal event (ExecutionSucceeded, ExecutionFailed, ...) is recorded. */
  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  /**
   * Appends an event with its details; ids are 1-based and consecutive, as in AWS. Nothing is
   * appended after the terminal event: a late task answer or a branch still winding down
   * must not show up after ExecutionSucceeded or ExecutionFailed.
   */
  record(type: string, details?: Record<string, unknown>, timestamp = Date.now()): void {
    if (this.closedAt !== undefined || this.limitReached) return;
    if (this.live.length >= MAX_HISTORY_EVENTS - 1) {
      this.limitReached = true;
      this.onLimit?.();
      return;
    }
    this.append(type, details, timestamp);
  }

  private append(type: string, details: Record<string, unknown> | undefined, timestamp: number): void {
    const id = this.live.length + 1;
    const event: HistoryEvent =
      details === undefined
        ? { id, previousEventId: id - 1, timestamp, type }
        : { id, previousEventId: id - 1, timestamp, type, [detailsKey(type)]: details };
    this.live.push(event);
  }

  /**
   * Appends the terminal event, closes the history and packs it. Returns the events as they
   * were, for a caller that writes them out.
   */
  close(type: string, details: Record<string, unknown>, timestamp = Date.now()): readonly HistoryEvent[] {
    if (this.closedAt !== undefined) return this.events;
    this.append(type, details, timestamp);
    this.closedAt = timestamp;
    const events = this.live;
    this.pack();
    return events;
  }

  // The fastest level: histories are JSON with the same keys and state names over and over, so
  // it already packs them to about a tenth, and it runs on the thread that serves every request.
  private pack(): void {
    this.packed = deflateRawSync(JSON.stringify(this.live), { level: zlibConstants.Z_BEST_SPEED });
    this.live = [];
  }
}
