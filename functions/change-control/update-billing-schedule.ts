import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { updateBillingScheduleStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `UpdateBillingSchedule` state of change control. */
export const handler = lambdaHandler('UpdateBillingSchedule', ApprovedChange, (state) =>
  updateBillingScheduleStep(state, ports, new Date()),
);
