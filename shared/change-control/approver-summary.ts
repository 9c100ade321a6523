import { formatMoney } from '../model/primitives';
import type { ChangeRequestedDetail } from './change-request';
import type { ChangeImpact } from './impact-analysis';

/**
 * The change summary approvers read, produced deterministically from the impact: each delta as
 * before → after, and why the change needs the approval level it gets. The same change always
 * gives the same text, so what an approver saw can be reproduced. (A generative summary may sit
 * behind a port later; this one stays the default.)
 */
export function approverSummary(change: ChangeRequestedDetail, impact: ChangeImpact): string[] {
  const money = (amountMinor: number, currency: string): string => formatMoney(amountMinor, currency);
  const signed = (value: number, text: string): string => `${value > 0 ? '+' : value < 0 ? '−' : '±'}${text}`;
  const { budget, margin, schedule, staffing, billing, route } = impact;
  const currency = budget.before.currency;
  const lines = [
    `Change ${change.changeId} to project ${change.projectId.id} (from the ${change.source.toUpperCase()}, requested by ${change.requestedBy}): ${change.reason}`,
    `Budget: ${money(budget.before.amountMinor, currency)} → ${money(budget.after.amountMinor, currency)} (${signed(budget.deltaMinor, money(Math.abs(budget.deltaMinor), currency))}, ${signed(budget.percent, `${Math.abs(budget.percent).toFixed(1)}%`)})`,
    `Margin: ${margin.beforePercent.toFixed(1)}% → ${margin.afterPercent.toFixed(1)}% (${margin.dropPoints > 0 ? `−${margin.dropPoints.toFixed(1)} points` : 'no drop'}); cost ${money(margin.beforeCost.amountMinor, currency)} → ${money(margin.afterCost.amountMinor, currency)}`,
    `End date: ${schedule.beforeEnd} → ${schedule.afterEnd} (${schedule.days === 0 ? 'unchanged' : signed(schedule.days, `${Math.abs(schedule.days)} days`)})`,
    ...staffing.hours.map(
      (line) =>
        `Hours ${line.lineId} ${line.role}: ${line.before} h → ${line.after} h (${line.after > line.before ? `+${line.after - line.before} h to staff` : `${line.before - line.after} h released`})`,
    ),
    ...staffing.bookingsPastEnd.map(
      (booking) =>
        `Booking ${booking.bookingId} (${booking.resourceId}) ends ${booking.endDate}, after the new end: shortened`,
    ),
    ...staffing.bookingsToExtend.map(
      (booking) => `Booking ${booking.bookingId} (${booking.resourceId}): extended to ${schedule.afterEnd}`,
    ),
    ...billing.milestonesPastEnd.map(
      (milestone) =>
        `Milestone "${milestone.name}" due ${milestone.dueDate}, after the new end: moved to ${schedule.afterEnd}`,
    ),
    ...billing.invoiceDrafts.map(
      (draft) =>
        `Invoice draft ${draft.invoiceId} (${money(draft.amount.amountMinor, draft.amount.currency)}) is already drafted: review it`,
    ),
    `Approval: ${route.levels.map((level) => level.role).join(', then ')}, because this is ${route.reason} (${route.reached.join('; ')}; change policy v${route.policyVersion}, rule ${route.ruleId})`,
    `Client sign-off: ${route.clientSignOffRequired ? `${route.clientSignOffReason}; provided: ${change.clientSignOff?.documentReference ?? 'missing'}` : route.clientSignOffReason}`,
  ];
  return lines;
}
