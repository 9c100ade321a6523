/**
 * ISO-8601 weeks (Monday to Sunday, week 1 holds the year's first Thursday), the unit the PSA
 * books in. Dates are calendar dates (`2027-01-11`), handled in UTC so no time zone shifts a day.
 */

const DAY_MS = 86_400_000;

function utc(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** `2027-01-11` of a UTC date. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The ISO week (`2027-W02`) a date falls in. */
export function isoWeekOf(date: string): string {
  const day = utc(date);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(day.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursday = utc(`${year}-01-04`);
  const firstMonday = new Date(firstThursday.getTime() - ((firstThursday.getUTCDay() + 6) % 7) * DAY_MS);
  const week = Math.floor((thursday.getTime() - firstMonday.getTime()) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The Monday of an ISO week. */
export function mondayOf(week: string): string {
  const [year, number] = [Number(week.slice(0, 4)), Number(week.slice(6))];
  const firstThursday = utc(`${year}-01-04`);
  const firstMonday = new Date(firstThursday.getTime() - ((firstThursday.getUTCDay() + 6) % 7) * DAY_MS);
  return isoDate(new Date(firstMonday.getTime() + (number - 1) * 7 * DAY_MS));
}

/** Adds days to a date. */
export function addDays(date: string, days: number): string {
  return isoDate(new Date(utc(date).getTime() + days * DAY_MS));
}

/** One ISO week of a window, with the working days (Monday to Friday) of the window in it. */
export interface WindowWeek {
  readonly week: string;
  readonly workingDays: readonly string[];
}

/** The ISO weeks a window touches, each with its Monday-to-Friday dates inside the window. */
export function weeksOf(startDate: string, endDate: string): WindowWeek[] {
  const weeks: WindowWeek[] = [];
  let monday = mondayOf(isoWeekOf(startDate));
  while (monday <= endDate) {
    const workingDays = [0, 1, 2, 3, 4]
      .map((offset) => addDays(monday, offset))
      .filter((day) => day >= startDate && day <= endDate);
    weeks.push({ week: isoWeekOf(monday), workingDays });
    monday = addDays(monday, 7);
  }
  return weeks;
}

/** The ISO weeks from one to another, inclusive. */
export function weekRange(fromWeek: string, toWeek: string): string[] {
  const weeks: string[] = [];
  for (let monday = mondayOf(fromWeek); isoWeekOf(monday) <= toWeek; monday = addDays(monday, 7))
    weeks.push(isoWeekOf(monday));
  return weeks;
}

/**
 * The quarter bucket of a week (`2027-Q1`): weeks 1-13 are Q1, ..., 40-53 Q4. The PSA sandbox
 * keeps one capacity item per person and bucket, so a booking touches few items.
 */
export function quarterOf(week: string): string {
  const number = Number(week.slice(6));
  return `${week.slice(0, 4)}-Q${Math.min(4, Math.ceil(number / 13))}`;
}
