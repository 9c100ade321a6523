import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SandboxCrmConnector } from '../../shared/connectors/sandbox/sandbox-crm-connector';
import { ingestEvent, type IngestionReport } from '../../shared/ingestion/ingest-event';
import { IngestionLedgerTable } from '../../shared/repositories/ingestion-ledger-table';
import { RejectedEventsTable } from '../../shared/repositories/rejected-events-table';
import { WorkflowExecutionsTable } from '../../shared/repositories/workflow-executions-table';
import { documentClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger, metrics } from '../../shared/runtime/powertools';
import { tracer } from '../../shared/runtime/tracer';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const dependencies = {
  crm: new SandboxCrmConnector(documentClient, requireEnv('SANDBOX_CRM_TABLE')),
  ledger: new IngestionLedgerTable(documentClient, requireEnv('INGESTION_LEDGER_TABLE')),
  rejections: new RejectedEventsTable(documentClient, requireEnv('REJECTED_EVENTS_TABLE')),
  executions: new WorkflowExecutionsTable(documentClient, requireEnv('WORKFLOW_EXECUTIONS_TABLE')),
  launcher: new StepFunctionsLauncher(stepFunctionsClient, {
    [WorkflowName.ProjectActivation]: requireEnv('PROJECT_ACTIVATION_STATE_MACHINE_ARN'),
  }),
  now: () => new Date(),
};

const OUTCOME_METRICS = {
  started: 'WorkflowsStarted',
  'already-started': 'WorkflowsAlreadyStarted',
  ignored: 'EventsIgnored',
  rejected: 'EventsRejected',
  unknown: 'UnknownEvents',
} as const;

async function ingest(event: unknown): Promise<IngestionReport> {
  const report = await ingestEvent(event, dependencies);
  for (const outcome of report.outcomes) metrics.addMetric(OUTCOME_METRICS[outcome.outcome], MetricUnit.Count, 1);
  const rejected = report.outcomes.some((outcome) => outcome.outcome === 'rejected' || outcome.outcome === 'unknown');
  (rejected ? logger.warn : logger.info).call(logger, 'event ingested', { report });
  return report;
}

/** Lambda entry point: the target of the ingestion rule. */
export const handler = middy(ingest).use(injectLambdaContext(logger)).use(logMetrics(metrics)).use(captureLambdaHandler(tracer));
