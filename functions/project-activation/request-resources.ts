import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { requestResources } from '../../shared/project-activation/activation-steps';
import { eventBridgeClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger } from '../../shared/runtime/powertools';

const busName = requireEnv('EVENT_BUS_NAME');

/** Lambda entry point of the `RequestResources` state of project activation. */
export const handler = middy((event: unknown) => requestResources(event, eventBridgeClient, busName, new Date())).use(injectLambdaContext(logger));
