import { connectors } from '../../shared/connectors/connector-registry';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { prepareStaffingRequest } from '../../shared/staffing/staffing-steps';
import { StaffingInput } from '../../shared/staffing/staffing-state';
import { staffingPorts } from './staffing-dependencies';

const deps = {
  hris: staffingPorts.hris(),
  bookings: staffingPorts.bookings(connectors.psaBookings),
  crm: connectors.crm(),
  store: staffingPorts.store(),
  now: () => new Date(),
};

/** Lambda entry point of the `PrepareStaffingRequest` state: builds, resolves and checks the request. */
export const handler = lambdaHandler('PrepareStaffingRequest', StaffingInput, (input) =>
  prepareStaffingRequest(input, deps),
);
