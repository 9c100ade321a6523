import { checkProjectReadiness } from '../../shared/billing/billing-steps';
import { ProjectCheckInput } from '../../shared/billing/billing-state';
import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const deps = billing.checkDependencies(connectors.psaBillingRecords);

/** Lambda entry point of `CheckProjectReadiness`. */
export const handler = lambdaHandler('CheckProjectReadiness', ProjectCheckInput, (input) =>
  checkProjectReadiness(input, deps),
);
