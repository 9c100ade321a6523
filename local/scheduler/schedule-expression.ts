/** A wall-clock time in a schedule's time zone; months are 1-12. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The values each field of a cron expression allows; `undefined` means any (`*` or `?`). */
export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth?: ReadonlySet<number>;
  readonly months?: ReadonlySet<number>;
  /** 1-7 for SUN-SAT, as EventBridge numbers them. */
  readonly daysOfWeek?: ReadonlySet<number>;
  readonly years?: ReadonlySet<number>;
}

/** A parsed EventBridge Scheduler expression. */
export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly text: string; readonly intervalMs: number }
  | { readonly kind: 'at'; readonly text: string; readonly at: WallClock }
  | { readonly kind: 'cron'; readonly text: string; readonly cron: CronFields };

const MINUTE_MS = 60_000;
const UNIT_MS: Readonly<Record<string, number>> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Parses `rate(N minute|minutes|hour|hours|day|days)`, `at(yyyy-mm-ddThh:mm:ss)` and
 * `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * @throws Error saying why the expression is invalid or not served locally (cron's `L`, `W`, `#`)
 */
export function parseScheduleExpression(text: string): ScheduleExpression {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) throw new Error(`${text}: the rate must be at least 1`);
    return { kind: 'rate', text, intervalMs: value * UNIT_MS[rate[2].replace(/s$/, '')] };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number);
    const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      throw new Error(`${text}: not a valid date and time`);
    }
    return { kind: 'at', text, at: { year, month, day, hour, minute, second } };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', text, cron: parseCron(text, cron[1]) };
  throw new Error(`${text}: not a rate(), at() or cron() expression`);
}

