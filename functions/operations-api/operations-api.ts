import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { demoDirectory } from '../../shared/directory/demo-directory';
import { handleOperationsRequest, type HttpApiEvent, type HttpApiResult } from '../../shared/operations-api/operations-api';
import { EventBusReplayer } from '../../shared/operations-api/rejected-event-actions';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { DelegationsTable } from '../../shared/repositories/delegations-table';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { RejectedEventsTable } from '../../shared/repositories/rejected-events-table';
import { documentClient, eventBridgeClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger } from '../../shared/runtime/powertools';
import { StepFunctionsTaskTokens } from '../../shared/workflows/step-functions-task-tokens';

const dependencies = {
  tasks: new HumanTasksTable(documentClient, requireEnv('HUMAN_TASKS_TABLE')),
  delegations: new DelegationsTable(documentClient, requireEnv('DELEGATIONS_TABLE')),
  exceptions: new ExceptionsTable(documentClient, requireEnv('EXCEPTIONS_TABLE')),
  audit: new AuditLogTable(documentClient, requireEnv('AUDIT_LOG_TABLE')),
  directory: demoDirectory,
  tokens: new StepFunctionsTaskTokens(stepFunctionsClient),
  sfn: stepFunctionsClient,
  rejectedEvents: new RejectedEventsTable(documentClient, requireEnv('REJECTED_EVENTS_TABLE')),
  replayer: new EventBusReplayer(eventBridgeClient, requireEnv('EVENT_BUS_NAME')),
  now: () => new Date(),
};

async function serve(event: HttpApiEvent): Promise<HttpApiResult> {
  const result = await handleOperationsRequest(event, dependencies);
  if (result.statusCode >= 400) logger.warn('request refused', { routeKey: event.routeKey, status: result.statusCode, body: result.body });
  return result;
}

/** Lambda entry point of the operations HTTP API (approvals, delegations, exceptions, rejected events, audit). */
export const handler = middy(serve).use(injectLambdaContext(logger));
