import * as z from 'zod';
import { PermanentConnectorError } from '../connectors/connector-errors';
import type { CrmConnector } from '../connectors/crm/crm-connector';
import type { HrisConnector } from '../connectors/hris/hris-connector';
import type { PsaBookings } from '../connectors/psa/psa-bookings';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import { Region } from '../model/primitives';
import { capacityByWeek } from './capacity';
import { gatherAndRecommend } from './gather-recommendation';
import { isoDate } from './iso-week';
import { CONSTRAINTS, type Recommendation } from './recommend';
import type { StaffingRequestStore } from './staffing-request-store';
import type { StaffingPolicy } from './staffing-policy';
import { requestProblems, StaffingRequest, weeklyNeed } from './staffing-request';
import type {
  Assigned,
  HoldsPlaced,
  PreparedRequest,
  Recommended,
  StaffingApprovedState,
  StaffingClosingState,
  StaffingInput,
  StaffingPreparedState,
  StaffingRecommendedState,
} from './staffing-state';

/** The connector name in staffing's own errors, so the exception queue hands them to the staffing manager. */
const STAFFING = 'staffing';

/** The shape of a `Resource Requested` detail, read loosely so a bad one is held with its reasons. */
const ResourceRequestedLoose = z.object({
  projectId: z.object({ system: z.string(), id: z.string() }).optional(),
  roleLine: z.unknown(),
  requestedAt: z.string().optional(),
  requestedBy: z.string().optional(),
});

/** What preparing a request reads. */
export interface PrepareDependencies {
  readonly hris: HrisConnector;
  readonly bookings: PsaBookings;
  readonly crm: CrmConnector;
  readonly store: StaffingRequestStore;
  readonly now: () => Date;
}

function issues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
}

/**
 * Turns a `Resource Requested` event or an ad-hoc request into a staffing request, finds its
 * project, client and region, and checks it. A request with problems is recorded as held, with
 * every problem named, and the step fails so that the staffing manager gets an exception to
 * correct and retry (or abort); it is never dropped.
 */
export async function prepareStaffingRequest(
  input: StaffingInput,
  deps: PrepareDependencies,
): Promise<PreparedRequest> {
  const now = deps.now();
  let raw: unknown = input.request;
  if (raw === undefined) {
    const detail = ResourceRequestedLoose.safeParse(input.detail);
    const lineId = detail.success ? z.object({ lineId: z.string() }).safeParse(detail.data.roleLine) : undefined;
    raw = {
      requestId: `${detail.data?.projectId?.id ?? 'unknown-project'}:${lineId?.success ? lineId.data.lineId : 'unknown-line'}`,
      projectId: detail.data?.projectId?.id,
      roleLine: detail.data?.roleLine,
      requestedBy: detail.data?.requestedBy ?? input.requestedBy ?? 'project-activation',
      requestedAt: detail.data?.requestedAt ?? now.toISOString(),
    };
  }
  const parsed = StaffingRequest.safeParse(raw);
  const requestId =
    z.object({ requestId: z.string().min(1).max(200) }).safeParse(raw).data?.requestId ??
    `unidentified-${now.getTime()}`;
  // What can be read of a request with problems, so that operators listing held requests see whose and what it is.
  const known = z
    .object({ projectId: z.string().min(1).optional(), roleLine: z.object({ role: z.string().min(1).optional() }) })
    .partial()
    .safeParse(raw).data;
  const hold = async (problems: string[]): Promise<never> => {
    await deps.store.save(
      requestId,
      'held',
      {
        problems,
        input: JSON.stringify(raw ?? null).slice(0, 20_000),
        ...(known?.projectId ? { projectId: known.projectId } : {}),
        ...(known?.roleLine?.role ? { role: known.roleLine.role } : {}),
      },
      now,
    );
    throw new PermanentConnectorError(STAFFING, 'prepareRequest', `request ${requestId} held: ${problems.join('; ')}`);
  };
  if (!parsed.success) return hold(issues(parsed.error));
  const request = parsed.data;
  const [project, skills] = await Promise.all([deps.bookings.findProject(request.projectId), deps.hris.knownSkills()]);
  const problems = requestProblems(request, skills, project, isoDate(now));
  const accountId = project?.clientId.replace(/^[a-z]+:/, '');
  const account = request.region === undefined && accountId ? await deps.crm.getAccount(accountId) : undefined;
  const region = request.region ?? Region.safeParse(account?.region).data;
  if (!region && project)
    problems.push(`region: the project's client ${project.clientId} has no region; name one in the request`);
  if (problems.length > 0 || !region || !project) return hold(problems);
  const amountMinor = Math.round(Math.max(0, request.roleLine.hours) * request.roleLine.rate.amountMinor);
  await deps.store.save(
    request.requestId,
    'recommended',
    { projectId: request.projectId, role: request.roleLine.role, request, requestedBy: request.requestedBy },
    now,
  );
  return {
    request,
    region,
    clientId: project.clientId,
    projectName: project.name,
    amount: { amountMinor, currency: request.roleLine.rate.currency },
    requestedBy: request.requestedBy,
  };
}

