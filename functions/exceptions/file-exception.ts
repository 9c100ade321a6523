import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { fileException } from '../../shared/exceptions/file-exception';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger, metrics } from '../../shared/runtime/powertools';

const exceptions = new ExceptionsTable(documentClient, requireEnv('EXCEPTIONS_TABLE'));
const region = process.env.AWS_REGION ?? 'us-east-1';

async function fileExceptionStep(event: unknown): Promise<{ exceptionId: string }> {
  const exception = await fileException(event, exceptions, new Date(), region);
  metrics.addDimension('errorClass', exception.errorClass);
  metrics.addMetric('ExceptionsFiled', MetricUnit.Count, 1);
  logger.warn('exception filed', { exceptionId: exception.exceptionId, step: exception.step, owner: exception.ownerRole, reason: exception.reasonCode });
  return { exceptionId: exception.exceptionId };
}

/** Lambda entry point of every `File<Step>Exception` state (`.waitForTaskToken`). */
export const handler = middy(fileExceptionStep).use(injectLambdaContext(logger)).use(logMetrics(metrics));
