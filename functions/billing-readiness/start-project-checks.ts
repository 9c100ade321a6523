import { startProjectChecks } from '../../shared/billing/billing-steps';
import { PlannedCycle } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { EnvVar } from '../../shared/runtime/environment';
import { billing } from './billing-dependencies';

const projects = billing.sandbox();
const starter = billing.starter(EnvVar.BillingProjectStateMachineArn);
const store = billing.store();

/** Lambda entry point of `StartProjectChecks`: one page of projects (active, then carried in), one child execution each. */
export const handler = lambdaHandler('StartProjectChecks', PlannedCycle, (state) =>
  startProjectChecks(state, projects, starter, store),
);
