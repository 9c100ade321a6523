import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { currentChangePolicy } from '../../shared/change-control/change-policy';
import { ChangeControlState } from '../../shared/change-control/change-state';
import { assessChangeStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `AssessChange` state of change control. */
export const handler = lambdaHandler('AssessChange', ChangeControlState, (state) =>
  assessChangeStep(state, ports, currentChangePolicy(), new Date()),
);
