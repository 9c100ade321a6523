import { connectors } from '../../shared/connectors/connector-registry';
import { PreparedActivation } from '../../shared/project-activation/activation-state';
import { provisionErpProject } from '../../shared/project-activation/activation-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const erp = connectors.erp();

/** Lambda entry point of the `ProvisionErpProject` state of project activation. */
export const handler = lambdaHandler('ProvisionErpProject', PreparedActivation, (state) =>
  provisionErpProject(state, erp),
);
