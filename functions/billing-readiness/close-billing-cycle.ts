import { closeCycle } from '../../shared/billing/billing-steps';
import { PlannedCycle } from '../../shared/billing/billing-state';
import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const deps = billing.checkDependencies(connectors.psaBillingRecords);

/** Lambda entry point of `CloseBillingCycle`, at the cut-off. */
export const handler = lambdaHandler('CloseBillingCycle', PlannedCycle, (state) => closeCycle(state, deps, new Date()));
