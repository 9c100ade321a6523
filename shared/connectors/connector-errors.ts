import { ErrorName } from '../errors/error-names';

/**
 * Typed connector failures. Workflows retry the retryable ones with backoff and send the
 * others to the exception queue, so every connector must say which kind it hit.
 */

/** A failure that may succeed on a later attempt: throttling, unavailability, timeouts. */
export class RetryableConnectorError extends Error {
  override readonly name = ErrorName.RetryableConnector;
  constructor(
    readonly connector: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${connector}.${operation}: ${message}`, options);
  }
}

/** A failure that will fail again: the record does not exist, or the system refused the data. */
export class PermanentConnectorError extends Error {
  override readonly name = ErrorName.PermanentConnector;
  constructor(
    readonly connector: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${connector}.${operation}: ${message}`, options);
  }
}
