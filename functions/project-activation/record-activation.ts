import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { RecordActivationInput } from '../../shared/project-activation/activation-state';
import { recordActivation } from '../../shared/project-activation/record-activation';
import { ActivationsTable } from '../../shared/repositories/activations-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { metrics } from '../../shared/runtime/powertools';

const records = new ActivationsTable(documentClient, requireEnv(EnvVar.ActivationsTable));

/** Lambda entry point of the `RecordActivation` state. */
export const handler = lambdaHandler('RecordActivation', RecordActivationInput, async ({ state, executionArn }) => {
  const record = await recordActivation(state, records, executionArn, new Date());
  metrics.addMetric('ActivationCycleTime', MetricUnit.Seconds, record.cycleTimeSeconds);
  return record;
});
