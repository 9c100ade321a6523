/**
 * Every error name a state machine catches, retries or fails with, in one place: the
 * definitions import these constants, never the logic modules that throw them, and the
 * classes that throw them take their `name` from here.
 */
export const ErrorName = {
  /** A connector hit something that may pass on a later attempt: throttling, a timeout, an outage. */
  RetryableConnector: 'RetryableConnectorError',
  /** A connector's system refused the data or does not have the record. */
  PermanentConnector: 'PermanentConnectorError',
  /** A step received input that does not fit its contract. */
  InvalidStepInput: 'psflow.InvalidStepInput',
  /** An exception owner aborted the execution; the workflow compensates. */
  Aborted: 'psflow.Aborted',
  /** An approver rejected the request. */
  ApprovalRejected: 'psflow.ApprovalRejected',
  /** An exception was answered with an action the guarded step does not know. */
  InvalidRecovery: 'psflow.InvalidRecovery',
} as const;

/** One of {@link ErrorName}. */
export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** Errors worth retrying automatically, with backoff, before anyone is bothered. */
export const RETRYABLE_ERRORS: readonly string[] = [
  ErrorName.RetryableConnector,
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
  'Lambda.SdkClientException',
  'States.Timeout',
];
