import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { AppliedChange } from '../../shared/change-control/change-state';
import { announceChangeAppliedStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

/** Lambda entry point of the `AnnounceChangeApplied` state of change control. */
export const handler = lambdaHandler('AnnounceChangeApplied', AppliedChange, (state) =>
  announceChangeAppliedStep(state, ports, new Date()),
);
