import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { currentStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { bookAssignment } from '../../shared/staffing/staffing-steps';
import { StaffingApprovedState } from '../../shared/staffing/staffing-state';
import { staffingPorts } from './staffing-dependencies';

const deps = {
  hris: staffingPorts.hris(),
  bookings: staffingPorts.bookings(connectors.psaBookings),
  store: staffingPorts.store(),
  events: staffingPorts.events(),
  policy: currentStaffingPolicy(),
  now: () => new Date(),
};

/** Lambda entry point of the `BookAssignment` state: hard bookings and `Resource Assigned`. */
export const handler = lambdaHandler('BookAssignment', StaffingApprovedState, (state) => bookAssignment(state, deps));
