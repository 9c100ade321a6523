import type { PersonRecord } from '../connectors/hris/hris-connector';
import {
  clientWeeksOfLoads,
  type ClientWeek,
  type PersonWeekLoad,
  type UtilisationTargets,
  type WeekHours,
} from '../connectors/psa/psa-bookings';
import type { Region } from '../model/primitives';
import { addDays, isoWeekOf, mondayOf } from './iso-week';
import { FACTORS, type Factor, type StaffingPolicy } from './staffing-policy';
import { hoursPerWeekOf, weeklyNeed, type StaffingRequest } from './staffing-request';

/** The hard constraints, in the order they are checked; a candidate is excluded by the first it fails. */
export const CONSTRAINTS = ['region', 'skills', 'certification', 'leave', 'capacity'] as const;
/** One of {@link CONSTRAINTS}. */
export type Constraint = (typeof CONSTRAINTS)[number];

/** One factor of a candidate's score, with the sentence that explains it. */
export interface FactorScore {
  /** 0 to 1. */
  readonly score: number;
  readonly weight: number;
  /** `score × weight`, what the factor adds to the total. */
  readonly contribution: number;
  readonly explanation: string;
}

/** A candidate who passed every hard constraint, with a score broken down by factor. */
export interface RankedCandidate {
  readonly rank: number;
  readonly personId: string;
  readonly name: string;
  readonly grade: string;
  readonly region: Region;
  readonly employmentType: 'employee' | 'contractor';
  readonly deliveryLead: string;
  readonly score: number;
  /** Share of the requested hours the person is free for, 0 to 1. */
  readonly coverage: number;
  /** Hours the person is free for, by week, up to what is needed. */
  readonly availableByWeek: Readonly<Record<string, number>>;
  readonly factors: Readonly<Record<Factor, FactorScore>>;
  /** `margin-below-floor` when their cost leaves less than the policy's floor. */
  readonly flags: readonly string[];
}

/** A person left out, and why. */
export interface Exclusion {
  readonly personId: string;
  readonly name: string;
  readonly constraint: Constraint;
  readonly reason: string;
}

/** Hours per week for one person in a proposal. */
export interface Allocation {
  readonly personId: string;
  readonly name: string;
  readonly deliveryLead: string;
  readonly weeks: Readonly<Record<string, number>>;
  readonly hours: number;
}

/** What the engine proposes: one person, a split between two, or nobody. */
export interface Proposal {
  readonly kind: 'single' | 'split' | 'none';
  readonly allocations: readonly Allocation[];
  readonly flags: readonly string[];
  readonly reason: string;
}

/** A recommendation for one request: ranked candidates, exclusions with counts, and a proposal. */
export interface Recommendation {
  readonly requestId: string;
  readonly policyVersion: number;
  readonly region: Region;
  readonly hoursPerWeek: number;
  readonly need: Readonly<Record<string, number>>;
  readonly considered: number;
  readonly candidates: readonly RankedCandidate[];
  readonly excludedCounts: Readonly<Record<Constraint, number>>;
  /** A few examples per constraint, so a reader sees who and why. */
  readonly exclusions: readonly Exclusion[];
  readonly proposal: Proposal;
}

/** What the engine reads, gathered through the ports beforehand. */
export interface RecommendationInput {
  readonly request: StaffingRequest;
  readonly region: Region;
  readonly clientId?: string;
  /** The candidate pool from the skill index. */
  readonly people: readonly PersonRecord[];
  readonly holidays: ReadonlyMap<string, readonly string[]>;
  /**
   * Each person's bookings from the lookback start to the window's end, for capacity unless
   * `booked` is given, and for continuity unless `clientWeeks` is given.
   */
  readonly loads: ReadonlyMap<string, readonly PersonWeekLoad[]>;
  /**
   * Each person's booked hours in the window, when they are read apart from the bookings (the hot
   * path reads the hours and the client's weeks, never the bookings whole).
   */
  readonly booked?: ReadonlyMap<string, readonly WeekHours[]>;
  /** The weeks from the lookback start to the window's end each person worked for the client, when read apart from the bookings. */
  readonly clientWeeks?: ReadonlyMap<string, readonly ClientWeek[]>;
  readonly targets: UtilisationTargets;
  readonly policy: StaffingPolicy;
}

