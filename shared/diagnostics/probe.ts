import * as z from 'zod';

/**
 * Detail of a `Probe Requested` event: who asked and when, so that the end-to-end
 * latency of a stage (bus, rule, state machine, Lambda, table) can be measured.
 */
export const ProbeRequestedDetail = z.object({
  probeId: z.string().min(1).max(128),
  requestedAt: z.string().datetime({ offset: true }),
  requestedBy: z.string().min(1).max(256).default('anonymous'),
});

/** Typed detail of a `Probe Requested` event. */
export type ProbeRequestedDetail = z.infer<typeof ProbeRequestedDetail>;

/** What the probe step hands to the table write. */
export interface ProbeResult {
  readonly probeId: string;
  readonly requestedAt: string;
  readonly requestedBy: string;
  readonly observedAt: string;
  /** Milliseconds from the request to the moment the Lambda step ran. */
  readonly latencyMs: number;
}

/** Raised when a probe request does not satisfy its contract. */
export class InvalidProbeRequestError extends Error {
  override readonly name = 'InvalidProbeRequest';
}

/**
 * Validates a probe request and measures how long it took to reach the Lambda step.
 *
 * @param detail - untrusted event detail
 * @param now - injectable clock, for tests
 * @throws InvalidProbeRequestError with the offending paths when the detail is malformed
 */
export function computeProbeResult(detail: unknown, now: Date = new Date()): ProbeResult {
  const parsed = ProbeRequestedDetail.safeParse(detail);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidProbeRequestError(`Probe request is invalid: ${problems.join('; ')}`);
  }
  const { probeId, requestedAt, requestedBy } = parsed.data;
  return {
    probeId,
    requestedAt,
    requestedBy,
    observedAt: now.toISOString(),
    latencyMs: Math.max(0, now.getTime() - Date.parse(requestedAt)),
  };
}
