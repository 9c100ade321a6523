/** One event of an execution's history, as much of it as the operations API reads. */
export interface ExecutionEvent {
  readonly type: string;
  readonly at: Date;
  /** The state entered or exited, for `*StateEntered` and `*StateExited` events. */
  readonly stateName?: string;
}

/** The port through which domain code reads a workflow execution's history and status. */
export interface ExecutionReader {
  /** Every event of the execution, oldest first. */
  history(executionArn: string): Promise<ExecutionEvent[]>;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE. */
  status(executionArn: string): Promise<string>;
}
