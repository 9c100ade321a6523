import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { ApprovedChange } from '../../shared/change-control/change-state';
import { recordChangeApprovalStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `RecordChangeApproval` state of change control. */
export const handler = lambdaHandler('RecordChangeApproval', ApprovedChange, (state) =>
  recordChangeApprovalStep(state, ports, new Date()),
);
