import type * as z from 'zod';

/**
 * What ingestion decided for one record of one event. Every event ends in one of these;
 * there is no path that drops an event without a recorded outcome.
 */

/** Why an event was held for an operator instead of starting work. */
export const RejectionReason = {
  /** Not an EventBridge event: id, source, detail-type or detail is missing or mistyped. */
  InvalidEnvelope: 'InvalidEnvelope',
  /** A Salesforce change event whose header or fields do not have the documented types. */
  InvalidChangeEvent: 'InvalidChangeEvent',
  /** A psflow canonical event that does not match its published contract. */
  InvalidCanonicalEvent: 'InvalidCanonicalEvent',
  /** The event plus what the CRM knows still does not make a valid won opportunity. */
  IncompleteOpportunity: 'IncompleteOpportunity',
  /** The event names a record the CRM does not have, and the event alone is not enough. */
  CrmRecordNotFound: 'CrmRecordNotFound',
  /** The CRM holds a record psflow cannot read (for example an amount that is not a number). */
  CrmRecordInvalid: 'CrmRecordInvalid',
  /** Over 256 KB: more than a Step Functions execution accepts as input. */
  PayloadTooLarge: 'PayloadTooLarge',
  /** A Salesforce overflow event: which records changed is unknown, so a CRM resync is needed. */
  ReconciliationRequired: 'ReconciliationRequired',
} as const;
/** Union of {@link RejectionReason} codes. */
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];

/** Why a valid event started nothing. */
export const IgnoreReason = {
  /** The change did not touch the stage (for example only the amount changed). */
  StageUnchanged: 'StageUnchanged',
  /** The stage changed, but not into a won stage. */
  NotWon: 'NotWon',
  /** The opportunity was closed as lost. */
  Lost: 'Lost',
  /** The record was deleted; deletion never starts work. */
  Deleted: 'Deleted',
  /** The same change (same dedupe key) was processed before. */
  Duplicate: 'Duplicate',
  /** A valid canonical event no workflow consumes yet. */
  NoWorkflow: 'NoWorkflow',
} as const;
/** Union of {@link IgnoreReason} codes. */
export type IgnoreReason = (typeof IgnoreReason)[keyof typeof IgnoreReason];

/** One offending place in the raw event, as a JSONPath into it. */
export interface RejectionIssue {
  readonly path: string;
  readonly message: string;
}

/** A record that must be held for an operator. */
export interface RejectedDecision {
  readonly kind: 'rejected';
  readonly reason: RejectionReason;
  readonly message: string;
  readonly issues: readonly RejectionIssue[];
  readonly dedupeKey?: string;
  readonly recordId?: string;
}

/** A record that is valid and needs no work. */
export interface IgnoredDecision {
  readonly kind: 'ignored';
  readonly reason: IgnoreReason;
  readonly message: string;
  readonly dedupeKey?: string;
  readonly recordId?: string;
}

/** A won opportunity whose activation must be started. */
export interface ActivationDecision<TDetail> {
  readonly kind: 'activate';
  readonly dedupeKey: string;
  readonly recordId?: string;
  readonly detail: TDetail;
}

/** A change to a running project whose change control must be started. */
export interface ChangeDecision<TDetail> {
  readonly kind: 'change';
  readonly dedupeKey: string;
  readonly recordId?: string;
  readonly detail: TDetail;
}

/** The JSONPath of a zod issue, rooted at `base` (itself a JSONPath such as `$.detail`). */
export function jsonPath(base: string, path: readonly PropertyKey[]): string {
  let result = base;
  for (const segment of path) {
    if (typeof segment === 'number') result += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) result += `.${segment}`;
    else result += `[${JSON.stringify(String(segment))}]`;
  }
  return result;
}

/** Turns zod issues into rejection issues with JSONPaths into the raw event. */
export function issuesFromZod(base: string, error: z.ZodError): RejectionIssue[] {
  return error.issues.map((issue) => ({ path: jsonPath(base, issue.path), message: issue.message }));
}
