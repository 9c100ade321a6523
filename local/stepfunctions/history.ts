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

/** An execution's history under construction. */
export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
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
    this.events.push(...earlier);
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
    if (this.events.length >= MAX_HISTORY_EVENTS - 1) {
      this.limitReached = true;
      this.onLimit?.();
      return;
    }
    this.append(type, details, timestamp);
  }

  private append(type: string, details: Record<string, unknown> | undefined, timestamp: number): void {
    const id = this.events.length + 1;
    const event: HistoryEvent =
      details === undefined
        ? { id, previousEventId: id - 1, timestamp, type }
        : { id, previousEventId: id - 1, timestamp, type, [detailsKey(type)]: details };
    this.events.push(event);
  }

  /** Appends the terminal event and closes the history. */
  close(type: string, details: Record<string, unknown>, timestamp = Date.now()): void {
    if (this.closedAt !== undefined) return;
    this.append(type, details, timestamp);
    this.closedAt = timestamp;
  }

  /** Closes a history restored from disk, which already ends with its terminal event. */
  markClosed(): void {
    this.closedAt = this.events.at(-1)?.timestamp ?? Date.now();
  }
}
