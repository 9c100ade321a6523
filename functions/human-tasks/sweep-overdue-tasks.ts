import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { exceptionQueue, type ExceptionSlaBreach } from '../../shared/exceptions/sweep-overdue-exceptions';
import { approvalTaskQueue, type SlaBreach } from '../../shared/human-tasks/sweep-overdue-tasks';
import { billingTaskQueue, type BillingTaskSlaBreach } from '../../shared/billing/billing-tasks';
import { BillingTasksTable } from '../../shared/repositories/billing-tasks-table';
import { currentApprovalPolicy } from '../../shared/policies/approval-policy';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { sweepOverdue } from '../../shared/sla/sweep-overdue';
import { documentClient, eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';

const events = new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName));

/** The sweeps hand over their breaches; each becomes one event of the given type. */
function publisherOf<T>(detailType: string): { publish(breaches: readonly T[]): Promise<void> } {
  return {
    publish: (breaches) =>
      events.publish(breaches.map((breach) => ({ source: PsflowSource.Workflow, detailType, detail: breach }))),
  };
}

const audit = new AuditLogTable(documentClient, requireEnv(EnvVar.AuditLogTable));
const queues = {
  tasks: approvalTaskQueue(
    new HumanTasksTable(documentClient, requireEnv(EnvVar.HumanTasksTable)),
    currentApprovalPolicy(),
    publisherOf<SlaBreach>(WorkflowDetailType.ApprovalSlaBreached),
  ),
  exceptions: exceptionQueue(
    new ExceptionsTable(documentClient, requireEnv(EnvVar.ExceptionsTable)),
    currentApprovalPolicy(),
    publisherOf<ExceptionSlaBreach>(WorkflowDetailType.ExceptionSlaBreached),
  ),
  billingTasks: billingTaskQueue(
    new BillingTasksTable(documentClient, requireEnv(EnvVar.BillingReadinessTable)),
    currentApprovalPolicy(),
    publisherOf<BillingTaskSlaBreach>(WorkflowDetailType.BillingTaskSlaBreached),
  ),
};

/** EventBridge Scheduler passes its scheduled time, so a test can sweep "as of" a later clock. */
const SweepInput = z.preprocess(
  (event) => event ?? {},
  z.object({ scheduledTime: z.iso.datetime({ offset: true }).optional() }),
);

async function sweep({ scheduledTime }: z.infer<typeof SweepInput>): Promise<{
  breaches: SlaBreach[];
  exceptionBreaches: ExceptionSlaBreach[];
  billingTaskBreaches: BillingTaskSlaBreach[];
}> {
  const now = scheduledTime ? new Date(scheduledTime) : new Date();
  const {
    tasks: breaches,
    exceptions: exceptionBreaches,
    billingTasks: billingTaskBreaches,
  } = await sweepOverdue(now, queues, { audit });
  metrics.addMetric('ApprovalSlaBreaches', MetricUnit.Count, breaches.length);
  metrics.addMetric('ExceptionSlaBreaches', MetricUnit.Count, exceptionBreaches.length);
  metrics.addMetric('BillingTaskSlaBreaches', MetricUnit.Count, billingTaskBreaches.length);
  if (breaches.length > 0 || exceptionBreaches.length > 0 || billingTaskBreaches.length > 0)
    logger.warn('SLA breaches', { breaches, exceptionBreaches, billingTaskBreaches });
  return { breaches, exceptionBreaches, billingTaskBreaches };
}

/** Lambda entry point of the scheduled SLA sweeper: overdue approval tasks, exceptions and billing tasks. */
export const handler = lambdaHandler('SweepOverdueTasks', SweepInput, sweep);