const EXAMPLES_PER_CONSTRAINT = 3;

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function hours(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function money(amountMinor: number, currency: string): string {
  return `${(amountMinor / 100).toFixed(2)} ${currency}`;
}

/** `2027-02-01..05` for a range in one month, `2027-01-29..2027-02-02` across months. */
function dateRange(start: string, end: string): string {
  if (start === end) return start;
  return start.slice(0, 8) === end.slice(0, 8) ? `${start}..${end.slice(8)}` : `${start}..${end}`;
}

/**
 * What every person in the pool is measured against, worked out once per request rather than
 * once per person: the date arithmetic dominated the engine's time when it ran per person.
 */
interface RequestWindow {
  readonly need: Record<string, number>;
  /** The needed ISO weeks, in order. */
  readonly weeks: readonly string[];
  readonly totalNeed: number;
  /** Monday to Friday of each needed week: capacity counts whole weeks, as the PSA books them. */
  readonly fullWeeks: readonly (readonly string[])[];
  /** The window's weekdays, against which leave is counted. */
  readonly weekdays: readonly string[];
  /** The role line's hours per full week. */
  readonly perWeek: number;
  /** The first ISO week of the continuity lookback. */
  readonly lookbackWeek: string;
}

/** One request's window and the holiday calendars as sets, shared by every person in the pool. */
interface EngineContext {
  readonly input: RecommendationInput;
  readonly window: RequestWindow;
  readonly holidays: Map<string, ReadonlySet<string>>;
}

function requestWindow(request: StaffingRequest, policy: StaffingPolicy): RequestWindow {
  const need = weeklyNeed(request.roleLine);
  const weeks = Object.keys(need).sort();
  const { startDate, endDate } = request.roleLine;
  return {
    need,
    weeks,
    totalNeed: weeks.reduce((sum, week) => sum + need[week], 0),
    fullWeeks: weeks.map((week) => {
      const monday = mondayOf(week);
      return [0, 1, 2, 3, 4].map((offset) => addDays(monday, offset));
    }),
    weekdays: daysBetween(startDate, endDate).filter(isWeekday),
    perWeek: hoursPerWeekOf(request.roleLine),
    lookbackWeek: isoWeekOf(addDays(mondayOf(weeks[0] ?? '2000-W01'), -7 * policy.continuityLookbackWeeks)),
  };
}

/**
 * The last window worked out: gathering asks the engine up to three times about one request
 * (whose bookings to read, whose lookback to read, the ranking), and the window's date arithmetic
 * is worth doing once. Keyed on identity; requests and policies are not changed once parsed.
 */
let lastWindow: { request: StaffingRequest; policy: StaffingPolicy; window: RequestWindow } | undefined;

function engineContext(input: RecommendationInput): EngineContext {
  if (lastWindow?.request !== input.request || lastWindow.policy !== input.policy)
    lastWindow = { request: input.request, policy: input.policy, window: requestWindow(input.request, input.policy) };
  return { input, window: lastWindow.window, holidays: new Map() };
}

function holidaysOf(context: EngineContext, country: string): ReadonlySet<string> {
  let days = context.holidays.get(country);
  if (!days) {
    days = new Set(context.input.holidays.get(country) ?? []);
    context.holidays.set(country, days);
  }
  return days;
}

/** Ranks the people in the pool for a request and proposes who to book. Pure and deterministic. */
export function recommend(input: RecommendationInput): Recommendation {
  const { request, policy } = input;
  const context = engineContext(input);
  const { need } = context.window;
  const excluded: Exclusion[] = [];
  const eligible: Unranked[] = [];
  const seen = new Set<string>();
  for (const person of [...input.people].sort((left, right) => left.personId.localeCompare(right.personId))) {
    if (seen.has(person.personId)) continue;
    seen.add(person.personId);
    const checked = hardConstraint(context, person);
    if ('exclusion' in checked) excluded.push(checked.exclusion);
    else eligible.push(score(context, person, checked.fit));
  }
  const ranked = eligible.sort(byRank).map((candidate, index) => ({ ...candidate, rank: index + 1 }));
  const count = (constraint: Constraint): number => excluded.filter((entry) => entry.constraint === constraint).length;
  const excludedCounts: Record<Constraint, number> = {
    region: count('region'),
    skills: count('skills'),
    certification: count('certification'),
    leave: count('leave'),
    capacity: count('capacity'),
  };
  return {
    requestId: request.requestId,
    policyVersion: policy.version,
    region: input.region,
    hoursPerWeek: context.window.perWeek,
    need,
    considered: seen.size,
    candidates: ranked.slice(0, listed(policy)),
    excludedCounts,
    exclusions: CONSTRAINTS.flatMap((constraint) =>
      excluded.filter((entry) => entry.constraint === constraint).slice(0, EXAMPLES_PER_CONSTRAINT),
    ),
    proposal: propose(ranked, need, policy),
  };
}

type Unranked = Omit<RankedCandidate, 'rank'>;

/**
 * The ranking order: above the margin floor first, then those free for every hour, then by
 * score, skill fit and id (so no two people tie).
 */
function byRank(left: Unranked, right: Unranked): number {
  return (
    Number(left.flags.includes('margin-below-floor')) - Number(right.flags.includes('margin-below-floor')) ||
    Number(right.coverage >= 1) - Number(left.coverage >= 1) ||
    right.score - left.score ||
    right.factors.skillFit.score - left.factors.skillFit.score ||
    left.personId.localeCompare(right.personId)
  );
}

/** How many ranked candidates a recommendation lists (the split is proposed from among them too). */
function listed(policy: StaffingPolicy): number {
  return Math.max(policy.shortlistSize, policy.split.poolSize);
}

/**
 * The people who pass the constraints that need no bookings (region, skills, certification,
 * leave), so bookings are read only for them. Holidays are not needed: they only lower capacity,
 * and capacity is what the bookings decide.
 */
export function peopleNeedingBookings(
  input: Omit<RecommendationInput, 'loads' | 'holidays'>,
  people: readonly PersonRecord[],
): PersonRecord[] {
  const context = engineContext({ ...input, holidays: new Map(), loads: new Map() });
  return people.filter((person) => {
    const checked = hardConstraint(context, person);
    return !('exclusion' in checked) || checked.exclusion.constraint === 'capacity';
  });
}

interface Availability {
  readonly availableByWeek: Record<string, number>;
  readonly coverage: number;
  readonly leaveDays: readonly string[];
  readonly bookedHours: number;
  readonly capacityHours: number;
}

/**
 * A person's free hours in each needed week: their full-week capacity (contracted hours less
 * public holidays and leave, Monday to Friday) less what is booked.
 */
function availability(context: EngineContext, person: PersonRecord): Availability {
  const { input, window } = context;
  const holidays = holidaysOf(context, person.country);
  const leave = input.request.relaxed.includes('leave') ? [] : person.leave;
  const booked = new Map(
    ((input.booked ?? input.loads).get(person.personId) ?? []).map((load) => [load.week, load.bookedHours]),
  );
  const availableByWeek: Record<string, number> = {};
  let covered = 0;
  let bookedHours = 0;
  let capacityHours = 0;
  window.weeks.forEach((week, index) => {
    let working = 0;
    for (const day of window.fullWeeks[index])
      if (!holidays.has(day) && !leave.some((entry) => entry.startDate <= day && day <= entry.endDate)) working += 1;
    const capacity = Math.round(((person.hoursPerWeek * working) / 5) * 100) / 100;
    const taken = booked.get(week) ?? 0;
    availableByWeek[week] = Math.min(Math.max(0, capacity - taken), window.need[week]);
    covered += availableByWeek[week];
    bookedHours += taken;
    capacityHours += capacity;
  });
  const leaveDays = person.leave.flatMap((entry) => {
    // The same 400-day horizon as daysBetween, so a runaway entry cannot count without end.
    const last = addDays(entry.startDate, DAY_HORIZON - 1);
    return window.weekdays.filter((day) => day >= entry.startDate && day <= entry.endDate && day <= last);
  });
  return {
    availableByWeek,
    coverage: window.totalNeed > 0 ? covered / window.totalNeed : 0,
    leaveDays,
    bookedHours,
    capacityHours,
  };
}

/** The longest run of days a date range is expanded to. */
const DAY_HORIZON = 400;

function daysBetween(start: string, end: string): string[] {
  const days: string[] = [];
  for (let day = start; day <= end && days.length < DAY_HORIZON; day = addDays(day, 1)) days.push(day);
  return days;
}

function isWeekday(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00.000Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

function minimumFor(request: StaffingRequest, policy: StaffingPolicy, skill: string): number {
  const minimum = request.minimumProficiency[skill] ?? policy.minimumProficiency;
  return request.relaxed.includes('proficiency') ? Math.max(1, minimum - 1) : minimum;
}

/** The first hard constraint a person fails, or their availability when they pass every one. */
function hardConstraint(
  context: EngineContext,
  person: PersonRecord,
): { readonly exclusion: Exclusion } | { readonly fit: Availability } {
  const { request, policy } = context.input;
  const exclude = (constraint: Constraint, reason: string): { exclusion: Exclusion } => ({
    exclusion: { personId: person.personId, name: person.name, constraint, reason },
  });
  const remoteAllowed = request.remoteAllowed ?? policy.allowRemoteAcrossRegions;
  if (person.region !== context.input.region && !request.relaxed.includes('region')) {
    if (!remoteAllowed) return exclude('region', `works in ${person.region}; the role is in ${context.input.region}`);
    if (!person.remoteOk) return exclude('region', `works in ${person.region} and does not work remotely`);
  }
  for (const skill of request.roleLine.skills) {
    const has = person.skills.find((entry) => entry.skill === skill);
    const minimum = minimumFor(request, policy, skill);
    if (!has) return exclude('skills', `has no ${skill}`);
    if (has.proficiency < minimum)
      return exclude('skills', `${skill} ${has.proficiency}/5, below the minimum ${minimum}`);
  }
  if (!request.relaxed.includes('certification'))
    for (const certification of request.requiredCertifications)
      if (!person.certifications.includes(certification)) return exclude('certification', `has no ${certification}`);
  const { startDate, endDate } = request.roleLine;
  const fit = availability(context, person);
  const windowDays = context.window.weekdays.length;
  if (
    !request.relaxed.includes('leave') &&
    windowDays > 0 &&
    fit.leaveDays.length / windowDays > policy.leave.maxShareOfWindow
  )
    return exclude(
      'leave',
      `on leave ${fit.leaveDays.length} of ${windowDays} working days of the window (${leaveSummary(person, startDate, endDate)})`,
    );
  if (fit.coverage < policy.capacity.minimumCoverage)
    return exclude(
      'capacity',
      `free for ${percent(fit.coverage)} of the requested hours (booked ${hours(fit.bookedHours)} of ${hours(fit.capacityHours)} h in the window)`,
    );
  return { fit };
}

function leaveSummary(person: PersonRecord, startDate: string, endDate: string): string {
  return person.leave
    .filter((entry) => entry.endDate >= startDate && entry.startDate <= endDate)
    .map((entry) => `on leave ${dateRange(entry.startDate, entry.endDate)}`)
    .join('; ');
}

function toEur(policy: StaffingPolicy, amountMinor: number, currency: string): number | undefined {
  const rate = policy.referenceRates[currency];
  return rate === undefined ? undefined : (amountMinor / 100) * rate;
}

/**
 * The person's earliest week of work for the client inside the lookback, on another project than
 * the request's; the booking id breaks a tie, so the answer does not depend on the order read.
 */
function firstClientWork(context: EngineContext, personId: string, clientId: string): ClientWeek | undefined {
  const { input, window } = context;
  const worked = input.clientWeeks
    ? (input.clientWeeks.get(personId) ?? [])
    : (clientWeeksOfLoads(new Map([[personId, input.loads.get(personId) ?? []]]), clientId).get(personId) ?? []);
  let first: ClientWeek | undefined;
  for (const entry of worked)
    if (
      entry.week >= window.lookbackWeek &&
      entry.projectId !== input.request.projectId &&
      (!first ||
        entry.week < first.week ||
        (entry.week === first.week && entry.bookingId.localeCompare(first.bookingId) < 0))
    )
      first = entry;
  return first;
}

/** A candidate's score. */
function score(context: EngineContext, person: PersonRecord, fit: Availability): Unranked {
  const { input } = context;
  const { request, policy } = input;
  const { need, weeks } = context.window;
  const line = request.roleLine;
  const flags: string[] = [];

  const skillLevels = line.skills.map((skill) => ({
    skill,
    proficiency: person.skills.find((entry) => entry.skill === skill)?.proficiency ?? 0,
  }));
  const skillFit = skillLevels.reduce((sum, entry) => sum + entry.proficiency / 5, 0) / Math.max(1, skillLevels.length);
  const skillText = `${skillLevels.map((entry) => `${entry.skill} ${entry.proficiency}/5`).join(', ')} (minimum ${line.skills.map((skill) => minimumFor(request, policy, skill)).join('/')})`;

  const { perWeek } = context.window;
  const freeAverage =
    weeks.length > 0 ? weeks.reduce((sum, week) => sum + fit.availableByWeek[week], 0) / weeks.length : 0;
  const short = weeks.filter((week) => fit.availableByWeek[week] < need[week]);
  const leaveText = leaveSummary(person, line.startDate, line.endDate);
  const availabilityText = [
    `available ${hours(round(freeAverage, 1))} of ${hours(perWeek)} h/week from ${line.startDate}`,
    ...(short.length > 0
      ? [
          `short in ${short.length} week(s) from ${short[0]} (${hours(fit.availableByWeek[short[0]])} of ${hours(need[short[0]])} h)`,
        ]
      : []),
    ...(leaveText ? [leaveText] : []),
  ].join('; ');

  const target = input.targets[person.grade];
  const utilisation = fit.capacityHours > 0 ? fit.bookedHours / fit.capacityHours : 1;
  const utilisationScore =
    target === undefined || target <= 0
      ? 0.5
      : utilisation <= target
        ? 0.5 + (0.5 * (target - utilisation)) / target
        : Math.max(0, 0.5 - (0.5 * (utilisation - target)) / Math.max(1e-9, 1 - target));
  const utilisationText =
    target === undefined
      ? `booked ${percent(utilisation)} of capacity in the window; no target for grade ${person.grade}`
      : `booked ${percent(utilisation)} of capacity in the window against the ${person.grade} target of ${percent(target)} (${utilisation < target ? 'below' : utilisation > target ? 'above' : 'at'} target)`;

  const bill = toEur(policy, line.rate.amountMinor, line.rate.currency);
  const cost = toEur(policy, person.costRateMinor, person.currency);
  let marginScore = 0;
  let marginText: string;
  if (bill === undefined || cost === undefined || bill <= 0) {
    flags.push('margin-unknown');
    marginText = `margin unknown: no reference rate for ${bill === undefined ? line.rate.currency : person.currency}`;
  } else {
    const margin = (bill - cost) / bill;
    marginScore = Math.min(1, Math.max(0, margin / policy.marginTarget));
    const below = margin < policy.marginFloor;
    if (below) flags.push('margin-below-floor');
    marginText = `margin ${percent(margin)}: bill ${money(line.rate.amountMinor, line.rate.currency)}/h against cost ${money(person.costRateMinor, person.currency)}/h (floor ${percent(policy.marginFloor)}${below ? ', BELOW THE FLOOR' : ''})`;
  }

  const clientWork = input.clientId ? firstClientWork(context, person.personId, input.clientId) : undefined;
  const continuity = clientWork ? 1 : 0;
  const continuityText = !input.clientId
    ? 'client unknown; continuity not scored'
    : clientWork
      ? `worked for this client in the last ${policy.continuityLookbackWeeks} weeks (project ${clientWork.projectId})`
      : `no work for this client in the last ${policy.continuityLookbackWeeks} weeks`;

  const { workdayStartHour, workdayEndHour } = policy.timeZone;
  const day = workdayEndHour - workdayStartHour;
  let timeZone = 1;
  let timeZoneText = 'no time-zone preference';
  if (request.preferredUtcOffsetHours !== undefined) {
    const personStart = workdayStartHour - person.utcOffsetHours;
    const clientStart = workdayStartHour - request.preferredUtcOffsetHours;
    const overlap = Math.max(0, Math.min(personStart + day, clientStart + day) - Math.max(personStart, clientStart));
    timeZone = overlap / day;
    timeZoneText = `${hours(overlap)} of ${hours(day)} working hours overlap (${person.timeZone}, UTC${signed(person.utcOffsetHours)}, with UTC${signed(request.preferredUtcOffsetHours)})`;
  }

  const raw: Record<Factor, { score: number; explanation: string }> = {
    skillFit: { score: skillFit, explanation: skillText },
    availability: { score: fit.coverage, explanation: availabilityText },
    utilisation: { score: utilisationScore, explanation: utilisationText },
    margin: { score: marginScore, explanation: marginText },
    continuity: { score: continuity, explanation: continuityText },
    timeZone: { score: timeZone, explanation: timeZoneText },
  };
  const factorScore = (factor: Factor): FactorScore => {
    const weight = policy.weights[factor];
    const value = round(raw[factor].score);
    return { score: value, weight, contribution: round(value * weight), explanation: raw[factor].explanation };
  };
  const factors: Record<Factor, FactorScore> = {
    skillFit: factorScore('skillFit'),
    availability: factorScore('availability'),
    utilisation: factorScore('utilisation'),
    margin: factorScore('margin'),
    continuity: factorScore('continuity'),
    timeZone: factorScore('timeZone'),
  };
  return {
    personId: person.personId,
    name: person.name,
    grade: person.grade,
    region: person.region,
    employmentType: person.employmentType,
    deliveryLead: person.deliveryLead,
    score: round(FACTORS.reduce((sum, factor) => sum + factors[factor].contribution, 0)),
    coverage: round(fit.coverage),
    availableByWeek: fit.availableByWeek,
    factors,
    flags,
  };
}

function signed(offset: number): string {
  return offset >= 0 ? `+${offset}` : String(offset);
}

function allocation(candidate: RankedCandidate, weeks: Record<string, number>): Allocation {
  const kept = Object.fromEntries(Object.entries(weeks).filter(([, value]) => value > 0));
  return {
    personId: candidate.personId,
    name: candidate.name,
    deliveryLead: candidate.deliveryLead,
    weeks: kept,
    hours: round(
      Object.values(kept).reduce((sum, value) => sum + value, 0),
      2,
    ),
  };
}

function propose(ranked: readonly RankedCandidate[], need: Record<string, number>, policy: StaffingPolicy): Proposal {
  const full = ranked.find((candidate) => candidate.coverage >= 1);
  if (full)
    return {
      kind: 'single',
      allocations: [allocation(full, { ...need })],
      flags: full.flags,
      reason: `${full.name} is free for every requested hour and ranks first (score ${full.score})`,
    };
  const pool = ranked.slice(0, policy.split.poolSize);
  const weeks = Object.keys(need).sort();
  let best:
    | { first: RankedCandidate; second: RankedCandidate; split: [Record<string, number>, Record<string, number>] }
    | undefined;
  for (const [index, first] of pool.entries()) {
    for (const second of pool.slice(index + 1)) {
      const firstWeeks: Record<string, number> = {};
      const secondWeeks: Record<string, number> = {};
      let covered = true;
      for (const week of weeks) {
        firstWeeks[week] = first.availableByWeek[week] ?? 0;
        secondWeeks[week] = Math.min(second.availableByWeek[week] ?? 0, need[week] - firstWeeks[week]);
        if (firstWeeks[week] + secondWeeks[week] < need[week]) covered = false;
      }
      // Pairs come in rank order, so the first pair that covers every week is the best-ranked one.
      if (covered) {
        best = { first, second, split: [firstWeeks, secondWeeks] };
        break;
      }
    }
    if (best) break;
  }
  if (best) {
    const flags = [...new Set([...best.first.flags, ...best.second.flags])];
    return {
      kind: 'split',
      allocations: [allocation(best.first, best.split[0]), allocation(best.second, best.split[1])],
      flags,
      reason: `nobody is free for every requested hour; ${best.first.name} (${percent(best.first.coverage)}) and ${best.second.name} together cover them`,
    };
  }
  return {
    kind: 'none',
    allocations: [],
    flags: [],
    reason:
      ranked.length === 0
        ? 'nobody passes the hard constraints'
        : `nobody, alone or with one other, is free for every requested hour (best: ${ranked[0].name}, ${percent(ranked[0].coverage)})`,
  };
}
