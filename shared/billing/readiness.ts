import type { InvoiceDraftRequest, InvoiceLine } from '../connectors/erp/erp-invoices';
import type { Expense, Milestone, ProjectPeriodRecords, TimeEntry } from '../connectors/psa/psa-billing-records';
import { workingDaysBetween, type BillingPeriod } from './billing-calendar';
import type { BillingPolicy, FindingCode, FindingOwner, RegionCalendar } from './billing-policy';
import type { BillingProject, ProjectAssignment } from './billing-ports';
import { roundHalf, roundToStep, taxFor, toMinor } from './money-rounding';

/**
 * The readiness check of one project for one billing period: pure and deterministic (same
 * records and policy, same answer, findings in a stable order). Every finding names its code,
 * its owner (a person where there is one), when it is due (before the cut-off), the records
 * that caused it and a sentence that explains it. Records that are wrong in themselves
 * (negative hours, impossible days, duplicates, time outside the assignment, unknown
 * currencies) are findings too, never silently counted or dropped, and are left off the invoice.
 */

/** The kind of record a finding points at. */
export type FindingRecordKind = 'time-entry' | 'expense' | 'milestone' | 'project' | 'assignment';

/** One missing prerequisite or bad record, explained. */
export interface ReadinessFinding {
  readonly code: FindingCode;
  readonly owner: FindingOwner;
  /** The person who owns it (consultant, project manager, delivery lead), or `finance`. */
  readonly ownerId: string;
  /** When the owner must have fixed it: the cut-off less the rule's lead time. */
  readonly dueAt: string;
  /** Whether it keeps the project from being drafted. */
  readonly blocks: boolean;
  readonly recordKind: FindingRecordKind;
  /** The offending records (entry, expense, milestone, assignment or project ids), at least one. */
  readonly recordIds: readonly string[];
  readonly message: string;
}

/** Everything the check reads. */
export interface ReadinessInput {
  readonly project: BillingProject;
  readonly period: BillingPeriod;
  readonly calendar: RegionCalendar;
  readonly cutOffAt: Date;
  /** The PSA records of the period's month; those dated outside the period are ignored. */
  readonly records: ProjectPeriodRecords;
  readonly assignments: readonly ProjectAssignment[];
  /** Leave days by person id. */
  readonly leave: Readonly<Record<string, readonly string[]>>;
  readonly policy: BillingPolicy;
}

/** The verdict: ready (no blocking finding) or blocked, with the invoice a ready project gets. */
export interface ReadinessResult {
  readonly projectId: string;
  readonly period: string;
  readonly ready: boolean;
  readonly findings: readonly ReadinessFinding[];
  /** The invoice to draft: present when ready and something is billable. */
  readonly invoice?: InvoiceDraftRequest;
  /** The billable total before tax, in minor units, whether or not the project is ready. */
  readonly billableMinor: number;
  readonly policyVersion: string;
}

