import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectors } from '../../shared/connectors/connector-registry';
import { compensateActivation } from '../../shared/project-activation/activation-steps';
import { logger } from '../../shared/runtime/powertools';

const ports = { erp: connectors.erp(), psa: connectors.psa(), documents: connectors.documents() };

/** Lambda entry point of the `CompensateActivation` state: closes and voids, never deletes. */
export const handler = middy(async (event: unknown) => {
  const result = await compensateActivation(event, ports);
  logger.warn('activation compensated', { actions: result.actions });
  return result;
}).use(injectLambdaContext(logger));
