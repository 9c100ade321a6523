import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { updateProjectPlanStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `UpdateProjectPlan` state of change control. */
export const handler = lambdaHandler('UpdateProjectPlan', ApprovedChange, (state) =>
  updateProjectPlanStep(state, ports, new Date()),
);