/** What recommending reads and writes. */
export interface RecommendDependencies {
  readonly hris: HrisConnector;
  readonly bookings: PsaBookings;
  readonly store: StaffingRequestStore;
  readonly events: EventPublisher;
  readonly policy: StaffingPolicy;
  readonly now: () => Date;
}

/** The ranked list as approvers read it: one line per candidate, with the proposal and exclusions. */
export function approvalReasons(recommendation: Recommendation): string[] {
  const counts = CONSTRAINTS.map((constraint) => `${constraint} ${recommendation.excludedCounts[constraint]}`).join(
    ', ',
  );
  return [
    `Proposal (${recommendation.proposal.kind}): ${recommendation.proposal.reason}`,
    ...recommendation.proposal.flags.map((flag) => `FLAG ${flag}: check before approving`),
    ...recommendation.candidates.map(
      (candidate) =>
        `${candidate.rank}. ${candidate.name} (${candidate.personId}, ${candidate.grade}, ${candidate.region}) score ${candidate.score}${candidate.flags.length > 0 ? ` [${candidate.flags.join(', ')}]` : ''}: ${Object.values(
          candidate.factors,
        )
          .map((factor) => factor.explanation)
          .join('; ')}`,
    ),
    `Excluded of ${recommendation.considered} considered: ${counts}`,
    'To pick another candidate, approve with the comment "pick <personId>"; to ask for a subcontractor, reject with a comment that says "subcontractor".',
  ];
}

/**
 * Ranks candidates and records the whole recommendation. When nobody fits, announces
 * `Staffing Request Unfilled` and fails the step so the staffing manager gets an exception with
 * three ways out: retry with a constraint relaxed, or skip with `{"resolution":"subcontractor"}`
 * or `{"resolution":"requisition"}`.
 */
export async function recommendCandidates(
  state: StaffingPreparedState,
  deps: RecommendDependencies,
): Promise<Recommended> {
  const { prepared } = state;
  const { request } = prepared;
  const now = deps.now();
  const recommendation = await gatherAndRecommend(
    request,
    { region: prepared.region, clientId: prepared.clientId },
    deps,
    deps.policy,
  );
  const unfilled = recommendation.proposal.kind === 'none';
  await deps.store.save(request.requestId, unfilled ? 'unfilled' : 'recommended', { recommendation }, now);
  if (unfilled) {
    await deps.events.publish([
      {
        source: PsflowSource.Workflow,
        detailType: WorkflowDetailType.StaffingRequestUnfilled,
        detail: {
          requestId: request.requestId,
          projectId: request.projectId,
          roleLine: request.roleLine,
          region: prepared.region,
          reason: recommendation.proposal.reason,
          excludedCounts: recommendation.excludedCounts,
          detectedAt: now.toISOString(),
        },
      },
    ]);
    throw new PermanentConnectorError(
      STAFFING,
      'recommend',
      `nobody fits ${request.roleLine.role} for ${request.projectId}: ${recommendation.proposal.reason}; excluded ${CONSTRAINTS.map((c) => `${c} ${recommendation.excludedCounts[c]}`).join(', ')}. ` +
        'Retry with /prepared/request/relaxed set (region, certification, proficiency, leave) to run again, ' +
        'skip with {"resolution":"subcontractor"} to ask procurement for a subcontractor, ' +
        'or skip with {"resolution":"requisition"} to open a hiring requisition',
    );
  }
  return {
    kind: recommendation.proposal.kind,
    allocations: recommendation.proposal.allocations.map((allocation) => ({
      ...allocation,
      weeks: { ...allocation.weeks },
    })),
    flags: [...recommendation.proposal.flags],
    reason: recommendation.proposal.reason,
    shortlist: recommendation.candidates.map((candidate) => ({
      personId: candidate.personId,
      name: candidate.name,
      score: candidate.score,
    })),
    subject: {
      title: `Staff ${request.roleLine.role} on ${prepared.projectName}: ${recommendation.proposal.allocations.map((a) => a.name).join(' + ')}`,
      projectId: { system: 'psflow', id: request.projectId },
      amount: prepared.amount,
      region: prepared.region,
      // The routing table routes staffing approvals by workflow alone; the practice is informational.
      practice: 'staffing',
      reasons: approvalReasons(recommendation).map((line) => line.slice(0, 1000)),
    },
  };
}

