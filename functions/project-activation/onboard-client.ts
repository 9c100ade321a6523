import { connectors } from '../../shared/connectors/connector-registry';
import { PreparedActivation } from '../../shared/project-activation/activation-state';
import { onboardClient } from '../../shared/project-activation/activation-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const documents = connectors.documents();

/** Lambda entry point of the `OnboardClient` state of project activation. */
export const handler = lambdaHandler('OnboardClient', PreparedActivation, (state) => onboardClient(state, documents));
