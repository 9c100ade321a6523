import type { Role } from '../directory/roles';

/** What every SLA breach says, whatever waited too long: an approval task or an exception. */
export interface SlaBreachTiming {
  /** 1 for the first breach (a reminder), 2 and up for escalations. */
  readonly breach: number;
  readonly action: 'reminded' | 'escalated';
  readonly fromRole: Role;
  readonly toRole: Role;
  readonly dueAt: string;
  readonly nextDueAt: string;
  readonly overdueSeconds: number;
  readonly detectedAt: string;
}

/** Something with an owner role and an SLA that the sweeper watches. */
export interface SlaSubject {
  readonly role: Role;
  readonly dueAt: string;
  readonly slaSeconds: number;
  readonly breaches: number;
}

/**
 * The next breach of an overdue subject: the first reminds its role and gives it another SLA
 * period; later ones escalate to `escalateTo(role)`, or remind again at the top of the chain.
 */
export function nextSlaBreach(
  subject: SlaSubject,
  now: Date,
  escalateTo: (role: Role) => Role | undefined,
): SlaBreachTiming {
  const breach = subject.breaches + 1;
  const target = breach >= 2 ? escalateTo(subject.role) : undefined;
  return {
    breach,
    action: target ? 'escalated' : 'reminded',
    fromRole: subject.role,
    toRole: target ?? subject.role,
    dueAt: subject.dueAt,
    nextDueAt: new Date(now.getTime() + subject.slaSeconds * 1000).toISOString(),
    overdueSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(subject.dueAt)) / 1000)),
    detectedAt: now.toISOString(),
  };
}

/** The audit trail's line for a breach. */
export function slaBreachReason(slaSeconds: number, timing: SlaBreachTiming): string {
  return `SLA of ${slaSeconds} s breached (${timing.breach}); overdue by ${timing.overdueSeconds} s`;
}
