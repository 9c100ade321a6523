import { planCycle } from '../../shared/billing/billing-steps';
import { CycleInput } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const store = billing.store();

/** Lambda entry point of `PlanBillingCycle`. */
export const handler = lambdaHandler('PlanBillingCycle', CycleInput, (input) =>
  planCycle(input, billing.policy, store, new Date()),
);
