import * as z from 'zod';
import { Money, Region } from '../model/primitives';
import { weeksOf } from './iso-week';

/**
 * A role line to staff, as the staffing workflow takes it in. Deliberately looser than the event
 * contract (hours may be zero, dates may be in any order), so that bad input reaches
 * {@link requestProblems} and is held with a reason instead of failing a parse and vanishing.
 */
export const StaffingRoleLine = z.object({
  lineId: z.string().min(1).max(100),
  role: z.string().min(1).max(200),
  skills: z.array(z.string().min(1).max(60)).max(20).default([]),
  /** Total hours over the window. */
  hours: z.number(),
  rate: Money,
  startDate: z.string().min(1).max(40),
  endDate: z.string().min(1).max(40),
});
/** Typed {@link StaffingRoleLine}. */
export type StaffingRoleLine = z.infer<typeof StaffingRoleLine>;

/** The constraints a request can relax when it is run again. */
export const RelaxableConstraint = z.enum(['region', 'certification', 'proficiency', 'leave']);
/** Typed {@link RelaxableConstraint}. */
export type RelaxableConstraint = z.infer<typeof RelaxableConstraint>;

/** What is asked of staffing: one role line of one project. */
export const StaffingRequest = z.object({
  /** Stable per role line (`<projectId>:<lineId>`), so a repeated event is the same request. */
  requestId: z.string().min(1).max(200),
  projectId: z.string().min(1).max(255),
  roleLine: StaffingRoleLine,
  /** Where the work is; the project's region when the trigger does not say. */
  region: Region.optional(),
  /** People outside the region who work remotely are considered. */
  remoteAllowed: z.boolean().optional(),
  requiredCertifications: z.array(z.string().min(1).max(60)).max(10).default([]),
  /** Per-skill minimum proficiency; the policy's minimum for skills not named. */
  minimumProficiency: z.record(z.string(), z.number().int().min(1).max(5)).default({}),
  /** The client's working day, as hours from UTC, for time-zone overlap. */
  preferredUtcOffsetHours: z.number().min(-12).max(14).optional(),
  requestedBy: z.string().min(1).max(200),
  /** Constraints the staffing manager relaxed for a rerun. */
  relaxed: z.array(RelaxableConstraint).default([]),
  requestedAt: z.iso.datetime({ offset: true }),
});
/** Typed {@link StaffingRequest}. */
export type StaffingRequest = z.infer<typeof StaffingRequest>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the project lookup found, for validation and continuity. */
export interface KnownProject {
  readonly clientId: string;
  readonly name: string;
}

/**
 * Everything wrong with a request, each naming the field and the value, so the owner can
 * correct it: unknown skills, hours that are not positive, an end before the start, a window
 * in the past, a project that does not exist.
 */
export function requestProblems(
  request: StaffingRequest,
  knownSkills: ReadonlySet<string>,
  project: KnownProject | undefined,
  today: string,
): string[] {
  const problems: string[] = [];
  const line = request.roleLine;
  if (!project) problems.push(`projectId: no project ${request.projectId} in the PSA`);
  const unknown = line.skills.filter((skill) => !knownSkills.has(skill));
  if (unknown.length > 0)
    problems.push(`roleLine.skills: unknown skill(s) ${unknown.join(', ')}; nobody in the HRIS has them`);
  if (line.skills.length === 0) problems.push('roleLine.skills: a role line needs at least one skill');
  if (!(line.hours > 0)) problems.push(`roleLine.hours: ${line.hours} is not a positive number of hours`);
  const datesValid = DATE.test(line.startDate) && DATE.test(line.endDate);
  if (!DATE.test(line.startDate)) problems.push(`roleLine.startDate: ${line.startDate} is not a date (YYYY-MM-DD)`);
  if (!DATE.test(line.endDate)) problems.push(`roleLine.endDate: ${line.endDate} is not a date (YYYY-MM-DD)`);
  if (datesValid && line.endDate < line.startDate)
    problems.push(`roleLine.endDate: ${line.endDate} is before the start ${line.startDate}`);
  else if (datesValid && line.endDate < today)
    problems.push(`roleLine.endDate: the window ${line.startDate}..${line.endDate} is in the past (today is ${today})`);
  else if (datesValid && workingDays(line.startDate, line.endDate) === 0)
    problems.push(`roleLine: the window ${line.startDate}..${line.endDate} has no working day`);
  return problems;
}

function workingDays(startDate: string, endDate: string): number {
  return weeksOf(startDate, endDate).reduce((sum, week) => sum + week.workingDays.length, 0);
}

/** Rounds hours up to the next half hour. */
function halfHoursUp(hours: number): number {
  return Math.ceil(hours * 2) / 2;
}

/** The hours per full week a role line needs: its total spread evenly over the window's working days. */
export function hoursPerWeekOf(line: StaffingRoleLine): number {
  return halfHoursUp((line.hours * 5) / workingDays(line.startDate, line.endDate));
}

/**
 * The hours a role line needs in each ISO week of its window: the weekly hours, pro rata in a
 * week the window only partly covers.
 */
export function weeklyNeed(line: StaffingRoleLine): Record<string, number> {
  const perWeek = hoursPerWeekOf(line);
  return Object.fromEntries(
    weeksOf(line.startDate, line.endDate)
      .filter((week) => week.workingDays.length > 0)
      .map((week) => [week.week, halfHoursUp((perWeek * week.workingDays.length) / 5)]),
  );
}
