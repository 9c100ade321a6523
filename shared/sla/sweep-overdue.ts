import type { AuditEntry, AuditLog } from '../audit/audit-log';
import type { Role } from '../directory/roles';
import { nextSlaBreach, slaBreachReason, type SlaBreachTiming, type SlaSubject } from './sla-breach';

/** How many overdue items of one queue one sweep handles; the next sweep picks up the rest. */
export const SWEEP_LIMIT = 100;

/** Who a role escalates to, or `undefined` at the top of the chain. */
export type EscalationRule = (role: Role) => Role | undefined;

/**
 * A queue of things with an SLA that the sweeper watches (approval tasks, exceptions), seen
 * through what the sweep needs of it. `Item` is the queue's own record; the sweep only hands
 * the items the queue listed back to the same queue.
 */
export interface WatchedQueue<Item, Breach> {
  /** Open items past their due time, at most `limit`. */
  listOverdue(at: string, limit: number): Promise<readonly Item[]>;
  /** The item's owner role, due time, SLA and breaches so far. */
  subjectOf(item: Item): SlaSubject;
  /** Who the item's role escalates to; may look at the item's siblings, hence async. */
  escalationOf(item: Item): Promise<EscalationRule>;
  /** Records the breach unless another sweep already did; `false` when it lost that race. */
  recordBreach(item: Item, timing: SlaBreachTiming): Promise<boolean>;
  /** The audit subject of the item, and what its audit entry adds to the breach's roles and due time. */
  auditSubjectOf(item: Item): {
    readonly subjectType: AuditEntry['subjectType'];
    readonly subjectId: string;
    readonly details?: Record<string, unknown>;
  };
  /** The breach event's detail. */
  breachOf(item: Item, timing: SlaBreachTiming): Breach;
  /** Emits the queue's breaches of one sweep as events, in one call. */
  publish(breaches: readonly Breach[]): Promise<void>;
}

/**
 * The queues of one sweep, by name, with the breach type of each. The item type is left open
 * (`unknown`): each queue only ever receives back the items it listed itself.
 */
export type WatchedQueues<Breaches extends Record<string, unknown>> = {
  readonly [Name in keyof Breaches]: WatchedQueue<unknown, Breaches[Name]>;
};

/** What the sweep needs besides its queues. */
export interface SweepOverdueDependencies {
  readonly audit: AuditLog;
}

/**
 * Sweeps every watched queue once, in one loop: for each overdue item, the first breach reminds
 * its role and gives it another SLA period; each later breach escalates by the queue's rule (the
 * top of the chain is reminded again). Each breach is recorded once, even if two sweeps overlap,
 * audited, and emitted as an event; each queue publishes its breaches in one call.
 */
export async function sweepOverdue<Breaches extends Record<string, unknown>>(
  now: Date,
  queues: WatchedQueues<Breaches>,
  deps: SweepOverdueDependencies,
): Promise<{ [Name in keyof Breaches]: Breaches[Name][] }> {
  // Filled for every name in the loop below, so no name is missing when it is returned; no
  // typed builder exists for a mapped type over generic keys, hence the one assertion.
  // eslint-disable-next-line @typescript-eslint/consistent-type-assertions
  const swept = {} as { [Name in keyof Breaches]: Breaches[Name][] };
  for (const name in queues) swept[name] = await sweepQueue(now, queues[name], deps);
  return swept;
}

async function sweepQueue<Breach>(
  now: Date,
  queue: WatchedQueue<unknown, Breach>,
  deps: SweepOverdueDependencies,
): Promise<Breach[]> {
  const at = now.toISOString();
  const breaches: Breach[] = [];
  for (const item of await queue.listOverdue(at, SWEEP_LIMIT)) {
    const subject = queue.subjectOf(item);
    const timing = nextSlaBreach(subject, now, await queue.escalationOf(item));
    if (!(await queue.recordBreach(item, timing))) continue;
    const { subjectType, subjectId, details } = queue.auditSubjectOf(item);
    await deps.audit.append({
      subjectType,
      subjectId,
      action: timing.action === 'escalated' ? 'escalate' : 'remind',
      actor: 'sla-sweeper',
      at,
      why: slaBreachReason(subject.slaSeconds, timing),
      details: { fromRole: timing.fromRole, toRole: timing.toRole, nextDueAt: timing.nextDueAt, ...details },
    });
    breaches.push(queue.breachOf(item, timing));
  }
  if (breaches.length > 0) await queue.publish(breaches);
  return breaches;
}
