import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as z from 'zod';
import { recordActivation } from '../../shared/project-activation/record-activation';
import { documentClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger, metrics } from '../../shared/runtime/powertools';

const tableName = requireEnv('ACTIVATIONS_TABLE');
const Input = z.object({ state: z.unknown(), executionArn: z.string() });

/** Lambda entry point of the `RecordActivation` state. */
export const handler = middy(async (event: unknown) => {
  const { state, executionArn } = Input.parse(event);
  const record = await recordActivation(state, documentClient, tableName, executionArn, new Date());
  metrics.addMetric('ActivationCycleTime', MetricUnit.Seconds, record.cycleTimeSeconds);
  return record;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