/** Checks one project's readiness for a period. */
export function checkReadiness(input: ReadinessInput): ReadinessResult {
  const { project, period, policy } = input;
  const findings: ReadinessFinding[] = [];
  const raise = (
    code: FindingCode,
    ownerId: string,
    recordKind: FindingRecordKind,
    recordIds: readonly string[],
    message: string,
  ): void => {
    const rule = policy.rules.findings[code];
    findings.push({
      code,
      owner: rule.owner,
      ownerId,
      dueAt: new Date(input.cutOffAt.getTime() - rule.dueHoursBeforeCutOff * 3_600_000).toISOString(),
      blocks: rule.blocks,
      recordKind,
      recordIds: [...recordIds].sort(),
      message,
    });
  };
  const inPeriod = (date: string): boolean => date >= period.start && date <= period.end;
  const model = policy.rules.models[project.billingModel];
  const rounding = policy.rounding[project.currency];
  if (!rounding)
    raise(
      'currency-mismatch',
      'finance',
      'project',
      [project.projectId],
      `project currency ${project.currency} has no rounding rule (billing-rounding); no invoice can be drafted in it`,
    );
  const tax = taxFor(project, policy);
  if (!tax)
    raise(
      'tax-rule-missing',
      'finance',
      'project',
      [project.projectId],
      `the tax table has no row for the client's country ${project.country}`,
    );

  const entries = input.records.timeEntries.filter((entry) => inPeriod(entry.date));
  const valid = validTimeEntries(entries, input, raise);
  if (model.checksTimeCompleteness) checkTimeComplete(valid, input, raise);

  const submittedNotApproved = valid.filter((entry) => entry.status === 'submitted');
  for (const [personId, personEntries] of groupBy(submittedNotApproved, (entry) => entry.personId))
    raise(
      'time-not-approved',
      project.projectManager,
      'time-entry',
      personEntries.map((entry) => entry.entryId),
      `${personEntries.length} time entr${personEntries.length === 1 ? 'y' : 'ies'} of ${personId} (${sumHours(personEntries)} h) submitted but not approved`,
    );

  const billableTime = valid.filter((entry) => entry.status === 'approved' && entry.billable);
  const lines: InvoiceLine[] = [];
  if (model.bills.includes('approved-billable-time') && rounding) {
    for (const [role, roleEntries] of groupBy(billableTime, (entry) => entry.role)) {
      const card = project.rateCard.find((line) => line.role === role);
      if (!card) {
        raise(
          'rate-card-missing',
          'finance',
          'time-entry',
          roleEntries.map((entry) => entry.entryId),
          `role ${role} has no rate on the project's rate card`,
        );
        continue;
      }
      if (model.checksRates) {
        const off = roleEntries.filter(
          (entry) => Math.abs(entry.rate - card.rate) > card.rate * policy.rules.rateTolerance,
        );
        if (off.length > 0)
          raise(
            'rate-mismatch',
            'finance',
            'time-entry',
            off.map((entry) => entry.entryId),
            `${off.length} ${role} entr${off.length === 1 ? 'y applies' : 'ies apply'} ${[...new Set(off.map((entry) => entry.rate))].join(', ')} ${project.currency}/h; the rate card says ${card.rate}`,
          );
      }
      const hours = sumHours(roleEntries);
      const unitPriceMinor = toMinor(card.rate, rounding);
      lines.push({
        kind: 'time',
        description: `${role}: ${hours} h at ${card.rate} ${project.currency}/h`,
        quantity: hours,
        unitPriceMinor,
        amountMinor: roundHalf(hours * unitPriceMinor, rounding.mode),
        sourceRecordIds: roleEntries.map((entry) => entry.entryId).sort(),
      });
    }
  }

  const expenses = input.records.expenses.filter((expense) => inPeriod(expense.date));
  for (const expense of checkExpenses(expenses, input, raise))
    if (model.bills.includes('approved-billable-expenses') && rounding)
      lines.push({
        kind: 'expense',
        description: `${expense.category} expense of ${expense.personId} on ${expense.date}`,
        quantity: 1,
        unitPriceMinor: toMinor(expense.amount, rounding),
        amountMinor: toMinor(expense.amount, rounding),
        sourceRecordIds: [expense.expenseId],
      });

  if (model.bills.includes('accepted-milestones')) {
    const due = input.records.milestones.filter((milestone) => inPeriod(milestone.dueDate));
    for (const milestone of checkMilestones(due, input, raise))
      if (rounding)
        lines.push({
          kind: 'milestone',
          description: `milestone ${milestone.name}, accepted by ${milestone.acceptedBy ?? '-'}`,
          quantity: 1,
          unitPriceMinor: toMinor(milestone.amount, rounding),
          amountMinor: toMinor(milestone.amount, rounding),
          sourceRecordIds: [milestone.milestoneId],
        });
  }
  if (model.bills.includes('retainer-fee') && rounding) {
    if (project.retainerFee === undefined)
      raise(
        'rate-card-missing',
        'finance',
        'project',
        [project.projectId],
        'a retainer project without a retainer fee',
      );
    else
      lines.push({
        kind: 'retainer',
        description: `retainer for ${period.period}`,
        quantity: 1,
        unitPriceMinor: toMinor(project.retainerFee, rounding),
        amountMinor: toMinor(project.retainerFee, rounding),
        sourceRecordIds: [project.projectId],
      });
  }

  const subtotalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  if (rounding && project.budgetRemaining !== undefined && subtotalMinor > toMinor(project.budgetRemaining, rounding))
    raise(
      'over-budget',
      project.deliveryLead,
      'project',
      [project.projectId],
      `the period's billable ${minorText(subtotalMinor, rounding.minorDigits)} ${project.currency} exceeds the remaining budget of ${project.budgetRemaining}`,
    );
  if (rounding && project.poCap !== undefined && subtotalMinor > toMinor(project.poCap, rounding))
    raise(
      'over-po-cap',
      'finance',
      'project',
      [project.projectId],
      `the period's billable ${minorText(subtotalMinor, rounding.minorDigits)} ${project.currency} exceeds the purchase order cap of ${project.poCap}`,
    );
  if (lines.length === 0)
    raise(
      'nothing-to-bill',
      project.projectManager,
      'project',
      [project.projectId],
      `nothing billable in ${period.period}`,
    );

  const sorted = findings.sort(compareFindings);
  const ready = !sorted.some((finding) => finding.blocks);
  const invoice =
    ready && rounding && tax && lines.length > 0
      ? draftRequest(input, lines, subtotalMinor, tax, rounding.mode, rounding.totalStepMinor)
      : undefined;
  return {
    projectId: project.projectId,
    period: period.period,
    ready,
    findings: sorted,
    ...(invoice ? { invoice } : {}),
    billableMinor: subtotalMinor,
    policyVersion: policy.version,
  };
}

