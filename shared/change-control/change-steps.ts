import { createHash } from 'node:crypto';
import { PermanentConnectorError } from '../connectors/connector-errors';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import type { RoleLine } from '../model/entities';
import { toWholeEur } from '../procurement/reference-rates';
import type { PatternRoute } from '../procurement/purchase-approval-route';
import { approverSummary } from './approver-summary';
import type { ChangeAppliedDetail, ChangeApprovedDetail, ChangeRejectedDetail } from './change-events';
import type { ChangeApprovalPolicy } from './change-policy';
import type {
  ApprovedHours,
  BillingSchedule,
  BookingsOnProject,
  ChangeApplication,
  CostRates,
  ProjectPlans,
} from './change-ports';
import type { ChangeLog } from './change-record';
import type { ChangeRequestedDetail } from './change-request';
import {
  ChangeAssessment,
  type AppliedChange,
  type ApprovalRecorded,
  type ApprovedChange,
  type AssessedChange,
  type BillingUpdated,
  type BookingsAdjusted,
  type BudgetRevised,
  type ChangeAppliedResult,
  type ChangeCompensationInput,
  type ChangeControlState,
  type ChangeSubject,
  type PlanUpdated,
  type ResourcesRequested,
} from './change-state';
import { analyseImpact } from './impact-analysis';

/**
 * The steps of change control. Reads go through the read ports; every write is tagged with the
 * change id (the idempotency key of the whole change), so a retried step, a duplicate
 * `Change Requested` or a replayed execution applies nothing twice.
 */

/** What the steps talk to. */
export interface ChangeControlPorts {
  readonly plans: ProjectPlans;
  readonly costRates: CostRates;
  readonly bookings: BookingsOnProject;
  readonly approvedHours: ApprovedHours;
  readonly billing: BillingSchedule;
  readonly application: ChangeApplication;
  readonly log: ChangeLog;
  readonly events: EventPublisher;
}

/** A change the analysis refuses: a permanent failure owned by delivery, listing every reason. */
export class ChangeRefusedError extends PermanentConnectorError {
  constructor(readonly reasons: readonly string[]) {
    super('changes', 'assessChange', `refused: ${reasons.join('; ')}`);
  }
}

function identity(change: ChangeRequestedDetail) {
  return {
    changeId: change.changeId,
    projectId: change.projectId,
    source: change.source,
    region: change.region,
    practice: change.practice,
    requestedBy: change.requestedBy,
    requestedAt: change.requestedAt,
  };
}

/**
 * Reads the baseline and the facts the ports hold, analyses the impact, and records the change:
 * awaiting approval with the approvers' summary, or held with every reason (the step then fails
 * with {@link ChangeRefusedError}, and the guarded step files it for delivery).
 */
export async function assessChangeStep(
  { change }: ChangeControlState,
  ports: Pick<ChangeControlPorts, 'plans' | 'costRates' | 'bookings' | 'approvedHours' | 'billing' | 'log'>,
  policy: ChangeApprovalPolicy,
  now: Date,
  executionArn?: string,
): Promise<ChangeAssessment> {
  const projectId = change.projectId.id;
  const record = {
    changeId: change.changeId,
    projectId,
    change,
    requestedAt: change.requestedAt,
    updatedAt: now.toISOString(),
    ...(executionArn ? { executionArn } : {}),
  };
  const refuse = async (reasons: readonly string[]): Promise<never> => {
    await ports.log.save({ ...record, status: 'held', heldReasons: [...reasons] });
    throw new ChangeRefusedError(reasons);
  };
  const baseline = await ports.plans.currentBaseline(projectId);
  if (!baseline) return refuse([`projectId: project ${projectId} has no baseline in the ERP and PSA (not activated?)`]);
  const currency = baseline.budget.currency;
  const lines = [...baseline.roleLines, ...(change.proposed.roleLines ?? [])];
  const costRates: Record<string, Awaited<ReturnType<CostRates['costRateFor']>>> = {};
  for (const line of lines)
    costRates[line.lineId] ??= await ports.costRates.costRateFor(line.role, change.region, currency);
  const outcome = analyseImpact(
    change,
    {
      baseline,
      costRates,
      bookings: await ports.bookings.bookingsFor(projectId),
      approvedHours: await ports.approvedHours.approvedHoursByLine(projectId),
      milestones: await ports.billing.milestonesFor(projectId),
      invoiceDrafts: await ports.billing.draftedInvoicesFor(projectId),
    },
    policy,
  );
  if (outcome.decision === 'refused') return refuse(outcome.reasons);
  const { impact } = outcome;
  const summary = approverSummary(change, impact);
  const delta = { amountMinor: Math.abs(impact.budget.deltaMinor), currency };
  const subject: ChangeSubject = {
    title: `Change ${change.changeId} to project ${projectId}: ${change.reason}`.slice(0, 500),
    projectId: change.projectId,
    amount: delta,
    region: change.region,
    practice: change.practice,
    reasons: summary,
    amountEur: toWholeEur(policy.referenceRates, delta, `change policy v${policy.version}`),
    route: {
      levels: [...impact.route.levels],
      policyVersion: impact.route.policyVersion,
      ruleId: impact.route.ruleId,
      reason: impact.route.reason,
    },
  };
  const assessment = ChangeAssessment.parse({
    baselineVersion: baseline.baselineVersion,
    impact,
    subject,
    assessedAt: now.toISOString(),
  });
  await ports.log.save({
    ...record,
    status: 'awaiting-approval',
    baselineVersion: baseline.baselineVersion,
    impact: assessment.impact,
    summary,
  });
  return assessment;
}

