import type { RoleLine } from '../model/entities';
import { formatMoney, type Money } from '../model/primitives';
import { toWholeEur } from '../procurement/reference-rates';
import type { ChangeRequestedDetail } from './change-request';
import { routeChange, type ChangeApprovalPolicy, type ChangeRoute } from './change-policy';
import type { InvoiceDraft, Milestone, ProjectBaseline, ProjectBooking } from './change-ports';

/**
 * Impact analysis of a change, pure: the deltas to budget, margin, schedule, staffing and billing
 * between the current baseline and the proposal, the approval route they call for, and every
 * reason to refuse the change. The step reads the ports and passes what it read.
 */

/** What the ports answered for the project. */
export interface ImpactFacts {
  readonly baseline: ProjectBaseline;
  /** Hourly cost of each role line's role, by line id (HRIS); a missing one refuses the change. */
  readonly costRates: Readonly<Record<string, Money | undefined>>;
  readonly bookings: readonly ProjectBooking[];
  readonly approvedHours: Readonly<Record<string, number>>;
  readonly milestones: readonly Milestone[];
  readonly invoiceDrafts: readonly InvoiceDraft[];
}

/** One role line's hours before and after. */
export interface HoursDelta {
  readonly lineId: string;
  readonly role: string;
  readonly before: number;
  readonly after: number;
}

/** The impact of a change. */
export interface ChangeImpact {
  readonly budget: {
    readonly before: Money;
    readonly after: Money;
    readonly deltaMinor: number;
    readonly percent: number;
  };
  readonly margin: {
    readonly beforePercent: number;
    readonly afterPercent: number;
    readonly dropPoints: number;
    readonly beforeCost: Money;
    readonly afterCost: Money;
  };
  readonly schedule: { readonly beforeEnd: string; readonly afterEnd: string; readonly days: number };
  readonly staffing: {
    readonly hours: readonly HoursDelta[];
    /** Bookings that run past the new end date: to be shortened or released. */
    readonly bookingsPastEnd: readonly ProjectBooking[];
    /** Bookings of lines whose hours grow, to be extended to the new end. */
    readonly bookingsToExtend: readonly ProjectBooking[];
  };
  readonly billing: {
    /** Planned milestones due after the new end date: to be moved. */
    readonly milestonesPastEnd: readonly Milestone[];
    readonly invoiceDrafts: readonly InvoiceDraft[];
  };
  readonly route: ChangeRoute;
  readonly roleLinesAfter: readonly RoleLine[];
}

/** The analysis: the impact, or the reasons the change is refused (each naming what and where). */
export type ImpactOutcome =
  | { readonly decision: 'assess'; readonly impact: ChangeImpact }
  | { readonly decision: 'refused'; readonly reasons: readonly string[] };

function revenueMinor(lines: readonly RoleLine[]): number {
  return lines.reduce((sum, line) => sum + Math.round(line.hours * line.rate.amountMinor), 0);
}