type Raise = (
  code: FindingCode,
  ownerId: string,
  recordKind: FindingRecordKind,
  recordIds: readonly string[],
  message: string,
) => void;

/** Flags entries that are wrong in themselves and returns the rest. */
function validTimeEntries(entries: readonly TimeEntry[], input: ReadinessInput, raise: Raise): TimeEntry[] {
  const { project, policy } = input;
  const bad = new Set<string>();
  for (const entry of entries) {
    if (entry.hours < 0) {
      raise(
        'negative-hours',
        entry.personId,
        'time-entry',
        [entry.entryId],
        `time entry ${entry.entryId} of ${entry.personId} on ${entry.date} has ${entry.hours} hours`,
      );
      bad.add(entry.entryId);
    }
    if (entry.currency !== project.currency) {
      raise(
        'currency-mismatch',
        'finance',
        'time-entry',
        [entry.entryId],
        `time entry ${entry.entryId} is priced in ${entry.currency}; the project bills in ${project.currency}`,
      );
      bad.add(entry.entryId);
    }
    const covering = input.assignments.filter(
      (assignment) =>
        assignment.personId === entry.personId && assignment.from <= entry.date && entry.date <= assignment.to,
    );
    if (covering.length === 0) {
      raise(
        'time-outside-assignment',
        project.projectManager,
        'time-entry',
        [entry.entryId],
        `time entry ${entry.entryId}: ${entry.personId} is not assigned to ${project.projectId} on ${entry.date}`,
      );
      bad.add(entry.entryId);
    }
  }
  // Same person, role line, day and hours under another id: the later ids are the duplicates.
  const live = entries.filter((entry) => entry.status !== 'rejected' && !bad.has(entry.entryId));
  for (const [, same] of groupBy(
    live,
    (entry) => `${entry.personId}|${entry.roleLineId}|${entry.date}|${entry.hours}`,
  )) {
    if (same.length < 2) continue;
    const [original, ...copies] = [...same].sort((left, right) => left.entryId.localeCompare(right.entryId));
    raise(
      'duplicate-time-entry',
      original.personId,
      'time-entry',
      copies.map((entry) => entry.entryId),
      `time ${copies.map((entry) => entry.entryId).join(', ')} duplicates ${original.entryId} (${original.personId}, ${original.date}, ${original.hours} h)`,
    );
    for (const copy of copies) bad.add(copy.entryId);
  }
  const counted = live.filter((entry) => !bad.has(entry.entryId));
  for (const [key, day] of groupBy(counted, (entry) => `${entry.personId}|${entry.date}`)) {
    const hours = sumHours(day);
    if (hours <= policy.rules.maxHoursPerDay) continue;
    const [personId, date] = key.split('|');
    raise(
      'too-many-hours-in-day',
      personId,
      'time-entry',
      day.map((entry) => entry.entryId),
      `${personId} booked ${hours} hours on ${date} on this project (at most ${policy.rules.maxHoursPerDay})`,
    );
    for (const entry of day) bad.add(entry.entryId);
  }
  return entries.filter((entry) => entry.status !== 'rejected' && !bad.has(entry.entryId));
}

