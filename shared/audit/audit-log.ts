import * as z from 'zod';

/** One entry of the audit trail: who did what, when, to which subject, and why. */
export const AuditEntry = z.object({
  subjectType: z.enum(['task', 'exception', 'delegation', 'rejected-event', 'user', 'billing-cycle']),
  subjectId: z.string(),
  action: z.string(),
  actor: z.string(),
  at: z.string(),
  why: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
/** Typed {@link AuditEntry}. */
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Append-only audit trail; implementations never update or delete an entry. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}