function percentOf(part: number, whole: number): number {
  return whole === 0 ? (part === 0 ? 0 : 100) : (part / whole) * 100;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function days(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/** Analyses a proposed change against the current baseline and routes its approval. */
export function analyseImpact(
  change: ChangeRequestedDetail,
  facts: ImpactFacts,
  policy: ChangeApprovalPolicy,
): ImpactOutcome {
  const { baseline } = facts;
  const { proposed } = change;
  const currency = baseline.budget.currency;
  const reasons: string[] = [];
  const linesAfter = proposed.roleLines ?? baseline.roleLines;
  const budgetAfter: Money = proposed.budget ?? {
    amountMinor: baseline.budget.amountMinor + revenueMinor(linesAfter) - revenueMinor(baseline.roleLines),
    currency,
  };
  if (budgetAfter.amountMinor < 0)
    reasons.push(`proposed.budget: the budget would be negative (${formatMoney(budgetAfter.amountMinor, currency)})`);
  if (budgetAfter.currency !== currency)
    reasons.push(`proposed.budget: the project is budgeted in ${currency}, not ${budgetAfter.currency}`);
  for (const [index, line] of linesAfter.entries())
    if (line.rate.currency !== currency)
      reasons.push(
        `proposed.roleLines.${index}.rate: ${line.lineId} is priced in ${line.rate.currency}, the project in ${currency}`,
      );
  const endAfter = proposed.endDate ?? baseline.endDate;
  if (endAfter < baseline.startDate)
    reasons.push(`proposed.endDate: ${endAfter} is before the project starts (${baseline.startDate})`);

  // Hours already worked and approved cannot be planned away.
  const lineIds = [...new Set([...baseline.roleLines, ...linesAfter].map((line) => line.lineId))];
  const hours: HoursDelta[] = lineIds.map((lineId) => {
    const before = baseline.roleLines.find((line) => line.lineId === lineId);
    const after = linesAfter.find((line) => line.lineId === lineId);
    return { lineId, role: (after ?? before)?.role ?? lineId, before: before?.hours ?? 0, after: after?.hours ?? 0 };
  });
  for (const line of hours) {
    const approved = facts.approvedHours[line.lineId] ?? 0;
    if (line.after < approved)
      reasons.push(
        `proposed.roleLines: line ${line.lineId} (${line.role}) would have ${line.after} h, but ${approved} h are already approved in time entries`,
      );
  }

  const costOf = (lines: readonly RoleLine[]): number | undefined => {
    let total = 0;
    for (const line of lines) {
      const rate = facts.costRates[line.lineId];
      if (!rate || rate.currency !== currency) return undefined;
      total += Math.round(line.hours * rate.amountMinor);
    }
    return total;
  };
  const missingRates = linesAfter
    .concat(baseline.roleLines)
    .filter((line) => {
      const rate = facts.costRates[line.lineId];
      return !rate || rate.currency !== currency;
    })
    .map((line) => `${line.lineId} (${line.role})`);
  if (missingRates.length > 0)
    reasons.push(
      `no HRIS cost rate in ${currency} for ${[...new Set(missingRates)].join(', ')}: the margin cannot be computed`,
    );
  const costBefore = costOf(baseline.roleLines);
  const costAfter = costOf(linesAfter);
  if (reasons.length > 0 || costBefore === undefined || costAfter === undefined)
    return { decision: 'refused', reasons };

  const marginBefore = percentOf(baseline.budget.amountMinor - costBefore, baseline.budget.amountMinor);
  const marginAfter = percentOf(budgetAfter.amountMinor - costAfter, budgetAfter.amountMinor);
  const deltaMinor = budgetAfter.amountMinor - baseline.budget.amountMinor;
  const percent = percentOf(deltaMinor, baseline.budget.amountMinor);
  const dropPoints = Math.max(0, marginBefore - marginAfter);
  const route = routeChange(policy, {
    region: change.region,
    absoluteEur: toWholeEur(
      policy.referenceRates,
      { amountMinor: Math.abs(deltaMinor), currency },
      `change policy v${policy.version}`,
    ),
    percentOfBudget: Math.abs(percent),
    marginDropPoints: dropPoints,
  });
  if (route.clientSignOffRequired && !change.clientSignOff)
    return {
      decision: 'refused',
      reasons: [`clientSignOff: ${route.clientSignOffReason}; attach the client's signed change document reference`],
    };
  const growing = new Set(hours.filter((line) => line.after > line.before).map((line) => line.lineId));
  return {
    decision: 'assess',
    impact: {
      budget: { before: baseline.budget, after: budgetAfter, deltaMinor, percent: round1(percent) },
      margin: {
        beforePercent: round1(marginBefore),
        afterPercent: round1(marginAfter),
        dropPoints: round1(dropPoints),
        beforeCost: { amountMinor: costBefore, currency },
        afterCost: { amountMinor: costAfter, currency },
      },
      schedule: { beforeEnd: baseline.endDate, afterEnd: endAfter, days: days(baseline.endDate, endAfter) },
      staffing: {
        hours: hours.filter((line) => line.after !== line.before),
        bookingsPastEnd: facts.bookings.filter((booking) => booking.endDate > endAfter),
        bookingsToExtend:
          endAfter > baseline.endDate ? facts.bookings.filter((booking) => growing.has(booking.lineId)) : [],
      },
      billing: {
        milestonesPastEnd: facts.milestones.filter(
          (milestone) => milestone.status === 'planned' && milestone.dueDate > endAfter,
        ),
        invoiceDrafts: facts.invoiceDrafts,
      },
      route,
      roleLinesAfter: linesAfter,
    },
  };
}
