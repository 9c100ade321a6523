import * as z from 'zod';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { KpiAggregatesTable } from '../../shared/kpis/kpi-aggregates-table';
import { handleOperationsRequest } from '../../shared/operations-api/operations-api';
import { IngestionReplayer } from '../../shared/operations-api/ingestion-replayer';
import { BillingReadinessTable } from '../../shared/repositories/billing-readiness-table';
import { AuditLogTable } from '../../shared/repositories/audit-log-table';
import { DelegationsTable } from '../../shared/repositories/delegations-table';
import { DirectoryTable } from '../../shared/repositories/directory-table';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { HumanTasksTable } from '../../shared/repositories/human-tasks-table';
import { RejectedEventsTable } from '../../shared/repositories/rejected-events-table';
import { documentClient, eventBridgeClient, lambdaClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';
import { stepContract } from '../../shared/workflows/step-contracts';
import { StepFunctionsExecutionReader } from '../../shared/workflows/step-functions-execution-reader';
import { StepFunctionsExecutionViews } from '../../shared/workflows/step-functions-execution-views';
import { WorkflowExecutionsTable } from '../../shared/repositories/workflow-executions-table';
import { DynamoDbStaffingRequestStore } from '../../shared/staffing/staffing-request-store';
import { StepFunctionsTaskTokens } from '../../shared/workflows/step-functions-task-tokens';
import type { CycleInput } from '../../shared/billing/billing-state';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const billingCycles = new StepFunctionsLauncher(stepFunctionsClient, {
  [WorkflowName.BillingReadiness]: requireEnv(EnvVar.BillingCycleStateMachineArn),
});

const dependencies = {
  tasks: new HumanTasksTable(documentClient, requireEnv(EnvVar.HumanTasksTable)),
  delegations: new DelegationsTable(documentClient, requireEnv(EnvVar.DelegationsTable)),
  exceptions: new ExceptionsTable(documentClient, requireEnv(EnvVar.ExceptionsTable)),
  audit: new AuditLogTable(documentClient, requireEnv(EnvVar.AuditLogTable)),
  directory: new DirectoryTable(documentClient, requireEnv(EnvVar.DirectoryTable)),
  tokens: new StepFunctionsTaskTokens(stepFunctionsClient),
  executions: new StepFunctionsExecutionReader(stepFunctionsClient),
  contracts: stepContract,
  rejectedEvents: new RejectedEventsTable(documentClient, requireEnv(EnvVar.RejectedEventsTable)),
  // Set by the Lambda runtime in every region; the default is for running outside one.
  replayer: new IngestionReplayer(
    lambdaClient,
    requireEnv(EnvVar.IngestFunctionName),
    process.env.AWS_REGION ?? 'us-east-1',
  ),
  now: () => new Date(),
  events: new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
  kpis: new KpiAggregatesTable(documentClient, requireEnv(EnvVar.KpiTable)),
  executionViews: new StepFunctionsExecutionViews(
    new WorkflowExecutionsTable(documentClient, requireEnv(EnvVar.WorkflowExecutionsTable)),
    stepFunctionsClient,
  ),
  billing: new BillingReadinessTable(documentClient, requireEnv(EnvVar.BillingReadinessTable)),
  billingCycles: {
    start: (name: string, input: CycleInput) => billingCycles.start(WorkflowName.BillingReadiness, name, input),
  },
  staffing: new DynamoDbStaffingRequestStore(documentClient, requireEnv(EnvVar.StaffingRequestsTable)),
};

/** The parts of an API Gateway HTTP API (payload 2.0) event the routes read. */
const HttpApiEvent = z.object({
  routeKey: z.string(),
  pathParameters: z.record(z.string(), z.string().optional()).optional(),
  queryStringParameters: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z
    .object({
      authorizer: z
        .object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()).optional() }).optional() })
        .optional(),
    })
    .optional(),
});

/** Lambda entry point of the operations HTTP API (approvals, delegations, exceptions, rejected events, audit). */
export const handler = lambdaHandler('OperationsApi', HttpApiEvent, async (event) => {
  const result = await handleOperationsRequest(event, dependencies);
  if (result.statusCode >= 400)
    logger.warn('request refused', { routeKey: event.routeKey, status: result.statusCode, body: result.body });
  return result;
});
