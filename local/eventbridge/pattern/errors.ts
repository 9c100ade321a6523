/** The error AWS gives for a pattern it refuses, with its exact message. Part of the event-pattern engine; see `../event-pattern.ts`. */

export const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/**
 * Thrown by {@link compileEventPattern} for a pattern that AWS would refuse.
 *
 * The message is byte-for-byte AWS's `InvalidEventPatternException` message,
 * `Event pattern is not valid. Reason: <reason>`, so API handlers can pass it straight through.
 */
export class InvalidEventPatternError extends Error {
  /** The part of the message after `Reason: `, as AWS words it. */
  readonly reason: string;

  constructor(reason: string) {
    super(REASON_PREFIX + reason);
    this.name = 'InvalidEventPatternException';
    this.reason = reason;
  }
}

export function invalid(reason: string): InvalidEventPatternError {
  return new InvalidEventPatternError(reason);
}
