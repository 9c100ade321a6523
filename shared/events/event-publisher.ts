/** One event for the bus, before it is put: the publisher adds the bus name. */
export interface OutgoingEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
}

/**
 * The port through which domain code announces events. Implementations batch as the bus
 * allows and fail as a whole when any event is refused, so a step that publishes is retried
 * rather than half done (consumers are idempotent on the detail's business keys).
 */
export interface EventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}
