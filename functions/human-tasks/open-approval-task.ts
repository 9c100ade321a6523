import { openApprovalTask, OpenApprovalTaskInput } from '../../shared/human-tasks/open-approval-task';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const tasks = new HumanTasksTable(documentClient, requireEnv(EnvVar.HumanTasksTable));

/** Lambda entry point of the `Request<Name>Approval` state (`.waitForTaskToken`). */
export const handler = lambdaHandler('OpenApprovalTask', OpenApprovalTaskInput, async (request) => {
  const task = await openApprovalTask(request, tasks, new Date());
  logger.info('approval task opened', { taskId: task.taskId, role: task.assigneeRole, dueAt: task.dueAt });
  return { taskId: task.taskId };
});
