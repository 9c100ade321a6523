import { connectors } from '../../shared/connectors/connector-registry';
import * as z from 'zod';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { releaseExpiredHolds } from '../../shared/staffing/staffing-steps';
import { staffingPorts } from './staffing-dependencies';

const bookings = staffingPorts.bookings(connectors.psaBookings);

/** Lambda entry point of the schedule that releases lapsed holds, so their hours are free again. */
export const handler = lambdaHandler('ReleaseExpiredHolds', z.unknown(), async () => ({
  released: await releaseExpiredHolds(bookings, new Date()),
}));
