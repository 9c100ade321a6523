import type { AuditLog } from '../audit/audit-log';
import { escalationOf, type ApprovalPolicy } from '../policies/approval-policy';
import type { SlaBreachTiming } from '../sla/sla-breach';
import { sweepOverdue, type WatchedQueue } from '../sla/sweep-overdue';
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

/**
 * Open exceptions as the SLA sweep watches them, as it does approvals: the first breach reminds
 * the owner role and gives it another SLA period; each later breach hands the exception to the
 * next role in the policy's escalation chain (finance and integration to the CFO, delivery to the
 * practice lead), who may then act on it; the top of the chain is reminded again. The workflow
 * keeps waiting on the same token.
 */
export function exceptionQueue(
  exceptions: ExceptionStore,
  policy: ApprovalPolicy,
  publisher: ExceptionBreachPublisher,
): WatchedQueue<WorkflowException, ExceptionSlaBreach> {
  return {
    listOverdue: (at, limit) => exceptions.listOverdue(at, limit),
    subjectOf: (exception) => ({
      role: exception.ownerRole,
      dueAt: exception.dueAt,
      slaSeconds: exception.slaSeconds,
      breaches: exception.breaches ?? 0,
    }),
    escalationOf: async () => (role) => escalationOf(policy, role),
    recordBreach: (exception, timing) =>
      exceptions.recordBreach(exception.exceptionId, exception.breaches ?? 0, {
        ownerRole: timing.toRole,
        dueAt: timing.nextDueAt,
        breaches: timing.breach,
      }),
    auditSubjectOf: (exception) => ({
      subjectType: 'exception',
      subjectId: exception.exceptionId,
      details: { step: exception.step },
    }),
    breachOf: (exception, timing) => ({
      exceptionId: exception.exceptionId,
      workflow: exception.workflow,
      executionArn: exception.executionArn,
      step: exception.step,
      ...timing,
    }),
    publish: (breaches) => publisher.publish(breaches),
  };
}

/** Sweeps the exceptions alone; the scheduled sweeper sweeps them with the approval tasks through `sweepOverdue`. */
export async function sweepOverdueExceptions(
  now: Date,
  deps: ExceptionSweepDependencies,
): Promise<ExceptionSlaBreach[]> {
  const { exceptions } = await sweepOverdue(
    now,
    { exceptions: exceptionQueue(deps.exceptions, deps.policy, deps.publisher) },
    deps,
  );
  return exceptions;
}
