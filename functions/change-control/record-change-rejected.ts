import * as z from 'zod';
import { changeControlPorts } from '../../shared/change-control/change-connectors';
import { AssessedChange } from '../../shared/change-control/change-state';
import { recordChangeRejectedStep } from '../../shared/change-control/change-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = changeControlPorts();

const RejectedChange = AssessedChange.extend({ rejection: z.object({ Cause: z.string().optional() }).optional() });

/** Lambda entry point of the `RecordChangeRejected` state: an approver said no. */
export const handler = lambdaHandler('RecordChangeRejected', RejectedChange, (state) =>
  recordChangeRejectedStep(state, state.rejection?.Cause, ports, new Date()),
);
