import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { currentStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { placeSoftHolds } from '../../shared/staffing/staffing-steps';
import { StaffingRecommendedState } from '../../shared/staffing/staffing-state';
import { staffingPorts } from './staffing-dependencies';

const deps = {
  hris: staffingPorts.hris(),
  bookings: staffingPorts.bookings(connectors.psaBookings),
  store: staffingPorts.store(),
  policy: currentStaffingPolicy(),
  now: () => new Date(),
};

/** Lambda entry point of the `PlaceSoftHolds` state: a hold with an expiry per proposed person. */
export const handler = lambdaHandler('PlaceSoftHolds', StaffingRecommendedState, (state) =>
  placeSoftHolds(state, deps),
);