/** The approval route in the shape the human-approval pattern reads: the levels the change policy chose. */
export function routeChangeApproval(subject: Pick<ChangeSubject, 'route' | 'amountEur'>): PatternRoute {
  return {
    levels: subject.route.levels,
    levelIndexes: subject.route.levels.map((_, index) => index),
    levelCount: subject.route.levels.length,
    amountEur: subject.amountEur,
    policy: { version: subject.route.policyVersion, ruleId: subject.route.ruleId, reason: subject.route.reason },
  };
}

/** Records the approvals and announces `Change Approved` with the approval cycle time. */
export async function recordChangeApprovalStep(
  { change, assessment, approval }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'log' | 'events'>,
  now: Date,
): Promise<ApprovalRecorded> {
  const decisions = (approval.decisions ?? []).map(({ decidedBy, decidedAt }) => ({ decidedBy, decidedAt }));
  const approvers = [...new Set(decisions.map((decision) => decision.decidedBy))];
  const approvedAt = now.toISOString();
  const cycleTimeSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(change.requestedAt)) / 1000));
  await ports.log.save({
    changeId: change.changeId,
    status: 'approved',
    approvals: decisions,
    approvedAt,
    approvalCycleTimeSeconds: cycleTimeSeconds,
    updatedAt: approvedAt,
  });
  const detail: ChangeApprovedDetail = {
    ...identity(change),
    approvers,
    policyVersion: assessment.subject.route.policyVersion,
    ruleId: assessment.subject.route.ruleId,
    budgetDelta: {
      amountMinor: assessment.impact.budget.deltaMinor,
      currency: assessment.impact.budget.after.currency,
    },
    approvedAt,
    approvalCycleTimeSeconds: cycleTimeSeconds,
  };
  await ports.events.publish([
    { source: PsflowSource.Workflow, detailType: WorkflowDetailType.ChangeApproved, detail },
  ]);
  return { approvers, approvedAt, cycleTimeSeconds };
}

/** The ERP budget as a new baseline version; the previous one stays in the history. */
export async function reviseBudgetStep(
  { change, assessment }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'application' | 'log'>,
  now: Date,
): Promise<BudgetRevised> {
  const budget = assessment.impact.budget.after;
  const revised = await ports.application.reviseBudget(change.projectId.id, change.changeId, budget);
  await ports.log.save({
    changeId: change.changeId,
    newBaselineVersion: revised.baselineVersion,
    appliedBudget: [
      `erp budget ${revised.baselineId}: baseline v${revised.baselineVersion} (was v${revised.previousVersion}), ${budget.amountMinor / 100} ${budget.currency}`,
    ],
    updatedAt: now.toISOString(),
  });
  return { ...revised, budget };
}

