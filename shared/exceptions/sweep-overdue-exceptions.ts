import type { AuditLog } from '../audit/audit-log';
import { escalationOf, type ApprovalPolicy } from '../policies/approval-policy';
import { nextSlaBreach, slaBreachReason, type SlaBreachTiming } from '../sla/sla-breach';
import type { ExceptionStore, WorkflowException } from './workflow-exception';

/** One SLA breach of an exception, as emitted for the KPIs. */
export interface ExceptionSlaBreach extends SlaBreachTiming {
  readonly exceptionId: string;
  readonly workflow: string;
  readonly executionArn: string;
  readonly step: string;
}

/** Emits exception breach events. */
export interface ExceptionBreachPublisher {
  publish(breaches: readonly ExceptionSlaBreach[]): Promise<void>;
}

/** What the exception sweep needs. */
export interface ExceptionSweepDependencies {
  readonly exceptions: ExceptionStore;
  readonly policy: ApprovalPolicy;
  readonly publisher: ExceptionBreachPublisher;
  readonly audit: AuditLog;
}

/** How many overdue exceptions one sweep handles; the next sweep picks up the rest. */
const SWEEP_LIMIT = 100;

/**
 * Finds open exceptions past their due time, as the task sweep does for approvals: the first
 * breach reminds the owner role and gives it another SLA period; each later breach hands the
 * exception to the next role in the policy's escalation chain (finance and integration to the
 * CFO, delivery to the practice lead), who may then act on it; the top of the chain is reminded
 * again. The workflow keeps waiting on the same token. Each breach is recorded once, even if two
 * sweeps overlap, audited, and emitted as an event.
 */
export async function sweepOverdueExceptions(now: Date, deps: ExceptionSweepDependencies): Promise<ExceptionSlaBreach[]> {
  const at = now.toISOString();
  const breaches: ExceptionSlaBreach[] = [];
  for (const exception of await deps.exceptions.listOverdue(at, SWEEP_LIMIT)) {
    const breach = nextBreach(exception, now, deps.policy);
    const recorded = await deps.exceptions.recordBreach(exception.exceptionId, exception.breaches ?? 0, { ownerRole: breach.toRole as WorkflowException['ownerRole'], dueAt: breach.nextDueAt, breaches: breach.breach });
    if (!recorded) continue;
    await deps.audit.append({
      subjectType: 'exception',
      subjectId: exception.exceptionId,
      action: breach.action === 'escalated' ? 'escalate' : 'remind',
      actor: 'sla-sweeper',
      at,
      why: slaBreachReason(exception.slaSeconds, breach),
      details: { fromRole: breach.fromRole, toRole: breach.toRole, nextDueAt: breach.nextDueAt, step: exception.step },
    });
    breaches.push(breach);
  }
  if (breaches.length > 0) await deps.publisher.publish(breaches);
  return breaches;
}

function nextBreach(exception: WorkflowException, now: Date, policy: ApprovalPolicy): ExceptionSlaBreach {
  const timing = nextSlaBreach({ role: exception.ownerRole, dueAt: exception.dueAt, slaSeconds: exception.slaSeconds, breaches: exception.breaches ?? 0 }, now, (role) => escalationOf(policy, role));
  return { exceptionId: exception.exceptionId, workflow: exception.workflow, executionArn: exception.executionArn, step: exception.step, ...timing };
}
