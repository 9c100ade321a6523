import { ErrorName } from '../errors/error-names';
import { ExceptionOwnerRole, type ErrorClass } from '../directory/roles';
import { isPlainObject } from '../model/plain-object';

/**
 * Which team owns a failure. A system rejecting psflow's data belongs to the team that owns
 * that data (ERP to finance, PSA and documents to delivery, HR to staffing); a system that
 * is down, slow or throttling, and anything unrecognised, belongs to integration operations.
 */
const OWNER_BY_CONNECTOR: Readonly<Record<string, ErrorClass>> = {
  erp: 'finance',
  billing: 'finance',
  psa: 'delivery',
  documents: 'delivery',
  hris: 'staffing',
  staffing: 'staffing',
  crm: 'integration',
};

/**
 * Operations whose outage, once retries are spent, is the business's to handle rather than
 * integration's: an invoice draft has a cut-off, and finance can draft it by hand.
 */
const OWNER_OF_EXHAUSTED_RETRIES: Readonly<Record<string, ErrorClass>> = {
  'erp.createInvoiceDraft': 'finance',
};

/** A failure as Step Functions hands it to a Catch: the error name and the cause text. */
export interface StepFailure {
  readonly Error: string;
  readonly Cause?: string;
}

/** The error class, a reason code and a human-readable message for a caught failure. */
export function classifyFailure(failure: StepFailure): {
  errorClass: ErrorClass;
  ownerRole: (typeof ExceptionOwnerRole)[ErrorClass];
  reasonCode: string;
  message: string;
} {
  const message = causeMessage(failure.Cause) ?? failure.Error;
  // Connector errors say `<connector>.<operation>: <detail>`; the connector names the owner.
  const connector = /^([a-z]+)\.[A-Za-z]+: /.exec(message)?.[1];
  const operation = /^([a-z]+\.[A-Za-z]+): /.exec(message)?.[1];
  const errorClass: ErrorClass =
    failure.Error === ErrorName.PermanentConnector && connector
      ? (OWNER_BY_CONNECTOR[connector] ?? 'integration')
      : failure.Error === ErrorName.RetryableConnector && operation && OWNER_OF_EXHAUSTED_RETRIES[operation]
        ? OWNER_OF_EXHAUSTED_RETRIES[operation]
        : 'integration';
  return {
    errorClass,
    ownerRole: ExceptionOwnerRole[errorClass],
    reasonCode: failure.Error,
    message: message.slice(0, 2000),
  };
}

/** Lambda failures arrive as a JSON cause holding errorMessage; other causes are plain text. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    return isPlainObject(parsed) && typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
