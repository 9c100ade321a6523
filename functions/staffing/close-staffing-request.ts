import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { closeStaffingRequest } from '../../shared/staffing/staffing-steps';
import { StaffingClosingState } from '../../shared/staffing/staffing-state';
import { staffingPorts } from './staffing-dependencies';

const deps = {
  hris: staffingPorts.hris(),
  bookings: staffingPorts.bookings(connectors.psaBookings),
  store: staffingPorts.store(),
  events: staffingPorts.events(),
  now: () => new Date(),
};

/** Lambda entry point of the `CloseStaffingRequest` state: subcontractor, requisition or rejection. */
export const handler = lambdaHandler('CloseStaffingRequest', StaffingClosingState, (state) =>
  closeStaffingRequest(state, deps),
);
