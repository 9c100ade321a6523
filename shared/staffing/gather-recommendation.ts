import type { HrisConnector } from '../connectors/hris/hris-connector';
import type { ClientWeek, PsaBookings, WeekHours } from '../connectors/psa/psa-bookings';
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
 * Reads what a recommendation needs through the ports, by index and key only, and ranks. Two
 * round trips: first the candidates, whole, by the role's first skill in each region (the
 * request's region in full, the others only as far as the shortlist when remote work across
 * regions is not allowed, so the region exclusions are counted without reading everyone), beside
 * the utilisation targets; then, side by side, the holiday calendars of their countries and, of
 * the people who pass every constraint that needs no bookings, the window's booked hours and,
 * when the client is known (continuity is not scored otherwise), the weeks they worked for it
 * from the lookback's start to the window's end. The bookings themselves are never read whole.
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
  const { clientId } = context;
  const base = { request, region: context.region, clientId, people, targets, policy };
  const readBookingsOf = peopleNeedingBookings(base, people).map((person) => person.personId);
  const firstWeek = mondayOf(isoWeekOf(line.startDate));
  const lastWeek = isoWeekOf(line.endDate);
  const lookbackWeek = isoWeekOf(addDays(firstWeek, -7 * policy.continuityLookbackWeeks));
  const [holidays, booked, clientWeeks] = await Promise.all([
    ports.hris.getHolidays([...new Set(people.map((person) => person.country))]),
    readBookingsOf.length === 0
      ? new Map<string, WeekHours[]>()
      : ports.bookings.bookedHours(readBookingsOf, isoWeekOf(firstWeek), lastWeek),
    readBookingsOf.length === 0 || clientId === undefined
      ? new Map<string, ClientWeek[]>()
      : ports.bookings.clientWeeks(readBookingsOf, clientId, lookbackWeek, lastWeek),
  ]);
  return recommend({ ...base, holidays, booked, clientWeeks, loads: new Map() });
}
