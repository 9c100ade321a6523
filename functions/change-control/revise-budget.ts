import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { reviseBudgetStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `ReviseBudget` state of change control. */
export const handler = lambdaHandler('ReviseBudget', ApprovedChange, (state) =>
  reviseBudgetStep(state, ports, new Date()),
);
