/** One entry of the audit trail: who did what, when, to which subject, and why. */
export interface AuditEntry {
  readonly subjectType: 'task' | 'exception' | 'delegation' | 'rejected-event' | 'user';
  readonly subjectId: string;
  readonly action: string;
  readonly actor: string;
  readonly at: string;
  readonly why: string;
  readonly details?: Record<string, unknown>;
}

/** Append-only audit trail; implementations never update or delete an entry. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}
