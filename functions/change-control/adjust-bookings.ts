import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { adjustBookingsStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `AdjustBookings` state of change control. */
export const handler = lambdaHandler('AdjustBookings', ApprovedChange, (state) =>
  adjustBookingsStep(state, ports, new Date()),
);
