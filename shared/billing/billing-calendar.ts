import type { RegionCalendar } from './billing-policy';

/**
 * Billing periods and their dates in a region's calendar: which days are working days, when a
 * period's check starts and when its cut-off falls, as instants computed in the region's time
 * zone (so a cut-off at 17:00 Berlin is 16:00Z in winter and 15:00Z in summer).
 */

/** A billing period of a region. */
export interface BillingPeriod {
  /** `YYYY-MM`, or `YYYY-MM-H1`/`YYYY-MM-H2` for semi-monthly cycles. */
  readonly period: string;
  /** The month the PSA records are read from. */
  readonly month: string;
  /** First and last calendar day, `YYYY-MM-DD`. */
  readonly start: string;
  readonly end: string;
}

/** A period string that does not fit the region's cycle. */
export class InvalidPeriodError extends Error {
  override readonly name = 'psflow.InvalidPeriod';
}

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const DAY_MS = 86_400_000;

/** Parses a period for the region's cycle; throws {@link InvalidPeriodError} saying what is expected. */
export function parsePeriod(period: string, calendar: RegionCalendar): BillingPeriod {
  const monthly = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  const semi = /^(\d{4})-(0[1-9]|1[0-2])-(H1|H2)$/.exec(period);
  if (calendar.cycle === 'monthly' && monthly) {
    const month = `${monthly[1]}-${monthly[2]}`;
    return { period, month, start: `${month}-01`, end: lastDayOfMonth(month) };
  }
  if (calendar.cycle === 'semi-monthly' && semi) {
    const month = `${semi[1]}-${semi[2]}`;
    return semi[3] === 'H1'
      ? { period, month, start: `${month}-01`, end: `${month}-15` }
      : { period, month, start: `${month}-16`, end: lastDayOfMonth(month) };
  }
  throw new InvalidPeriodError(
    calendar.cycle === 'monthly'
      ? `period ${JSON.stringify(period)} is not a month YYYY-MM (this region bills monthly)`
      : `period ${JSON.stringify(period)} is not a half-month YYYY-MM-H1 or YYYY-MM-H2 (this region bills twice a month)`,
  );
}

/** Whether a date is a working day: one of the calendar's weekdays and not a public holiday. */
export function isWorkingDay(date: string, calendar: RegionCalendar): boolean {
  const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()];
  return calendar.workingDays.includes(weekday) && !calendar.holidays.includes(date);
}

/** The working days from `start` to `end`, both included. */
export function workingDaysBetween(start: string, end: string, calendar: RegionCalendar): string[] {
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) if (isWorkingDay(day, calendar)) days.push(day);
  return days;
}

/** The period's last working day: when its cycle starts. */
export function lastBusinessDay(period: BillingPeriod, calendar: RegionCalendar): string {
  let day = period.end;
  while (!isWorkingDay(day, calendar) && day > period.start) day = addDays(day, -1);
  return day;
}

/** When the cycle of a period starts: the last business day at the run time, local. */
export function runAt(period: BillingPeriod, calendar: RegionCalendar): Date {
  return zonedInstant(lastBusinessDay(period, calendar), calendar.runTime, calendar.timeZone);
}

/** The cut-off: N business days after the period's end (0: its last business day) at the cut-off time, local. */
export function cutOffAt(period: BillingPeriod, calendar: RegionCalendar): Date {
  let day = lastBusinessDay(period, calendar);
  for (let left = calendar.cutOff.businessDaysAfterPeriodEnd; left > 0;) {
    day = addDays(day, 1);
    if (isWorkingDay(day, calendar)) left -= 1;
  }
  return zonedInstant(day, calendar.cutOff.time, calendar.timeZone);
}

/** The period after this one in the same cycle: where a project not ready at the cut-off is carried. */
export function nextPeriod(period: BillingPeriod, calendar: RegionCalendar): BillingPeriod {
  const next = addDays(period.end, 1);
  const month = next.slice(0, 7);
  return parsePeriod(
    calendar.cycle === 'monthly' ? month : `${month}-${period.period.endsWith('H1') ? 'H2' : 'H1'}`,
    calendar,
  );
}

/**
 * The period whose cycle starts on the local day of `instant`, if any: what a daily schedule
 * asks when it fires, so the cycle starts on the last business day whatever the holidays.
 */
export function periodStartingOn(instant: Date, calendar: RegionCalendar): BillingPeriod | undefined {
  const today = localDate(instant, calendar.timeZone);
  const month = today.slice(0, 7);
  const candidates = calendar.cycle === 'monthly' ? [month] : [`${month}-H1`, `${month}-H2`];
  return candidates
    .map((candidate) => parsePeriod(candidate, calendar))
    .find((period) => lastBusinessDay(period, calendar) === today);
}

/** Whole days from the end of the period (its last calendar day, end of day local) to `instant`. */
export function daysAfterPeriodEnd(period: BillingPeriod, instant: Date, calendar: RegionCalendar): number {
  const endOfPeriod = zonedInstant(addDays(period.end, 1), '00:00', calendar.timeZone);
  return Math.max(0, Math.round(((instant.getTime() - endOfPeriod.getTime()) / DAY_MS) * 100) / 100);
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar date of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  const parts = zonedParts(instant, timeZone);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The instant at which the wall clock in `timeZone` shows `date` `time`. */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T${time}:00Z`);
  // The offset at the wall time read as UTC, then corrected once: exact except inside a DST gap.
  let guess = wall - offsetMs(new Date(wall), timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

function offsetMs(instant: Date, timeZone: string): number {
  const parts = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24,
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

function zonedParts(instant: Date, timeZone: string): Record<string, string> {
  const formatter = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return Object.fromEntries(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
}

function lastDayOfMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return new Date(Date.UTC(year, monthNumber, 0)).toISOString().slice(0, 10);
}
