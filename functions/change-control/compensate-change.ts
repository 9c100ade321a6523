import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ChangeCompensationInput } from '../../shared/change-control/change-state';
import { compensateChange } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const ports = changeControlPorts();

/** Lambda entry point of the `CompensateChange` state: back to the previous baseline, nothing deleted. */
export const handler = lambdaHandler('CompensateChange', ChangeCompensationInput, async (input) => {
  const result = await compensateChange(input, ports, new Date());
  logger.warn('change compensated', { actions: result.actions });
  return result;
});
