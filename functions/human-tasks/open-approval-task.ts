import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { openApprovalTask } from '../../shared/human-tasks/open-approval-task';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger } from '../../shared/runtime/powertools';

const tasks = new HumanTasksTable(documentClient, requireEnv('HUMAN_TASKS_TABLE'));

async function openApprovalTaskStep(event: unknown): Promise<{ taskId: string }> {
  const task = await openApprovalTask(event, tasks, new Date());
  logger.info('approval task opened', { taskId: task.taskId, role: task.assigneeRole, dueAt: task.dueAt });
  return { taskId: task.taskId };
}

/** Lambda entry point of the `Request<Name>Approval` state (`.waitForTaskToken`). */
export const handler = middy(openApprovalTaskStep).use(injectLambdaContext(logger));
