import type { HrisConnector } from '../connectors/hris/hris-connector';
import type { PsaBookings } from '../connectors/psa/psa-bookings';
import { Region } from '../model/primitives';
import { addDays, isoWeekOf, mondayOf } from './iso-week';
import { peopleNeedingBookings, recommend, type Recommendation } from './recommend';
import type { StaffingPolicy } from './staffing-policy';
import type { StaffingRequest } from './staffing-request';

/** The systems a recommendation reads. */
export interface RecommendationPorts {
  readonly hris: HrisConnector;
  readonly bookings: PsaBookings;
}

/** Where the role is and for whom, resolved from the project. */
export interface RequestContext {
  readonly region: Region;
  readonly clientId?: string;
}

/**
 * Reads what a recommendation needs through the ports, by index and key only, and ranks:
 * candidates, whole, by the role's first skill in each region (the request's region in full, the
 * others only as far as the shortlist when remote work across regions is not allowed, so the region
 * exclusions are counted without reading everyone), beside the utilisation targets; then, side by
 * side, the holiday calendars of their countries and the bookings of the people who pass every
 * constraint that needs no bookings. Bookings are read from the continuity lookback only when the
 * client is known (continuity is not scored otherwise), to the window's end.
 * Two round trips in a row, each as wide as it needs to be.
 */
export async function gatherAndRecommend(
  request: StaffingRequest,
  context: RequestContext,
  ports: RecommendationPorts,
  policy: StaffingPolicy,
): Promise<Recommendation> {
  const line = request.roleLine;
  const [skill] = line.skills;
  const acrossRegions =
    (request.remoteAllowed ?? policy.allowRemoteAcrossRegions) || request.relaxed.includes('region');
  const [pools, targets] = await Promise.all([
    Promise.all(
      Region.options.map((region) =>
        ports.hris.findCandidates({
          skill,
          region,
          minProficiency: 1,
          limit: region === context.region || acrossRegions ? policy.candidatePoolPerRegion : policy.shortlistSize,
        }),
      ),
    ),
    ports.bookings.utilisationTargets(),
  ]);
  const people = pools.flat();
  const base = { request, region: context.region, clientId: context.clientId, people, targets, policy };
  const readBookingsOf = peopleNeedingBookings(base, people).map((person) => person.personId);
  const firstWeek = mondayOf(isoWeekOf(line.startDate));
  const fromWeek = isoWeekOf(context.clientId ? addDays(firstWeek, -7 * policy.continuityLookbackWeeks) : firstWeek);
  const [holidays, loads] = await Promise.all([
    ports.hris.getHolidays([...new Set(people.map((person) => person.country))]),
    readBookingsOf.length === 0 ? new Map() : ports.bookings.loads(readBookingsOf, fromWeek, isoWeekOf(line.endDate)),
  ]);
  return recommend({ ...base, holidays, loads });
}
