import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context for outbound calls. The trace id is the Lambda invocation's X-Ray trace id
 * when there is one (`Root=1-5759e988-bd862e3fe1be46a994272793` maps to
 * `5759e988bd862e3fe1be46a994272793`, the mapping X-Ray documents), so the id a vendor logs is
 * the id in psflow's logs and traces; elsewhere it is random. Every call gets its own span id.
 */

/** The trace id of the current invocation, 32 lowercase hex digits. */
export function currentTraceId(environment: NodeJS.ProcessEnv = process.env): string {
  const root = /Root=1-([0-9a-f]{8})-([0-9a-f]{24})/.exec(environment._X_AMZN_TRACE_ID ?? '');
  return root ? `${root[1]}${root[2]}` : randomBytes(16).toString('hex');
}

/** A `traceparent` header value for one outbound call: version 00, sampled. */
export function traceparent(traceId: string = currentTraceId()): string {
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/** True when a header value is a well-formed version-00 traceparent. */
export function isTraceparent(value: string): boolean {
  return /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/.test(value);
}