/** What booking reads and writes. */
export interface BookingDependencies {
  readonly hris: HrisConnector;
  readonly bookings: PsaBookings;
  readonly store: StaffingRequestStore;
  readonly policy: StaffingPolicy;
  readonly now: () => Date;
}

function bookingIdOf(requestId: string, personId: string): string {
  return `${requestId}#${personId}`;
}

async function capacityOf(
  deps: Pick<BookingDependencies, 'hris'>,
  personId: string,
  startDate: string,
  endDate: string,
): Promise<Record<string, number>> {
  const [person] = await deps.hris.getPeople([personId]);
  if (!person) throw new PermanentConnectorError(STAFFING, 'book', `no person ${personId} in the HRIS`);
  const holidays = await deps.hris.getHolidays([person.country]);
  return capacityByWeek(person, holidays.get(person.country) ?? [], startDate, endDate);
}

/** Soft-books each proposed person with a hold that lapses after the policy's hold period. */
export async function placeSoftHolds(state: StaffingRecommendedState, deps: BookingDependencies): Promise<HoldsPlaced> {
  const { request, clientId } = state.prepared;
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.policy.holdHours * 3_600_000).toISOString();
  const placed: HoldsPlaced['bookings'] = [];
  for (const allocation of state.recommended.allocations) {
    const bookingId = bookingIdOf(request.requestId, allocation.personId);
    const capacity = await capacityOf(deps, allocation.personId, request.roleLine.startDate, request.roleLine.endDate);
    const outcome = await deps.bookings.book(
      {
        bookingId,
        personId: allocation.personId,
        projectId: request.projectId,
        ...(clientId ? { clientId } : {}),
        kind: 'hold',
        weeks: allocation.weeks,
        expiresAt,
      },
      capacity,
    );
    if (outcome.outcome === 'over-capacity') {
      for (const earlier of placed)
        await deps.bookings.release(earlier.bookingId, 'the proposal could not be held whole');
      throw new PermanentConnectorError(
        STAFFING,
        'placeHolds',
        `${allocation.name} is no longer free in ${outcome.week} (${outcome.freeHours} h left); another request took the hours first`,
      );
    }
    placed.push({ bookingId, personId: allocation.personId, kind: 'hold' });
  }
  await deps.store.save(request.requestId, 'on-hold', { holds: placed, holdsExpireAt: expiresAt }, now);
  return { bookings: placed, expiresAt };
}

/**
 * After approval and the delivery lead's confirmation: turns the holds into hard bookings, or,
 * when the manager picked another candidate (`pick <personId>` in the approval comment),
 * releases the holds and books that person for the whole request. A hold that lapsed meanwhile
 * is booked afresh, against capacity as it is now.
 */
export async function bookAssignment(
  state: StaffingApprovedState,
  deps: BookingDependencies & { readonly events: EventPublisher },
): Promise<Assigned> {
  const { request, clientId } = state.prepared;
  const now = deps.now();
  const comments = (state.approval?.decisions ?? []).map((decision) => decision.comment ?? '').join(' ');
  const picked = /\bpick\s+([A-Za-z0-9_-]+)/i.exec(comments)?.[1];
  const proposed = state.recommended.allocations;
  const pickedOther = picked !== undefined && !proposed.some((allocation) => allocation.personId === picked);
  if (pickedOther && !state.recommended.shortlist.some((candidate) => candidate.personId === picked))
    throw new PermanentConnectorError(STAFFING, 'book', `the manager picked ${picked}, who is not on the ranked list`);
  const allocations = pickedOther
    ? [{ personId: picked, weeks: weeklyNeed(request.roleLine) }]
    : proposed.map((allocation) => ({ personId: allocation.personId, weeks: allocation.weeks }));
  if (pickedOther)
    for (const hold of state.holds.bookings)
      await deps.bookings.release(hold.bookingId, `the manager picked ${picked}`);
  const booked: Assigned['allocations'] = [];
  for (const allocation of allocations) {
    const bookingId = bookingIdOf(request.requestId, allocation.personId);
    const existing = await deps.bookings.getBooking(bookingId);
    if (existing?.status === 'active') await deps.bookings.confirm(bookingId);
    else {
      const capacity = await capacityOf(
        deps,
        allocation.personId,
        request.roleLine.startDate,
        request.roleLine.endDate,
      );
      // A lapsed or released hold keeps its id; the hard booking gets its own.
      const hardId = existing ? `${bookingId}#hard` : bookingId;
      const outcome = await deps.bookings.book(
        {
          bookingId: hardId,
          personId: allocation.personId,
          projectId: request.projectId,
          ...(clientId ? { clientId } : {}),
          kind: 'hard',
          weeks: allocation.weeks,
        },
        capacity,
      );
      if (outcome.outcome === 'over-capacity')
        throw new PermanentConnectorError(
          STAFFING,
          'book',
          `${allocation.personId} is no longer free in ${outcome.week} (${outcome.freeHours} h left)`,
        );
    }
    booked.push({
      personId: allocation.personId,
      bookingId,
      hours: Object.values(allocation.weeks).reduce((sum, h) => sum + h, 0),
    });
  }
  const assigned: Assigned = { allocations: booked, pickedByManager: pickedOther, assignedAt: now.toISOString() };
  await deps.store.save(request.requestId, 'assigned', { assignment: assigned, outcome: 'assigned' }, now);
  await deps.events.publish([
    {
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.ResourceAssigned,
      detail: {
        requestId: request.requestId,
        projectId: request.projectId,
        lineId: request.roleLine.lineId,
        role: request.roleLine.role,
        assignments: booked.map((entry) => ({
          personId: entry.personId,
          bookingId: entry.bookingId,
          hours: entry.hours,
        })),
        pickedByManager: pickedOther,
        assignedAt: assigned.assignedAt,
        requestedAt: request.requestedAt,
        region: state.prepared.region,
      },
    },
  ]);
  return assigned;
}

