import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { currentStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { recommendCandidates } from '../../shared/staffing/staffing-steps';
import { StaffingPreparedState } from '../../shared/staffing/staffing-state';
import { staffingPorts } from './staffing-dependencies';

const deps = {
  hris: staffingPorts.hris(),
  bookings: staffingPorts.bookings(connectors.psaBookings),
  store: staffingPorts.store(),
  events: staffingPorts.events(),
  policy: currentStaffingPolicy(),
  now: () => new Date(),
};

/** Lambda entry point of the `RecommendCandidates` state: ranks, explains and proposes. */
export const handler = lambdaHandler('RecommendCandidates', StaffingPreparedState, (state) =>
  recommendCandidates(state, deps),
);
