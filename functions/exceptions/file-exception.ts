import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { fileException, FileExceptionInput } from '../../shared/exceptions/file-exception';
import { ExceptionsTable } from '../../shared/repositories/exceptions-table';
import { documentClient, eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';

const exceptions = new ExceptionsTable(documentClient, requireEnv(EnvVar.ExceptionsTable));
const events = new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName));
// Set by the Lambda runtime in every region; the default is for running outside one.
const region = process.env.AWS_REGION ?? 'us-east-1';

/** Lambda entry point of every `File<Step>Exception` state (`.waitForTaskToken`). */
export const handler = lambdaHandler('FileException', FileExceptionInput, async (request) => {
  const exception = await fileException(request, exceptions, new Date(), region, events);
  metrics.addDimension('errorClass', exception.errorClass);
  metrics.addMetric('ExceptionsFiled', MetricUnit.Count, 1);
  logger.warn('exception filed', {
    exceptionId: exception.exceptionId,
    step: exception.step,
    owner: exception.ownerRole,
    reason: exception.reasonCode,
  });
  return { exceptionId: exception.exceptionId };
});