/** What closing an unstaffed request does. */
export interface CloseDependencies {
  readonly hris: HrisConnector;
  readonly bookings: PsaBookings;
  readonly store: StaffingRequestStore;
  readonly events: EventPublisher;
  readonly now: () => Date;
}

/**
 * Closes a request that will not be staffed from the firm: the manager asked for a
 * subcontractor (emits `Subcontractor Requested`), the owner of an unfilled request chose one
 * or a hiring requisition, or the approval was rejected. Any holds are released.
 */
export async function closeStaffingRequest(
  state: StaffingClosingState,
  deps: CloseDependencies,
): Promise<{ outcome: 'subcontractor-requested' | 'requisition-opened' | 'rejected'; reference?: string }> {
  const { request, region } = state.prepared;
  const now = deps.now();
  for (const hold of state.holds?.bookings ?? [])
    await deps.bookings.release(hold.bookingId, 'the request closed unstaffed');
  const cause = state.rejection?.Cause ?? '';
  const resolution = state.recommended.resolution ?? (/subcontract/i.test(cause) ? 'subcontractor' : undefined);
  if (resolution === 'subcontractor') {
    await deps.events.publish([
      {
        source: PsflowSource.Workflow,
        detailType: WorkflowDetailType.SubcontractorRequested,
        detail: {
          requestId: request.requestId,
          projectId: { system: 'psflow', id: request.projectId },
          roleLine: request.roleLine,
          region,
          requestedBy: request.requestedBy,
          reason: state.recommended.resolution
            ? `nobody in the firm fits: ${state.recommended.reason ?? 'see the staffing request'}`
            : `the staffing manager asked for a subcontractor: ${cause.slice(0, 1500)}`,
          requestedAt: now.toISOString(),
        },
      },
    ]);
    await deps.store.save(request.requestId, 'subcontractor-requested', { outcome: 'subcontractor-requested' }, now);
    return { outcome: 'subcontractor-requested' };
  }
  if (resolution === 'requisition') {
    const { requisitionId } = await deps.hris.openRequisition(`staffing:${request.requestId}`, {
      requestId: request.requestId,
      role: request.roleLine.role,
      skills: request.roleLine.skills,
      region,
      hoursPerWeek: Math.max(...Object.values(weeklyNeed(request.roleLine)), 0),
      startDate: request.roleLine.startDate,
      requestedBy: request.requestedBy,
    });
    await deps.store.save(
      request.requestId,
      'requisition-opened',
      { outcome: 'requisition-opened', requisitionId },
      now,
    );
    return { outcome: 'requisition-opened', reference: requisitionId };
  }
  await deps.store.save(request.requestId, 'rejected', { outcome: 'rejected', rejection: cause.slice(0, 2000) }, now);
  return { outcome: 'rejected' };
}

/** Releases holds whose expiry passed, oldest first; returns the ids released. */
export async function releaseExpiredHolds(bookings: PsaBookings, now: Date, limit = 100): Promise<string[]> {
  const released: string[] = [];
  for (const hold of await bookings.expiredHolds(now, limit)) {
    await bookings.release(hold.bookingId, `hold lapsed at ${hold.expiresAt ?? 'its expiry'}`);
    released.push(hold.bookingId);
  }
  return released;
}
