import { closeCycle } from '../../shared/billing/billing-steps';
import { PlannedCycle } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const deps = billing.checkDependencies();

/** Lambda entry point of `CloseBillingCycle`, at the cut-off. */
export const handler = lambdaHandler('CloseBillingCycle', PlannedCycle, (state) => closeCycle(state, deps, new Date()));
