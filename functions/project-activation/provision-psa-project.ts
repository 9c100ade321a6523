import { connectors } from '../../shared/connectors/connector-registry';
import { PreparedActivation } from '../../shared/project-activation/activation-state';
import { provisionPsaProject } from '../../shared/project-activation/activation-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const psa = connectors.psa();

/** Lambda entry point of the `ProvisionPsaProject` state of project activation. */
export const handler = lambdaHandler('ProvisionPsaProject', PreparedActivation, (state) =>
  provisionPsaProject(state, psa),
);