/** Everyone assigned has submitted time for each working day of theirs in the period, leave excepted. */
function checkTimeComplete(valid: readonly TimeEntry[], input: ReadinessInput, raise: Raise): void {
  const { period, calendar } = input;
  const submittedDays = new Set(
    valid
      .filter((entry) => entry.status === 'submitted' || entry.status === 'approved')
      .map((entry) => `${entry.personId}|${entry.date}`),
  );
  for (const [personId, assignments] of groupBy(input.assignments, (assignment) => assignment.personId)) {
    const leave = new Set(input.leave[personId] ?? []);
    const days = new Set<string>();
    for (const assignment of assignments) {
      const from = assignment.from > period.start ? assignment.from : period.start;
      const to = assignment.to < period.end ? assignment.to : period.end;
      if (from > to) continue;
      for (const day of workingDaysBetween(from, to, calendar)) if (!leave.has(day)) days.add(day);
    }
    const missing = [...days].filter((day) => !submittedDays.has(`${personId}|${day}`)).sort();
    if (missing.length === 0) continue;
    raise(
      'time-missing',
      personId,
      'assignment',
      assignments.map((assignment) => `${personId}/${assignment.roleLineId}`),
      `${personId} has not submitted time for ${missing.length} working day(s): ${summariseDays(missing)}`,
    );
  }
}

/** Flags expenses that cannot be billed yet and returns the billable ones. */
function checkExpenses(expenses: readonly Expense[], input: ReadinessInput, raise: Raise): Expense[] {
  const { project, policy } = input;
  const billable: Expense[] = [];
  for (const expense of expenses) {
    if (expense.status === 'rejected') continue;
    let ok = true;
    if (!policy.rounding[expense.currency]) {
      raise(
        'expense-unknown-currency',
        'finance',
        'expense',
        [expense.expenseId],
        `expense ${expense.expenseId} is in ${JSON.stringify(expense.currency)}, a currency the rounding table does not know`,
      );
      ok = false;
    } else if (expense.currency !== project.currency) {
      raise(
        'currency-mismatch',
        'finance',
        'expense',
        [expense.expenseId],
        `expense ${expense.expenseId} is in ${expense.currency}; the project bills in ${project.currency}`,
      );
      ok = false;
    }
    if (expense.status !== 'approved') {
      raise(
        'expense-not-approved',
        project.projectManager,
        'expense',
        [expense.expenseId],
        `expense ${expense.expenseId} of ${expense.personId} (${expense.amount} ${expense.currency}, ${expense.category}) is ${expense.status}, not approved`,
      );
      ok = false;
    }
    if (!expense.receiptDocumentId) {
      raise(
        'expense-receipt-missing',
        expense.personId,
        'expense',
        [expense.expenseId],
        `expense ${expense.expenseId} of ${expense.personId} has no receipt`,
      );
      ok = false;
    }
    if (expense.amount > expense.policyLimit || expense.amount < 0) {
      raise(
        'expense-over-policy',
        project.projectManager,
        'expense',
        [expense.expenseId],
        `expense ${expense.expenseId} of ${expense.amount} ${expense.currency} is outside the policy limit of ${expense.policyLimit}`,
      );
      ok = false;
    }
    if (ok && expense.billable) billable.push(expense);
  }
  return billable;
}

