/**
 * Event sources and detail-types that psflow emits or consumes.
 *
 * Producers, EventBridge rules and tests import these constants, so a renamed event
 * breaks the build instead of silently matching nothing.
 */

/** The `source` of every event psflow itself emits. */
export const PsflowSource = {
  /** Operational self-checks of a deployed stage. */
  Diagnostics: 'psflow.diagnostics',
} as const;

/** The `detail-type` values psflow emits or consumes, by source. */
export const DiagnosticsDetailType = {
  /** Asks the stage to prove that bus, rule, state machine, Lambda and table are wired. */
  ProbeRequested: 'Probe Requested',
} as const;

/** Union of every known psflow source. */
export type PsflowSourceName = (typeof PsflowSource)[keyof typeof PsflowSource];
