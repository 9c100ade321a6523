import { isPlainObject } from '../../model/plain-object';

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/**
 * True for AWS SDK failures worth another attempt: throttling, a 5xx answer, or no answer
 * at all (a network error has no HTTP status).
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING_ERRORS.has(error.name)) return true;
  const metadata = '$metadata' in error && isPlainObject(error.$metadata) ? error.$metadata : {};
  const status = metadata.httpStatusCode;
  return typeof status !== 'number' || status >= 500;
}
