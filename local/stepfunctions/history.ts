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

  /** Appends an event with its details; ids are 1-based and consecutive, as in AWS. */
  record(type: string, details?: Record<string, unknown>, timestamp = Date.now()): void {
    const id = this.events.length + 1;
    const event: HistoryEvent = details === undefined
      ? { id, previousEventId: id - 1, timestamp, type }
      : { id, previousEventId: id - 1, timestamp, type, [detailsKey(type)]: details };
    this.events.push(event);
  }
}