/** The PSA project's end date, roles and scope. */
export async function updateProjectPlanStep(
  { change, assessment }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'application' | 'log'>,
  now: Date,
): Promise<PlanUpdated> {
  const { impact } = assessment;
  const endDate = impact.schedule.afterEnd;
  const updated = await ports.application.updatePlan(change.projectId.id, change.changeId, {
    endDate,
    roleLines: impact.roleLinesAfter,
    scope: change.proposed.scope,
  });
  await ports.log.save({
    changeId: change.changeId,
    appliedPlan: [
      `psa project ${updated.psaProjectId}: end ${impact.schedule.beforeEnd} → ${endDate}, ${impact.roleLinesAfter.length} role(s)${change.proposed.scope ? ', scope updated' : ''}`,
    ],
    updatedAt: now.toISOString(),
  });
  return { psaProjectId: updated.psaProjectId, endDate, roles: impact.roleLinesAfter.length };
}

/** Milestones past the new end moved to it, the rate card's rates from the new lines; drafts listed for review. */
export async function updateBillingScheduleStep(
  { change, assessment }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'application' | 'log'>,
  now: Date,
): Promise<BillingUpdated> {
  const { impact } = assessment;
  const updated = await ports.application.updateBillingSchedule(change.projectId.id, change.changeId, {
    endDate: impact.schedule.afterEnd,
    rates: impact.roleLinesAfter.map((line) => ({ role: line.role, rate: line.rate })),
  });
  const draftsToReview = impact.billing.invoiceDrafts.map((draft) => draft.invoiceId);
  await ports.log.save({
    changeId: change.changeId,
    appliedBilling: [
      ...updated.movedMilestones.map((milestone) => `milestone ${milestone}`),
      ...updated.ratesUpdated.map((role) => `rate card: ${role} rate set`),
      ...draftsToReview.map((invoiceId) => `invoice draft ${invoiceId}: to review`),
    ],
    updatedAt: now.toISOString(),
  });
  return { ...(updated.billingId ? { billingId: updated.billingId } : {}), ...updated, draftsToReview };
}

/** Bookings past the new end shortened (released when they would start after it); bookings of growing lines extended. */
export async function adjustBookingsStep(
  { change, assessment }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'application' | 'log'>,
  now: Date,
): Promise<BookingsAdjusted> {
  const { staffing, schedule } = assessment.impact;
  const end = schedule.afterEnd;
  const adjustments: BookingsAdjusted['adjustments'] = [];
  for (const booking of staffing.bookingsPastEnd) {
    const release = booking.startDate > end;
    await ports.application.adjustBooking(
      change.projectId.id,
      change.changeId,
      booking.bookingId,
      release ? { release: true } : { endDate: end },
    );
    adjustments.push(
      release
        ? { bookingId: booking.bookingId, action: 'released' }
        : { bookingId: booking.bookingId, action: 'shortened', endDate: end },
    );
  }
  for (const booking of staffing.bookingsToExtend) {
    await ports.application.adjustBooking(change.projectId.id, change.changeId, booking.bookingId, { endDate: end });
    adjustments.push({ bookingId: booking.bookingId, action: 'extended', endDate: end });
  }
  await ports.log.save({
    changeId: change.changeId,
    appliedBookings: adjustments.map(
      (adjustment) =>
        `booking ${adjustment.bookingId} ${adjustment.action}${adjustment.endDate ? ` to ${adjustment.endDate}` : ''}`,
    ),
    updatedAt: now.toISOString(),
  });
  return { adjustments };
}

/** The role line staffing is asked to fill for a line's new hours; its id is derived from the change. */
export function demandLine(line: RoleLine, extraHours: number, changeId: string, today: string, end: string): RoleLine {
  const suffix = createHash('sha256').update(changeId).digest('hex').slice(0, 8);
  const start = line.startDate > today ? line.startDate : today;
  return {
    ...line,
    lineId: `${line.lineId}-c${suffix}`,
    hours: extraHours,
    startDate: start > end ? end : start,
    endDate: end,
  };
}

/**
 * `Resource Requested` for each line's new hours. Staffing keys its request on the project and
 * line id, which is derived from the change, so an event re-sent by a retry is the same request.
 */