function parseCron(text: string, body: string): CronFields {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`${text}: cron() takes 6 fields (minutes hours day-of-month month day-of-week year)`);
  if (/[LW#]/i.test(fields[2].replace(/\?/g, '')) || /[L#]/i.test(fields[4])) {
    throw new Error(`${text}: the L, W and # cron wildcards are not served locally`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek, years] = fields;
  if ((daysOfMonth === '?') === (daysOfWeek === '?')) {
    throw new Error(`${text}: exactly one of day-of-month and day-of-week must be ?`);
  }
  const field = (
    value: string,
    min: number,
    max: number,
    names: readonly string[] = [],
    nameBase = min,
  ): Set<number> | undefined =>
    value === '*' || value === '?' ? undefined : parseCronField(text, value, min, max, names, nameBase);
  return {
    minutes: field(minutes, 0, 59) ?? range(0, 59),
    hours: field(hours, 0, 23) ?? range(0, 23),
    daysOfMonth: field(daysOfMonth, 1, 31),
    months: field(months, 1, 12, MONTH_NAMES),
    daysOfWeek: field(daysOfWeek, 1, 7, DAY_NAMES),
    years: field(years, 1970, 2199),
  };
}

function range(from: number, to: number, step = 1): Set<number> {
  const values = new Set<number>();
  for (let value = from; value <= to; value += step) values.add(value);
  return values;
}

function parseCronField(
  text: string,
  value: string,
  min: number,
  max: number,
  names: readonly string[],
  nameBase: number,
): Set<number> {
  const number = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const parsed = named >= 0 ? named + nameBase : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!(parsed >= min && parsed <= max)) throw new Error(`${text}: "${token}" is out of range ${min}-${max}`);
    return parsed;
  };
  const values = new Set<number>();
  for (const part of value.split(',')) {
    const [span, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${text}: "${part}" has an invalid step`);
    let from: number;
    let to: number;
    if (span === '*') [from, to] = [min, max];
    else if (span.includes('-')) [from, to] = span.split('-', 2).map(number) as [number, number];
    else [from, to] = [number(span), stepText === undefined ? number(span) : max];
    if (from > to) throw new Error(`${text}: "${part}" is an empty range`);
    for (const item of range(from, to, step)) values.add(item);
  }
  return values;
}

/**
 * Throws when the time zone is not one the platform knows. `Intl` carries the IANA database, so
 * `at()` and `cron()` are read in the zone the schedule names, as EventBridge Scheduler does.
 */
export function validateTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new Error(`time zone ${timezone} is not known`);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `timezone` at instant `epochMs`. */
export function wallClockAt(epochMs: number, timezone: string): WallClock {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(epochMs)).map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

function asUtc(wall: WallClock): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The instant a wall-clock time in `timezone` names (in a DST gap, the instant just after it). */
export function instantOf(wall: WallClock, timezone: string): number {
  const guess = asUtc(wall);
  const offsetAt = (instant: number): number =>
    asUtc(wallClockAt(instant, timezone)) - Math.floor(instant / 1000) * 1000;
  const first = guess - offsetAt(guess);
  const second = guess - offsetAt(first);
  return second === first ? first : Math.max(first, second);
}

/** How a schedule's fire times are computed. */
export interface FireTimeOptions {
  readonly timezone: string;
  /** Replaces every rate() interval (`--schedule-interval`), for demos and tests. */
  readonly rateOverrideMs?: number;
  readonly startDate?: number;
  readonly endDate?: number;
}

/** How far ahead a cron expression is searched; beyond that it is taken never to fire again. */
const CRON_SEARCH_DAYS = 366 * 5;

/**
 * The first scheduled time after `now` (or after `previous`, the last scheduled time), or
 * undefined when the schedule will not fire again. Rate schedules count from the start of the
 * minute they started in (the second, with an interval override), so scheduled times are whole.
 */
export function nextFireTime(
  expression: ScheduleExpression,
  now: number,
  options: FireTimeOptions,
  previous?: number,
): number | undefined {
  const from = Math.max(now, options.startDate ?? now);
  let next: number | undefined;
  switch (expression.kind) {
    case 'rate': {
      const interval = options.rateOverrideMs ?? expression.intervalMs;
      if (previous === undefined) {
        const unit = options.rateOverrideMs === undefined ? MINUTE_MS : 1000;
        next = Math.floor(from / unit) * unit + interval;
      } else {
        next = previous + interval;
        // After the laptop slept, skip the missed times rather than firing them all at once.
        if (next <= now) next = previous + Math.ceil((now - previous) / interval) * interval;
      }
      break;
    }
    case 'at': {
      const instant = instantOf(expression.at, options.timezone);
      next = previous === undefined && instant > from ? instant : undefined;
      break;
    }
    case 'cron':
      next = nextCronTime(expression.cron, Math.max(from, previous ?? from), options.timezone);
      break;
  }
  return next !== undefined && options.endDate !== undefined && next > options.endDate ? undefined : next;
}

function nextCronTime(cron: CronFields, after: number, timezone: string): number | undefined {
  const start = wallClockAt(after, timezone);
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let offset = 0; offset < CRON_SEARCH_DAYS; offset++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offset));
    const [year, month, day, dayOfWeek] = [
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCDay() + 1,
    ];
    if (cron.years && !cron.years.has(year)) continue;
    if (cron.months && !cron.months.has(month)) continue;
    if (cron.daysOfMonth && !cron.daysOfMonth.has(day)) continue;
    if (cron.daysOfWeek && !cron.daysOfWeek.has(dayOfWeek)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const instant = instantOf({ year, month, day, hour, minute, second: 0 }, timezone);
        if (instant > after) return instant;
      }
    }
  }
  return undefined;
}

/** One firing of a schedule, as its context attributes describe it. */
export interface ScheduleFire {
  readonly scheduleArn: string;
  readonly scheduledTime: number;
  readonly executionId: string;
  readonly attemptNumber: number;
}

/** ISO-8601 UTC to the second, as `<aws.scheduler.scheduled-time>` reads: `2026-11-25T10:00:00Z`. */
export function formatScheduledTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Replaces EventBridge Scheduler's context attributes in a target input, as plain text. */
export function substituteContextAttributes(input: string, fire: ScheduleFire): string {
  const values: Record<string, string> = {
    '<aws.scheduler.schedule-arn>': fire.scheduleArn,
    '<aws.scheduler.scheduled-time>': formatScheduledTime(fire.scheduledTime),
    '<aws.scheduler.execution-id>': fire.executionId,
    '<aws.scheduler.attempt-number>': String(fire.attemptNumber),
  };
  return input.replace(
    /<aws\.scheduler\.(?:schedule-arn|scheduled-time|execution-id|attempt-number)>/g,
    (attribute) => values[attribute],
  );
}
