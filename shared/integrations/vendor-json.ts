import type * as z from 'zod';
import type { VendorResponse } from './governed-http';
import { capRawResponse, PermanentVendorError, RetryableVendorError } from './vendor-errors';
import { messageOf } from '../errors/error-message';

/** Where a vendor response came from, for the errors it may become. */
export interface VendorCallSite {
  readonly system: string;
  readonly connector: string;
  readonly operation: string;
}

/**
 * The JSON of a response. An HTML page (a login redirect, a proxy's error page) is permanent:
 * asking again gets the same page. A body that starts as JSON but does not parse was cut off
 * in transit, which a second attempt usually cures, so it is retryable.
 */
export function readVendorJson(site: VendorCallSite, response: VendorResponse): unknown {
  const text = response.text;
  try {
    return JSON.parse(text);
  } catch (error) {
    const trimmed = text.trimStart();
    const details = { system: site.system, status: response.status, rawResponse: capRawResponse(text) };
    if (trimmed.startsWith('{') || trimmed.startsWith('['))
      throw new RetryableVendorError(
        site.connector,
        site.operation,
        { ...details, kind: 'not-json' },
        `the JSON body is truncated or malformed (${messageOf(error)})`,
      );
    const what = /^<(!doctype|html)/i.test(trimmed) ? 'an HTML page' : 'not JSON';
    throw new PermanentVendorError(
      site.connector,
      site.operation,
      { ...details, kind: 'not-json' },
      `expected JSON (${response.headers.get('content-type') ?? 'no content-type'}) but the body is ${what}`,
    );
  }
}

/** Parses a vendor record with its schema; a mismatch names every path and keeps the raw body. */
export function parseVendorShape<Schema extends z.ZodType>(
  site: VendorCallSite,
  schema: Schema,
  value: unknown,
  what: string,
  raw: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `/${issue.path.map(String).join('/')}: ${issue.message}`);
  throw new PermanentVendorError(
    site.connector,
    site.operation,
    { system: site.system, kind: 'unexpected-shape', rawResponse: capRawResponse(raw) },
    `${what} does not have the documented shape: ${issues.join('; ')}`,
  );
}
