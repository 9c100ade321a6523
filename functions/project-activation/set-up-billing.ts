import { connectors } from '../../shared/connectors/connector-registry';
import { ProvisionedActivation } from '../../shared/project-activation/activation-state';
import { setUpBilling } from '../../shared/project-activation/activation-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const erp = connectors.erp();

/** Lambda entry point of the `SetUpBilling` state of project activation. */
export const handler = lambdaHandler('SetUpBilling', ProvisionedActivation, (state) => setUpBilling(state, erp));
