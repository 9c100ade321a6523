import { PermanentConnectorError, RetryableConnectorError } from '../connectors/connector-errors';

/**
 * Typed failures of a call to a vendor's API. They extend the connector errors the state
 * machines already catch by name, so a retryable one is retried and a permanent one goes to
 * the exception queue with its owner; on top they name the vendor system and keep the raw
 * response, capped, in the message, which is what the exception queue stores.
 */

/** Most of a raw response an error keeps: enough to recognise an HTML error page or a torn body. */
export const RAW_RESPONSE_LIMIT = 1024;

/** Why the call failed, for metrics and the operator. */
export type VendorFailureKind =
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'circuit-open'
  | 'unauthorized'
  | 'rejected'
  | 'not-json'
  | 'unexpected-shape'
  | 'partial-failure';

/** What both kinds of vendor error carry. */
export interface VendorErrorDetails {
  /** The vendor system: salesforce, business-central, kantata. */
  readonly system: string;
  readonly kind: VendorFailureKind;
  readonly status?: number;
  /** The response text, first {@link RAW_RESPONSE_LIMIT} characters. */
  readonly rawResponse?: string;
  /** How long the vendor asked us to wait (Retry-After). */
  readonly retryAfterMs?: number;
}

/** The first {@link RAW_RESPONSE_LIMIT} characters of a response, saying how much was cut. */
export function capRawResponse(text: string): string {
  return text.length <= RAW_RESPONSE_LIMIT
    ? text
    : `${text.slice(0, RAW_RESPONSE_LIMIT)}… [${text.length - RAW_RESPONSE_LIMIT} more characters cut]`;
}

function describe(details: VendorErrorDetails, message: string, retryable: boolean): string {
  const status = details.status === undefined ? '' : ` HTTP ${details.status}`;
  const raw = details.rawResponse === undefined ? '' : `; raw response: ${details.rawResponse}`;
  return `${details.system}${status} ${details.kind} (${retryable ? 'retryable' : 'permanent'}): ${message}${raw}`;
}

/** A vendor failure that may pass later: throttling, 5xx, timeouts, an open breaker. */
export class RetryableVendorError extends RetryableConnectorError {
  readonly retryable = true;
  constructor(
    connector: string,
    operation: string,
    readonly details: VendorErrorDetails,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(connector, operation, describe(details, message, true), options);
  }
}

/** A vendor failure that will recur: refused data, a response we cannot read. */
export class PermanentVendorError extends PermanentConnectorError {
  readonly retryable = false;
  constructor(
    connector: string,
    operation: string,
    readonly details: VendorErrorDetails,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(connector, operation, describe(details, message, false), options);
  }
}

/** Either vendor error. */
export type VendorError = RetryableVendorError | PermanentVendorError;

/** True for either vendor error. */
export function isVendorError(error: unknown): error is VendorError {
  return error instanceof RetryableVendorError || error instanceof PermanentVendorError;
}
