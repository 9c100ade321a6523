import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { measureExceptionQueue } from '../../shared/kpis/exception-queue-gauge';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';

const exceptionsTable = requireEnv(EnvVar.ExceptionsTable);

/** What the schedule passes. */
const ScheduledInput = z.object({ scheduledTime: z.string().optional() }).loose();

/** Lambda entry point, every five minutes: the exception queue's depth and oldest age as metrics. */
export const handler = lambdaHandler('MeasureExceptionQueue', ScheduledInput, async () => {
  const gauge = await measureExceptionQueue(documentClient, exceptionsTable, new Date());
  metrics.addMetric('ExceptionQueueDepth', MetricUnit.Count, gauge.openExceptions);
  metrics.addMetric('ExceptionQueueOldestAge', MetricUnit.Seconds, gauge.oldestOpenAgeSeconds);
  logger.info('exception queue measured', { gauge });
  return gauge;
});