export async function requestChangeResourcesStep(
  { change, assessment }: ApprovedChange,
  ports: Pick<ChangeControlPorts, 'events' | 'log'>,
  now: Date,
): Promise<ResourcesRequested> {
  const { impact } = assessment;
  const today = now.toISOString().slice(0, 10);
  const lines = impact.staffing.hours.flatMap((delta) => {
    const line = impact.roleLinesAfter.find((each) => each.lineId === delta.lineId);
    return line && delta.after > delta.before
      ? [demandLine(line, delta.after - delta.before, change.changeId, today, impact.schedule.afterEnd)]
      : [];
  });
  if (lines.length > 0)
    await ports.events.publish(
      lines.map((roleLine) => ({
        source: PsflowSource.Workflow,
        detailType: WorkflowDetailType.ResourceRequested,
        detail: {
          projectId: change.projectId,
          roleLine,
          requestedAt: now.toISOString(),
          requestedBy: change.requestedBy,
        },
      })),
    );
  await ports.log.save({
    changeId: change.changeId,
    appliedResources: lines.map((line) => `Resource Requested ${line.lineId}: ${line.hours} h ${line.role}`),
    updatedAt: now.toISOString(),
  });
  return { requests: lines.map((line) => ({ lineId: line.lineId, role: line.role, hours: line.hours })) };
}

/** Records the change as applied and announces `Change Applied` with its margin impact. */
export async function announceChangeAppliedStep(
  { change, assessment, budget }: AppliedChange,
  ports: Pick<ChangeControlPorts, 'events' | 'log'>,
  now: Date,
): Promise<ChangeAppliedResult> {
  const appliedAt = now.toISOString();
  const record = await ports.log.get(change.changeId);
  const { margin } = assessment.impact;
  const detail: ChangeAppliedDetail = {
    ...identity(change),
    baselineVersion: budget.baselineVersion,
    previousBaselineVersion: budget.previousVersion,
    budgetBefore: assessment.impact.budget.before,
    budgetAfter: budget.budget,
    margin: {
      beforePercent: margin.beforePercent,
      afterPercent: margin.afterPercent,
      deltaPoints: Math.round((margin.afterPercent - margin.beforePercent) * 10) / 10,
    },
    appliedTo: [
      ...(record?.appliedBudget ?? []),
      ...(record?.appliedPlan ?? []),
      ...(record?.appliedBilling ?? []),
      ...(record?.appliedBookings ?? []),
      ...(record?.appliedResources ?? []),
    ],
    appliedAt,
  };
  await ports.log.save({ changeId: change.changeId, status: 'applied', appliedAt, updatedAt: appliedAt });
  await ports.events.publish([{ source: PsflowSource.Workflow, detailType: WorkflowDetailType.ChangeApplied, detail }]);
  return { appliedAt, baselineVersion: budget.baselineVersion };
}

/** Records a rejected change and announces `Change Rejected`; nothing was applied. */
export async function recordChangeRejectedStep(
  { change }: AssessedChange,
  cause: string | undefined,
  ports: Pick<ChangeControlPorts, 'events' | 'log'>,
  now: Date,
): Promise<{ rejectedAt: string }> {
  const rejectedAt = now.toISOString();
  const reason = cause ?? 'rejected by an approver';
  await ports.log.save({
    changeId: change.changeId,
    status: 'rejected',
    rejectedReason: reason,
    updatedAt: rejectedAt,
  });
  const detail: ChangeRejectedDetail = { ...identity(change), reason, rejectedAt };
  await ports.events.publish([
    { source: PsflowSource.Workflow, detailType: WorkflowDetailType.ChangeRejected, detail },
  ]);
  return { rejectedAt };
}

/**
 * Compensation after an abort: the change's baseline version voided (the previous one is current
 * again), and the PSA plan, billing and bookings restored; nothing deleted.
 */
export async function compensateChange(
  input: ChangeCompensationInput,
  ports: Pick<ChangeControlPorts, 'application' | 'log'>,
  now: Date,
): Promise<{ actions: string[] }> {
  const reason = `change ${input.change.changeId} aborted by its exception owner`;
  const actions = await ports.application.revertChange(input.change.projectId.id, input.change.changeId, reason);
  if (await ports.log.get(input.change.changeId))
    await ports.log.save({
      changeId: input.change.changeId,
      status: 'compensated',
      compensation: actions.length > 0 ? actions : ['nothing was applied'],
      updatedAt: now.toISOString(),
    });
  return { actions };
}
