/**
 * Calendar periods of the KPI items. Every fact is counted in its UTC day, its ISO week
 * (Monday to Sunday) and its month, so a long range is answered from a few coarse items:
 * whole months first, then whole weeks, then the days left at the edges.
 *
 * Sort keys: a day is `YYYY-MM-DD`, a week `W#<its Monday>`, a month `M#YYYY-MM`. Digits sort
 * before `M` and `W`, so a key condition over days never reaches a week or a month.
 */

/** The granularity of a KPI item. */
export type KpiPeriodKind = 'day' | 'week' | 'month';

/** One item's period: its sort key and the first and last UTC day it covers. */
export interface KpiPeriod {
  readonly kind: KpiPeriodKind;
  readonly sk: string;
  readonly from: string;
  readonly to: string;
}

const DAY_MS = 86_400_000;
const WEEK_PREFIX = 'W#';
const MONTH_PREFIX = 'M#';

function dayAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function msOf(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** The Monday starting the ISO week of a UTC day. */
function mondayOf(day: string): string {
  const ms = msOf(day);
  const sinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return dayAt(ms - sinceMonday * DAY_MS);
}

/** The last day of the month `YYYY-MM`. */
function lastDayOfMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number);
  return dayAt(Date.UTC(year, monthNumber, 0));
}

/** The day, week and month of a UTC day, as periods. */
export function periodsOf(day: string): KpiPeriod[] {
  const monday = mondayOf(day);
  const month = day.slice(0, 7);
  return [
    { kind: 'day', sk: day, from: day, to: day },
    { kind: 'week', sk: `${WEEK_PREFIX}${monday}`, from: monday, to: dayAt(msOf(monday) + 6 * DAY_MS) },
    { kind: 'month', sk: `${MONTH_PREFIX}${month}`, from: `${month}-01`, to: lastDayOfMonth(month) },
  ];
}

/** The period a stored sort key stands for; undefined for a key that is not a period. */
export function periodOfKey(sk: string): KpiPeriod | undefined {
  if (sk.startsWith(MONTH_PREFIX)) return periodsOf(`${sk.slice(MONTH_PREFIX.length)}-01`)[2];
  if (sk.startsWith(WEEK_PREFIX)) return periodsOf(sk.slice(WEEK_PREFIX.length))[1];
  if (/^\d{4}-\d{2}-\d{2}$/.test(sk)) return periodsOf(sk)[0];
  return undefined;
}

/**
 * The fewest items that cover `from` to `to` (inclusive UTC days) exactly: every month that
 * lies wholly inside, then every week wholly inside what is left on either side, then days.
 * A 90-day range needs at most about a dozen items instead of 90.
 */
export function coveringPeriods(from: string, to: string): KpiPeriod[] {
  const covering: KpiPeriod[] = [];
  let day = from;
  while (day <= to) {
    const [today, week, month] = periodsOf(day);
    // A week reaching into the next month is not taken when that month is itself covered whole.
    const nextMonth = periodsOf(dayAt(msOf(month.to) + DAY_MS))[2];
    const weekFits = day === week.from && week.to <= to && (week.to <= month.to || nextMonth.to > to);
    const chosen = day === month.from && month.to <= to ? month : weekFits ? week : today;
    covering.push(chosen);
    day = dayAt(msOf(chosen.to) + DAY_MS);
  }
  return covering;
}
