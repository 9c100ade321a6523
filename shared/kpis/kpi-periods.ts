/**
 * Calendar periods of the KPI items. Every fact is counted in its UTC day, its ISO week
 * (Monday to Sunday) and its month, so a long range is answered from a few coarse items:
 * whole months first, then whole weeks, then the days left at the edges; or a month read
 * whole with the days outside the range subtracted, when that takes fewer items.
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

/** One term of a range's covering: an item added, or (sign −1) one subtracted from a longer item read whole. */
export interface CoveringTerm {
  readonly period: KpiPeriod;
  readonly sign: 1 | -1;
}

/**
 * The days beyond the range a covering may reach into: a month that starts before the range
 * is read whole at most a month early, and a week at most a week.
 */
const REACH_DAYS = 32;

/** Reading a subtracted item costs the same; the bias only prefers plain additions on a tie. */
const SUBTRACTION_BIAS = 1e-3;

/**
 * The fewest items whose signed sum is exactly `from` to `to` (inclusive UTC days). Counts,
 * sums and histogram buckets are all added, so a month less its days outside the range is
 * the range: 2026-09-02..11-30 is three months less 2026-09-01 (4 items) instead of 5 days,
 * 3 weeks, 3 days and two months (13).
 *
 * Each item is an edge between the day boundaries it spans; walking it forward adds it and
 * walking it back subtracts it, so every path from the range's first boundary to its last is a
 * covering (the items between telescope) and the shortest path is the smallest one. Each item
 * costs about as much to read whatever its period (a day of the rolled-up partition holds most
 * of the attributes its month does), so the count of items is what is minimised.
 */
export function coveringTerms(from: string, to: string): CoveringTerm[] {
  const first = msOf(from) - REACH_DAYS * DAY_MS;
  const target = msOf(to) + DAY_MS;
  const last = target + REACH_DAYS * DAY_MS;
  const edgesOf = (boundary: number): Array<{ next: number; term: CoveringTerm }> => {
    const day = dayAt(boundary);
    const dayBefore = dayAt(boundary - DAY_MS);
    const edges = [
      { next: boundary + DAY_MS, term: { period: periodsOf(day)[0], sign: 1 as const } },
      { next: boundary - DAY_MS, term: { period: periodsOf(dayBefore)[0], sign: -1 as const } },
    ];
    const week = periodsOf(day)[1];
    if (week.from === day) {
      edges.push({ next: boundary + 7 * DAY_MS, term: { period: week, sign: 1 } });
      edges.push({ next: boundary - 7 * DAY_MS, term: { period: periodsOf(dayBefore)[1], sign: -1 } });
    }
    const month = periodsOf(day)[2];
    if (month.from === day) {
      edges.push({ next: msOf(month.to) + DAY_MS, term: { period: month, sign: 1 } });
      const previous = periodsOf(dayBefore)[2];
      edges.push({ next: msOf(previous.from), term: { period: previous, sign: -1 } });
    }
    return edges.filter((edge) => edge.next >= first && edge.next <= last);
  };
  // Dijkstra over a few hundred boundaries: a linear pick of the nearest is fast enough.
  const cost = new Map<number, number>([[msOf(from), 0]]);
  const via = new Map<number, { previous: number; term: CoveringTerm }>();
  const done = new Set<number>();
  while (!done.has(target)) {
    let nearest: number | undefined;
    for (const [boundary, reached] of cost)
      if (!done.has(boundary) && (nearest === undefined || reached < (cost.get(nearest) ?? Infinity)))
        nearest = boundary;
    if (nearest === undefined) throw new Error(`no covering of ${from}..${to}`);
    done.add(nearest);
    const base = cost.get(nearest) ?? 0;
    for (const { next, term } of edgesOf(nearest)) {
      const through = base + 1 + (term.sign < 0 ? SUBTRACTION_BIAS : 0);
      if (through < (cost.get(next) ?? Infinity)) {
        cost.set(next, through);
        via.set(next, { previous: nearest, term });
      }
    }
  }
  const terms: CoveringTerm[] = [];
  for (let boundary = target; boundary !== msOf(from);) {
    const step = via.get(boundary);
    if (!step) throw new Error(`no covering of ${from}..${to}`);
    terms.push(step.term);
    boundary = step.previous;
  }
  return terms.reverse();
}