/** Flags milestones due this period without acceptance evidence and returns the accepted ones. */
function checkMilestones(milestones: readonly Milestone[], input: ReadinessInput, raise: Raise): Milestone[] {
  const accepted: Milestone[] = [];
  for (const milestone of milestones) {
    const missing = [
      ...(milestone.evidenceDocumentId ? [] : ['evidence document']),
      ...(milestone.acceptedBy ? [] : ['who accepted it']),
      ...(milestone.acceptedAt ? [] : ['when']),
    ];
    if (milestone.currency !== input.project.currency) {
      raise(
        'currency-mismatch',
        'finance',
        'milestone',
        [milestone.milestoneId],
        `milestone ${milestone.milestoneId} is in ${milestone.currency}; the project bills in ${input.project.currency}`,
      );
      continue;
    }
    if (missing.length > 0) {
      raise(
        'milestone-evidence-missing',
        input.project.deliveryLead,
        'milestone',
        [milestone.milestoneId],
        `milestone ${milestone.milestoneId} (${milestone.name}, due ${milestone.dueDate}) has no acceptance ${missing.join(', ')}`,
      );
      continue;
    }
    accepted.push(milestone);
  }
  return accepted;
}

function draftRequest(
  input: ReadinessInput,
  lines: InvoiceLine[],
  subtotalMinor: number,
  tax: { rate: number; reverseCharge: boolean; rule: string },
  mode: 'half-up' | 'half-even',
  stepMinor: number,
): InvoiceDraftRequest {
  const taxMinor = roundHalf(subtotalMinor * tax.rate, mode);
  const totalMinor = roundToStep(subtotalMinor + taxMinor, stepMinor);
  return {
    projectId: input.project.projectId,
    clientId: input.project.clientId,
    region: input.project.region,
    country: input.project.country,
    period: input.period.period,
    currency: input.project.currency,
    lines: [...lines].sort((left, right) =>
      `${left.kind}${left.description}`.localeCompare(`${right.kind}${right.description}`),
    ),
    subtotalMinor,
    taxRate: tax.rate,
    taxMinor,
    roundingMinor: totalMinor - subtotalMinor - taxMinor,
    totalMinor,
    reverseCharge: tax.reverseCharge,
    taxRule: tax.rule,
  };
}

/** Findings in a stable order: blocking first, then by due time, code, owner and records. */
function compareFindings(left: ReadinessFinding, right: ReadinessFinding): number {
  return (
    Number(right.blocks) - Number(left.blocks) ||
    left.dueAt.localeCompare(right.dueAt) ||
    left.code.localeCompare(right.code) ||
    left.ownerId.localeCompare(right.ownerId) ||
    left.recordIds.join(',').localeCompare(right.recordIds.join(','))
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return [...groups].sort(([left], [right]) => left.localeCompare(right));
}

function sumHours(entries: readonly TimeEntry[]): number {
  return Math.round(entries.reduce((sum, entry) => sum + entry.hours, 0) * 100) / 100;
}

function summariseDays(days: readonly string[]): string {
  return days.length <= 6 ? days.join(', ') : `${days.slice(0, 5).join(', ')} and ${days.length - 5} more`;
}

function minorText(amountMinor: number, digits: number): string {
  return (amountMinor / 10 ** digits).toFixed(digits);
}

/**
 * Records of a project psflow does not know (no billing project): one finding per project,
 * owned by finance, naming every record, since nobody else can say whose work it was.
 */
export function unknownProjectFinding(
  projectId: string,
  records: ProjectPeriodRecords,
  cutOffAt: Date,
  policy: BillingPolicy,
): ReadinessFinding {
  const rule = policy.rules.findings['unknown-project'];
  const ids = [
    ...records.timeEntries.map((entry) => entry.entryId),
    ...records.expenses.map((expense) => expense.expenseId),
    ...records.milestones.map((milestone) => milestone.milestoneId),
  ].sort();
  return {
    code: 'unknown-project',
    owner: rule.owner,
    ownerId: 'finance',
    dueAt: new Date(cutOffAt.getTime() - rule.dueHoursBeforeCutOff * 3_600_000).toISOString(),
    blocks: rule.blocks,
    recordKind: records.timeEntries.length > 0 ? 'time-entry' : records.expenses.length > 0 ? 'expense' : 'milestone',
    recordIds: ids.length > 0 ? ids : [projectId],
    message: `${records.timeEntries.length} time entr${records.timeEntries.length === 1 ? 'y' : 'ies'} (${sumHours(records.timeEntries)} h), ${records.expenses.length} expense(s) and ${records.milestones.length} milestone(s) are booked to ${projectId}, a project psflow does not know`,
  };
}
