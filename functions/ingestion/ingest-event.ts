import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { connectors } from '../../shared/connectors/connector-registry';
import { ActivatedProjects } from '../../shared/ingestion/activated-projects';
import { ingestEvent } from '../../shared/ingestion/ingest-event';
import type { IngestionReport } from '../../shared/ingestion/ingestion-ports';
import { IngestionLedgerTable } from '../../shared/repositories/ingestion-ledger-table';
import { RejectedEventsTable } from '../../shared/repositories/rejected-events-table';
import { WorkflowExecutionsTable } from '../../shared/repositories/workflow-executions-table';
import { documentClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const executions = new WorkflowExecutionsTable(documentClient, requireEnv(EnvVar.WorkflowExecutionsTable));

const dependencies = {
  crm: connectors.crm(),
  ledger: new IngestionLedgerTable(documentClient, requireEnv(EnvVar.IngestionLedgerTable)),
  rejections: new RejectedEventsTable(documentClient, requireEnv(EnvVar.RejectedEventsTable)),
  executions,
  projects: new ActivatedProjects(executions),
  launcher: new StepFunctionsLauncher(stepFunctionsClient, {
    [WorkflowName.ProjectActivation]: requireEnv(EnvVar.ProjectActivationStateMachineArn),
    [WorkflowName.ChangeControl]: requireEnv(EnvVar.ChangeControlStateMachineArn),
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

// Any event is accepted here: ingestion itself validates it, and holds what it cannot accept
// as a rejected event with the reason, instead of failing the delivery.
const AnyEvent = z.unknown();

/** Lambda entry point: the target of the ingestion rule. */
export const handler = lambdaHandler('IngestEvent', AnyEvent, ingest);
