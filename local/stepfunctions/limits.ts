/** Largest input or output of an execution or a state that Step Functions accepts. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Most events a Standard execution's history holds; the last of them is the failure. */
export const MAX_HISTORY_EVENTS = 25_000;

/** A failure that ends the execution at once: no Retry or Catch, not even States.ALL, matches it. */
export interface TerminalFailure {
  readonly error: string;
  readonly cause: string;
}

/**
 * The error the interpreter sees for a {@link TerminalFailure}. aws-local-stepfunctions
 * reads `isRetryable` and `isCatchable` off any error, as it does for its own States.Runtime.
 */
export class TerminalStatesError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor(failure: TerminalFailure) {
    super(failure.cause);
    this.name = failure.error;
  }
}

/** Size of a JSON value as Step Functions counts it: the bytes of its UTF-8 JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null));
}

/** AWS's States.DataLimitExceeded for a state whose result is over the limit. */
export function resultTooLarge(stateName: string): TerminalFailure {
  return {
    error: 'States.DataLimitExceeded',
    cause: `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  };
}

/** AWS's States.DataLimitExceeded for a state whose effective input (after Parameters) is over the limit. */
export function inputTooLarge(stateName: string): TerminalFailure {
  return {
    error: 'States.DataLimitExceeded',
    cause: `The state/task '${stateName}' has an input with a size exceeding the maximum number of bytes service limit.`,
  };
}

/** AWS's failure for an execution whose history reached {@link MAX_HISTORY_EVENTS}. */
export const HISTORY_LIMIT_REACHED: TerminalFailure = {
  error: 'States.Runtime',
  cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
};
