import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { DynamoDbDeliveryLedger } from '../../shared/integrations/dynamodb-integration-state';
import { runtimeSecrets } from '../../shared/integrations/integration-runtime';
import { receiveWebhook } from '../../shared/integrations/webhooks';
import { documentClient, eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger, metrics } from '../../shared/runtime/powertools';

const dependencies = {
  secrets: runtimeSecrets(),
  stage: requireEnv(EnvVar.Stage),
  ledger: new DynamoDbDeliveryLedger(documentClient, requireEnv(EnvVar.IntegrationStateTable)),
  publisher: new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
  now: () => Date.now(),
};

/** The HTTP API payload format 2.0 fields a webhook reads. */
const WebhookRequest = z.object({
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().default(''),
  isBase64Encoded: z.boolean().default(false),
  pathParameters: z.object({ source: z.string().min(1) }),
});

/** Lambda entry point of `POST /webhooks/{source}` (no JWT: the HMAC signature is the authentication). */
export const handler = lambdaHandler('ReceiveWebhook', WebhookRequest, async (request) => {
  const body = request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
  const source = request.pathParameters.source;
  let outcome;
  try {
    outcome = await receiveWebhook(source, request.headers, body, dependencies);
  } catch (error) {
    // The signing secret is missing or unreadable, or the bus refused: the sender should retry later.
    logger.error('webhook not processed', { source, error: error instanceof Error ? error.message : String(error) });
    return { statusCode: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"try again later"}' };
  }
  const metric = metrics.singleMetric();
  metric.addDimension('webhook', source);
  if (outcome.body.error) {
    metric.addDimension('reason', outcome.body.error);
    metric.addMetric('WebhookRejected', MetricUnit.Count, 1);
    // Never the body: an unauthenticated sender chose it.
    logger.warn('webhook rejected', { source, reason: outcome.body.error, status: outcome.statusCode });
  } else metric.addMetric('WebhookAccepted', MetricUnit.Count, 1);
  return {
    statusCode: outcome.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(outcome.body),
  };
});
