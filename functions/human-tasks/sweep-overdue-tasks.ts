import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { sweepOverdueExceptions, type ExceptionSlaBreach } from '../../shared/exceptions/sweep-overdue-exceptions';
import { sweepOverdueTasks, type SlaBreach } from '../../shared/human-tasks/sweep-overdue-tasks';
import { CURRENT_APPROVAL_POLICY } from '../../shared/policies/approval-policy';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { documentClient, eventBridgeClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger, metrics } from '../../shared/runtime/powertools';

const busName = requireEnv('EVENT_BUS_NAME');

/** Puts breach events on the bus, ten per PutEvents call. */
function publisherOf<T>(detailType: string): { publish(breaches: readonly T[]): Promise<void> } {
  return {
    async publish(breaches: readonly T[]): Promise<void> {
      for (let start = 0; start < breaches.length; start += 10) {
        const entries = breaches.slice(start, start + 10).map((breach) => ({ EventBusName: busName, Source: PsflowSource.Workflow, DetailType: detailType, Detail: JSON.stringify(breach) }));
        const { FailedEntryCount } = await eventBridgeClient.send(new PutEventsCommand({ Entries: entries }));
        if (FailedEntryCount) throw new Error(`${FailedEntryCount} SLA breach events were refused by the bus`);
      }
    },
  };
}

const audit = new AuditLogTable(documentClient, requireEnv('AUDIT_LOG_TABLE'));
const dependencies = {
  tasks: new HumanTasksTable(documentClient, requireEnv('HUMAN_TASKS_TABLE')),
  audit,
  policy: CURRENT_APPROVAL_POLICY,
  publisher: publisherOf<SlaBreach>(WorkflowDetailType.ApprovalSlaBreached),
};
const exceptionDependencies = {
  exceptions: new ExceptionsTable(documentClient, requireEnv('EXCEPTIONS_TABLE')),
  audit,
  policy: CURRENT_APPROVAL_POLICY,
  publisher: publisherOf<ExceptionSlaBreach>(WorkflowDetailType.ExceptionSlaBreached),
};

/** EventBridge Scheduler passes its scheduled time, so a test can sweep "as of" a later clock. */
const SweepInput = z.object({ scheduledTime: z.iso.datetime({ offset: true }).optional() });

async function sweep(event: unknown): Promise<{ breaches: SlaBreach[]; exceptionBreaches: ExceptionSlaBreach[] }> {
  const { scheduledTime } = SweepInput.parse(event ?? {});
  const now = scheduledTime ? new Date(scheduledTime) : new Date();
  const breaches = await sweepOverdueTasks(now, dependencies);
  const exceptionBreaches = await sweepOverdueExceptions(now, exceptionDependencies);
  metrics.addMetric('ApprovalSlaBreaches', MetricUnit.Count, breaches.length);
  metrics.addMetric('ExceptionSlaBreaches', MetricUnit.Count, exceptionBreaches.length);
  if (breaches.length > 0 || exceptionBreaches.length > 0) logger.warn('SLA breaches', { breaches, exceptionBreaches });
  return { breaches, exceptionBreaches };
}

/** Lambda entry point of the scheduled SLA sweeper: overdue approval tasks, then overdue exceptions. */
export const handler = middy(sweep).use(injectLambdaContext(logger)).use(logMetrics(metrics));
