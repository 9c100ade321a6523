import { connectors } from '../../shared/connectors/connector-registry';
import { ActivationInput } from '../../shared/project-activation/activation-state';
import { prepareEngagement } from '../../shared/project-activation/engagement';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const crm = connectors.crm();

/** Lambda entry point of the `PrepareEngagement` state of project activation. */
export const handler = lambdaHandler('PrepareEngagement', ActivationInput, (activation) =>
  prepareEngagement(activation, crm),
);
