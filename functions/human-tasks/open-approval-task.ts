import { openApprovalTask, OpenApprovalTaskInput } from '../../shared/human-tasks/open-approval-task';
import { currentApprovalPolicy } from '../../shared/policies/approval-policy';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { DirectoryTable } from '../../shared/repositories/directory-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const dependencies = {
  tasks: new HumanTasksTable(documentClient, requireEnv(EnvVar.HumanTasksTable)),
  audit: new AuditLogTable(documentClient, requireEnv(EnvVar.AuditLogTable)),
  directory: new DirectoryTable(documentClient, requireEnv(EnvVar.DirectoryTable)),
  policy: currentApprovalPolicy(),
  now: () => new Date(),
};

/** Lambda entry point of the `Request<Name>Approval` state (`.waitForTaskToken`). */
export const handler = lambdaHandler('OpenApprovalTask', OpenApprovalTaskInput, async (request) => {
  const task = await openApprovalTask(request, dependencies);
  logger.info('approval task opened', {
    taskId: task.taskId,
    role: task.assigneeRole,
    dueAt: task.dueAt,
    ...(task.routing ? { routing: task.routing } : {}),
  });
  return { taskId: task.taskId };
});
