import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { requestChangeResourcesStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `RequestChangeResources` state of change control. */
export const handler = lambdaHandler('RequestChangeResources', ApprovedChange, (state) =>
  requestChangeResourcesStep(state, ports, new Date()),
);
