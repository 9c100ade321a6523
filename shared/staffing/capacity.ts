import type { PersonRecord } from '../connectors/hris/hris-connector';
import { weeksOf, type WindowWeek } from './iso-week';

/** A person's capacity in one week of a window, and why it is less than their contracted hours. */
export interface WeekCapacity {
  readonly week: string;
  /** Hours the person can work in the window's part of this week. */
  readonly hours: number;
  readonly holidays: readonly string[];
  readonly leaveDays: readonly string[];
}

/**
 * Capacity of a person in each week of a window: their contracted hours spread over Monday to
 * Friday, less public holidays of their country and days of leave, counting only the days of the
 * week that fall inside the window.
 */
export function weeklyCapacity(
  person: Pick<PersonRecord, 'hoursPerWeek' | 'leave'>,
  holidays: readonly string[],
  startDate: string,
  endDate: string,
): WeekCapacity[] {
  return weeksOf(startDate, endDate).map((week) => capacityOfWeek(person, holidays, week));
}

function capacityOfWeek(
  person: Pick<PersonRecord, 'hoursPerWeek' | 'leave'>,
  holidays: readonly string[],
  week: WindowWeek,
): WeekCapacity {
  const holidayDays = week.workingDays.filter((day) => holidays.includes(day));
  const leaveDays = week.workingDays.filter(
    (day) => !holidayDays.includes(day) && person.leave.some((leave) => leave.startDate <= day && day <= leave.endDate),
  );
  const working = week.workingDays.length - holidayDays.length - leaveDays.length;
  return {
    week: week.week,
    hours: Math.round(((person.hoursPerWeek * working) / 5) * 100) / 100,
    holidays: holidayDays,
    leaveDays,
  };
}

/** The full-week capacity (Monday to Friday) of a person in each ISO week, as the PSA checks bookings against. */
export function capacityByWeek(
  person: Pick<PersonRecord, 'hoursPerWeek' | 'leave'>,
  holidays: readonly string[],
  startDate: string,
  endDate: string,
): Record<string, number> {
  return Object.fromEntries(
    weeksOf(startDate, endDate).map((week) => {
      const full = { week: week.week, workingDays: fullWeek(week) };
      return [week.week, capacityOfWeek(person, holidays, full).hours];
    }),
  );
}

function fullWeek(week: WindowWeek): string[] {
  const first = week.workingDays[0];
  if (!first) return [];
  const monday = new Date(`${first}T00:00:00.000Z`);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return [0, 1, 2, 3, 4].map((offset) => {
    const day = new Date(monday.getTime() + offset * 86_400_000);
    return day.toISOString().slice(0, 10);
  });
}
