import type { HrisConnector } from '../connectors/hris/hris-connector';
import type { PsaBookings } from '../connectors/psa/psa-bookings';
import { Region } from '../model/primitives';
import { addDays, isoWeekOf, mondayOf } from './iso-week';
import { needsBookings, recommend, type Recommendation } from './recommend';
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
 * candidates by the role's first skill in each region (the request's region in full, the others
 * only as far as the shortlist when remote work across regions is not allowed, so the region
 * exclusions are counted without reading everyone); their profiles and holiday calendars in
 * batches; then bookings from the continuity lookback to the window's end, only for the people
 * who pass every constraint that needs no bookings.
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
  const pools = await Promise.all(
    Region.options.map((region) =>
      ports.hris.findCandidates({
        skill,
        region,
        minProficiency: 1,
        limit: region === context.region || acrossRegions ? policy.candidatePoolPerRegion : policy.shortlistSize,
      }),
    ),
  );
  const [people, targets] = await Promise.all([
    ports.hris.getPeople(pools.flat()),
    ports.bookings.utilisationTargets(),
  ]);
  const holidays = await ports.hris.getHolidays([...new Set(people.map((person) => person.country))]);
  const base = { request, region: context.region, clientId: context.clientId, people, holidays, targets, policy };
  const readBookingsOf = people.filter((person) => needsBookings(base, person)).map((person) => person.personId);
  const fromWeek = isoWeekOf(addDays(mondayOf(isoWeekOf(line.startDate)), -7 * policy.continuityLookbackWeeks));
  const loads =
    readBookingsOf.length === 0
      ? new Map()
      : await ports.bookings.loads(readBookingsOf, fromWeek, isoWeekOf(line.endDate));
  return recommend({ ...base, loads });
}
