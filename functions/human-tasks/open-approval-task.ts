import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { demoDirectory } from '../../shared/directory/demo-directory';
import { openApprovalTask } from '../../shared/human-tasks/open-approval-task';
import { CURRENT_APPROVAL_POLICY } from '../../shared/policies/approval-policy';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger } from '../../shared/runtime/powertools';

const dependencies = {
  tasks: new HumanTasksTable(documentClient, requireEnv('HUMAN_TASKS_TABLE')),
  audit: new AuditLogTable(documentClient, requireEnv('AUDIT_LOG_TABLE')),
  directory: demoDirectory,
  policy: CURRENT_APPROVAL_POLICY,
  now: () => new Date(),
};

async function openApprovalTaskStep(event: unknown): Promise<{ taskId: string }> {
  const task = await openApprovalTask(event, dependencies);
  logger.info('approval task opened', { taskId: task.taskId, role: task.assigneeRole, dueAt: task.dueAt, ...(task.routing ? { routing: task.routing } : {}) });
  return { taskId: task.taskId };
}

/** Lambda entry point of the `Request<Name>Approval` state (`.waitForTaskToken`). */
export const handler = middy(openApprovalTaskStep).use(injectLambdaContext(logger));
