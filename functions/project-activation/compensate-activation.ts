import { connectors } from '../../shared/connectors/connector-registry';
import { CompensationInput } from '../../shared/project-activation/activation-state';
import { compensateActivation } from '../../shared/project-activation/activation-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const ports = { erp: connectors.erp(), psa: connectors.psa(), documents: connectors.documents() };

/** Lambda entry point of the `CompensateActivation` state: closes and voids, never deletes. */
export const handler = lambdaHandler('CompensateActivation', CompensationInput, async (input) => {
  const result = await compensateActivation(input, ports);
  logger.warn('activation compensated', { actions: result.actions });
  return result;
});
