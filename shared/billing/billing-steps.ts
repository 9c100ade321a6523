import { createHash } from 'node:crypto';
import { invoiceIdempotencyKey, type ErpInvoices } from '../connectors/erp/erp-invoices';
import type { PsaBillingRecords } from '../connectors/psa/psa-billing-records';
import { PsflowSource, WorkflowDetailType } from '../events/catalogue';
import type { EventPublisher } from '../events/event-publisher';
import type { Region } from '../model/primitives';
import { cutOffAt, daysAfterPeriodEnd, nextPeriod, parsePeriod, periodStartingOn } from './billing-calendar';
import type { BillingFixDetail } from './billing-events';
import type { BillingPolicy, FindingCode } from './billing-policy';
import type { AssignmentsForProject, BillingProjects, WorkingCalendar } from './billing-ports';
import { InvoiceDraftRequestSchema } from './billing-state';
import type {
  BillingCycle,
  CycleInput,
  DraftedProject,
  FanOut,
  InvoiceDraftResult,
  PlannedCycle,
  ProjectCheckInput,
  ReadinessOutcome,
  ReadyProject,
} from './billing-state';
import { checkReadiness, unknownProjectFinding } from './readiness';
import type { ProjectReadinessRecord, ReadinessStore } from './readiness-store';
import { syncBillingTasks, type BillingTaskStore } from './billing-tasks';

/** Starts executions by name; a taken name is an answer (the work was started before), not a failure. */
export interface ExecutionStarter {
  start(executionName: string, input: unknown): Promise<{ alreadyStarted: boolean }>;
}

/** Projects one fan-out step starts: small enough that a step stays well inside its timeout. */
export const FAN_OUT_PAGE = 100;
/** StartExecution calls in flight at once during the fan-out. */
const START_CONCURRENCY = 10;
const EXECUTION_NAME_MAX = 80;

/** The cycle's execution name: one per region, period and run. */
export function cycleExecutionName(region: string, period: string, runId: string): string {
  return safeName(`billing-${region}-${period}-${runId}`);
}

/** The project check's execution name: one per cycle run and project, plus the fix that caused a recheck. */
export function projectExecutionName(
  cycle: Pick<BillingCycle, 'region' | 'period' | 'runId'>,
  projectId: string,
  fix?: string,
): string {
  return safeName(
    `bill-${cycle.region}-${cycle.period}-${cycle.runId}-${projectId}${fix ? `-fix-${hash(fix, 12)}` : ''}`,
  );
}

/** `PlanBillingCycle`: the period's dates and cut-off in the region's calendar, recorded. */
export async function planCycle(
  input: CycleInput,
  policy: BillingPolicy,
  store: ReadinessStore,
  now: Date,
): Promise<BillingCycle> {
  const calendar = policy.calendars[input.region];
  const period = parsePeriod(input.period, calendar);
  const cycle: BillingCycle = {
    region: input.region,
    period: period.period,
    month: period.month,
    start: period.start,
    end: period.end,
    cutOffAt: input.cutOffAt ?? cutOffAt(period, calendar).toISOString(),
    runId: input.runId,
    policyVersion: policy.version,
    plannedAt: now.toISOString(),
  };
  await store.putCycle(cycle);
  return cycle;
}

/**
 * `StartProjectChecks`: one page of the region's active projects, one child execution each,
 * named after the cycle run and project, so a repeated step starts nothing twice. The parent's
 * history grows by one step per page, not per project (the 25,000-event limit). After the
 * active projects come the projects carried into this cycle: each gets a check of its old
 * period (against this cycle's cut-off), so a carried project is invoiced for it once fixed.
 */
export async function startProjectChecks(
  state: PlannedCycle,
  projects: BillingProjects,
  starter: ExecutionStarter,
  store: Pick<ReadinessStore, 'listCarriedInto' | 'getCycle'>,
): Promise<FanOut> {
  const { cycle, fanOut } = state;
  if (!fanOut.carriedOver) {
    const page = await projects.activeProjects(cycle.region, FAN_OUT_PAGE, fanOut.cursor);
    const counts = await startAll(
      starter,
      page.projects.map((project) => ({
        name: projectExecutionName(cycle, project.projectId),
        input: {
          cycle,
          projectId: project.projectId,
          trigger: { kind: 'cycle', reason: `${cycle.region} ${cycle.period} cycle ${cycle.runId}` },
        },
      })),
    );
    const progress = {
      started: fanOut.started + counts.started,
      alreadyStarted: fanOut.alreadyStarted + counts.alreadyStarted,
    };
    // The next step pages the carried projects: one list per step keeps each step's work bounded.
    if (page.cursor === undefined) return { done: false, carriedOver: true, carriedStarted: 0, ...progress };
    return { done: false, ...progress, cursor: page.cursor };
  }
  const page = await store.listCarriedInto(cycle.region, cycle.period, FAN_OUT_PAGE, fanOut.cursor);
  const oldCycles = new Map<string, BillingCycle | undefined>();
  for (const period of new Set(page.carried.map((carried) => carried.fromPeriod)))
    oldCycles.set(period, await store.getCycle(cycle.region, period));
  const checks = page.carried.flatMap((carried) => {
    const oldCycle = oldCycles.get(carried.fromPeriod);
    // Only a closed cycle carries, so its cycle item exists; without it there is nothing to check against.
    if (!oldCycle) return [];
    const input: ProjectCheckInput = {
      cycle: carriedCycle(oldCycle, cycle),
      projectId: carried.projectId,
      trigger: { kind: 'carried', reason: `carried from ${carried.fromPeriod} into the ${cycle.period} cycle` },
    };
    return [{ name: projectExecutionName(cycle, carried.projectId, `carried-${carried.fromPeriod}`), input }];
  });
  const counts = await startAll(starter, checks);
  return {
    done: page.cursor === undefined,
    started: fanOut.started + counts.started,
    alreadyStarted: fanOut.alreadyStarted + counts.alreadyStarted,
    carriedOver: true,
    carriedStarted: (fanOut.carriedStarted ?? 0) + counts.started + counts.alreadyStarted,
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/** An old period checked within a later cycle: its own dates and records, the later cycle's cut-off. */
export function carriedCycle(oldCycle: BillingCycle, current: Pick<BillingCycle, 'cutOffAt'>): BillingCycle {
  return { ...oldCycle, cutOffAt: current.cutOffAt };
}

async function startAll(
  starter: ExecutionStarter,
  checks: readonly { name: string; input: ProjectCheckInput }[],
): Promise<{ started: number; alreadyStarted: number }> {
  let started = 0;
  let alreadyStarted = 0;
  for (let index = 0; index < checks.length; index += START_CONCURRENCY) {
    const results = await Promise.all(
      checks.slice(index, index + START_CONCURRENCY).map((check) => starter.start(check.name, check.input)),
    );
    for (const result of results)
      if (result.alreadyStarted) alreadyStarted += 1;
      else started += 1;
  }
  return { started, alreadyStarted };
}

/** What a project check reads and writes through. */
export interface CheckDependencies {
  readonly policy: BillingPolicy;
  readonly projects: BillingProjects;
  readonly records: PsaBillingRecords;
  readonly assignments: AssignmentsForProject;
  readonly calendar: WorkingCalendar;
  readonly store: ReadinessStore;
  /** Where each blocking finding becomes a task for its owner, reminded by the SLA sweeper. */
  readonly tasks: BillingTaskStore;
  readonly publisher: EventPublisher;
  readonly now: () => Date;
}

/**
 * `CheckProjectReadiness`: reads the project's records for the period (one Query), its
 * assignments and their leave, runs the engine, records the verdict with every finding (its
 * owner and due time: what `psflow billing status` lists), and emits `Project Readiness Checked`
 * for the KPIs. A project already drafted is left as it is.
 */
export async function checkProjectReadiness(
  input: ProjectCheckInput,
  deps: CheckDependencies,
): Promise<ReadinessOutcome> {
  const { cycle, projectId } = input;
  const now = deps.now();
  const project = await deps.projects.project(projectId);
  if (!project) throw new Error(`billing.checkProjectReadiness: no billing project ${projectId}`);
  const regionCalendar = deps.policy.calendars[cycle.region];
  const period = parsePeriod(cycle.period, regionCalendar);
  const [records, assignments] = await Promise.all([
    deps.records.recordsFor(projectId, period.month),
    deps.assignments.assignmentsFor(projectId),
  ]);
  const people = [...new Set(assignments.map((assignment) => assignment.personId))].sort();
  const leave = Object.fromEntries(
    await Promise.all(
      people.map(async (personId) => [personId, await deps.calendar.leaveDays(personId, period.month)] as const),
    ),
  );
  const result = checkReadiness({
    project,
    period,
    calendar: regionCalendar,
    cutOffAt: new Date(cycle.cutOffAt),
    records,
    assignments,
    leave,
    policy: deps.policy,
  });
  const status = !result.ready ? 'blocked' : result.invoice ? 'ready' : 'nothing-to-bill';
  const recorded = await deps.store.recordCheck(
    cycle,
    projectId,
    { status, findings: result.findings, checkedAt: now.toISOString() },
    { reopenCarried: input.trigger.kind === 'carried' },
  );
  const blocking = result.findings.filter((finding) => finding.blocks);
  // A settled project (drafted, or carried at the cut-off) keeps the tasks it had; otherwise
  // the owners' tasks follow this check: new findings open tasks, fixed ones close theirs.
  if (!recorded.settled)
    await syncBillingTasks(cycle, projectId, result.findings, deps, now, `fixed: check ${recorded.record.checks}`);
  if (recorded.settled && !recorded.alreadyDrafted)
    return {
      status: 'closed',
      checkNumber: recorded.record.checks,
      blocking: 0,
      findings: 0,
      checkedAt: now.toISOString(),
    };
  if (recorded.alreadyDrafted)
    return {
      status: 'drafted',
      checkNumber: recorded.record.checks,
      blocking: 0,
      findings: 0,
      checkedAt: now.toISOString(),
    };
  const counts = new Map<
    string,
    { code: (typeof blocking)[number]['code']; owner: (typeof blocking)[number]['owner']; count: number }
  >();
  for (const finding of blocking) {
    const key = `${finding.code}|${finding.owner}`;
    const entry = counts.get(key) ?? { code: finding.code, owner: finding.owner, count: 0 };
    counts.set(key, { ...entry, count: entry.count + 1 });
  }
  await deps.publisher.publish([
    {
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.ProjectReadinessChecked,
      detail: {
        projectId,
        region: cycle.region,
        period: cycle.period,
        checkNumber: recorded.record.checks,
        status,
        firstPassReady: recorded.record.checks === 1 && status !== 'blocked',
        blockers: [...counts.values()],
        checkedAt: now.toISOString(),
      },
    },
  ]);
  return {
    status,
    checkNumber: recorded.record.checks,
    blocking: blocking.length,
    findings: result.findings.length,
    checkedAt: now.toISOString(),
    ...(result.invoice && status === 'ready' ? { invoice: InvoiceDraftRequestSchema.parse(result.invoice) } : {}),
  };
}

/** `DraftInvoice`: the ERP draft, once per project and period (the idempotency key). */
export async function draftInvoice(state: ReadyProject, erp: ErpInvoices, now: Date): Promise<InvoiceDraftResult> {
  const key = invoiceIdempotencyKey(state.projectId, state.cycle.period);
  const draft = await erp.createInvoiceDraft(key, state.readiness.invoice);
  if (draft.status === 'void')
    throw new Error(
      `billing.draftInvoice: the draft ${draft.invoiceId} for ${key} was voided; a new one needs finance`,
    );
  return {
    invoiceId: draft.invoiceId,
    idempotencyKey: key,
    totalMinor: draft.totalMinor,
    currency: draft.currency,
    draftedAt: draft.createdAt || now.toISOString(),
  };
}

/**
 * `RecordInvoiceDrafted`: marks the project drafted and emits `Invoice Drafted`, only the
 * first time: a rerun or a second check racing this one finds it drafted and emits nothing.
 */
export async function recordInvoiceDrafted(
  state: DraftedProject,
  deps: Pick<CheckDependencies, 'store' | 'publisher' | 'policy' | 'tasks'>,
): Promise<{ first: boolean }> {
  const { cycle, draft, readiness } = state;
  const first = await deps.store.markDrafted(cycle, state.projectId, draft);
  // A drafted project needs nothing more from anyone: whatever is still open for it closes.
  await syncBillingTasks(cycle, state.projectId, [], deps, new Date(draft.draftedAt), `drafted ${draft.invoiceId}`);
  if (!first) return { first };
  const record = await deps.store.get(cycle.region, cycle.period, state.projectId);
  const period = parsePeriod(cycle.period, deps.policy.calendars[cycle.region]);
  await deps.publisher.publish([
    {
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.InvoiceDrafted,
      detail: {
        projectId: state.projectId,
        region: cycle.region,
        period: cycle.period,
        invoiceId: draft.invoiceId,
        idempotencyKey: draft.idempotencyKey,
        currency: draft.currency,
        subtotalMinor: readiness.invoice.subtotalMinor,
        taxMinor: readiness.invoice.taxMinor,
        totalMinor: draft.totalMinor,
        lines: readiness.invoice.lines.length,
        firstPass: (record?.checks ?? 1) === 1,
        daysFromPeriodEnd: daysAfterPeriodEnd(period, new Date(draft.draftedAt), deps.policy.calendars[cycle.region]),
        draftedAt: draft.draftedAt,
      },
    },
  ]);
  return { first };
}

/** `VoidInvoiceDraft`: an abort voids the draft (never deletes it); nothing to void is fine. */
export async function voidInvoiceDraft(state: ProjectCheckInput, erp: ErpInvoices): Promise<{ voided: string | null }> {
  const draft = await erp.voidInvoiceDraft(
    invoiceIdempotencyKey(state.projectId, state.cycle.period),
    'the billing readiness of this project was aborted by its exception owner',
  );
  return { voided: draft?.invoiceId ?? null };
}

/**
 * `CloseBillingCycle`, at the cut-off: blocked projects are carried to the next period with
 * their reasons, records booked to projects psflow does not know are named, and
 * `Billing Cycle Closed` reports it all.
 */
export async function closeCycle(
  state: PlannedCycle,
  deps: Pick<CheckDependencies, 'store' | 'publisher' | 'policy' | 'records' | 'projects' | 'tasks'>,
  now: Date,
): Promise<{
  projects: number;
  drafted: number;
  carried: number;
  nothingToBill: number;
  unknownProjects: number;
  carriedOverDrafted: number;
  carriedOverBlocked: number;
  closedAt: string;
}> {
  const { cycle } = state;
  const calendar = deps.policy.calendars[cycle.region];
  const carriedTo = nextPeriod(parsePeriod(cycle.period, calendar), calendar).period;
  const totals = { projects: 0, drafted: 0, carried: 0, nothingToBill: 0 };
  const carriedProjects: { projectId: string; fromPeriod?: string; reasons: FindingCode[] }[] = [];
  const known = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(cycle.region, cycle.period, 500, cursor);
    for (const record of page.records) {
      known.add(record.projectId);
      totals.projects += 1;
      if (record.status === 'drafted') totals.drafted += 1;
      if (record.status === 'nothing-to-bill') totals.nothingToBill += 1;
      if (
        record.status === 'blocked' &&
        (await deps.store.markCarried(cycle, record.projectId, carriedTo, reasonsOf(record)))
      ) {
        totals.carried += 1;
        if (carriedProjects.length < 100)
          carriedProjects.push({ projectId: record.projectId, reasons: reasonsOf(record) });
      } else if (record.status === 'carried') totals.carried += 1;
    }
    cursor = page.cursor;
  } while (cursor);
  // Projects carried into this cycle: drafted for their old period by now, or carried on with its reasons.
  const carriedOver = { carriedOverDrafted: 0, carriedOverBlocked: 0 };
  let carriedCursor: string | undefined;
  do {
    const page = await deps.store.listCarriedInto(cycle.region, cycle.period, 500, carriedCursor);
    for (const carried of page.carried) {
      const old = await deps.store.get(cycle.region, carried.fromPeriod, carried.projectId);
      if (old?.status === 'drafted') {
        carriedOver.carriedOverDrafted += 1;
        continue;
      }
      const reasons = old ? reasonsOf(old) : [...carried.reasons];
      await deps.store.markCarried(
        { region: cycle.region, period: carried.fromPeriod },
        carried.projectId,
        carriedTo,
        reasons,
      );
      carriedOver.carriedOverBlocked += 1;
      if (carriedProjects.length < 100)
        carriedProjects.push({ projectId: carried.projectId, fromPeriod: carried.fromPeriod, reasons });
    }
    carriedCursor = page.cursor;
  } while (carriedCursor);
  const unknown: string[] = [];
  for (const projectId of await deps.records.projectsWithRecords(cycle.month)) {
    if (known.has(projectId) || (await deps.projects.project(projectId))) continue;
    unknown.push(projectId);
    const records = await deps.records.recordsFor(projectId, cycle.month);
    const findings = [unknownProjectFinding(projectId, records, new Date(cycle.cutOffAt), deps.policy)];
    await deps.store.recordCheck(cycle, projectId, { status: 'blocked', findings, checkedAt: now.toISOString() });
    // Finance finds out whose records these are: a task like any other missing prerequisite.
    await syncBillingTasks(cycle, projectId, findings, deps, now, 'the project is known now');
  }
  await deps.publisher.publish([
    {
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.BillingCycleClosed,
      detail: {
        region: cycle.region,
        period: cycle.period,
        cutOffAt: cycle.cutOffAt,
        ...totals,
        ...carriedOver,
        unknownProjects: unknown.slice(0, 100),
        carriedTo,
        carriedProjects,
        closedAt: now.toISOString(),
      },
    },
  ]);
  return { ...totals, ...carriedOver, unknownProjects: unknown.length, closedAt: now.toISOString() };
}

/**
 * A fix (`Time Entry Approved`, `Expense Approved`, `Milestone Accepted`, or an operator's
 * recheck) checks its project again, in a child execution named after the fix, so the same
 * event delivered twice checks once. Only a project that is blocked in an open cycle is
 * rechecked: a drafted one is done, and a carried one belongs to the next cycle.
 */
export async function recheckProject(
  fix: BillingFixDetail & { eventId: string },
  deps: { projects: BillingProjects; store: ReadinessStore; starter: ExecutionStarter; now: () => Date },
): Promise<{ rechecked: boolean; reason: string }> {
  const project = await deps.projects.project(fix.projectId);
  if (!project) return { rechecked: false, reason: `no billing project ${fix.projectId}` };
  const cycle = await deps.store.getCycle(project.region, fix.period);
  if (!cycle)
    return {
      rechecked: false,
      reason: `no ${project.region} cycle for ${fix.period} has started; it will check the project`,
    };
  const record = await deps.store.get(project.region, fix.period, fix.projectId);
  if (record?.status === 'drafted') return { rechecked: false, reason: 'already drafted' };
  // A carried project's old period is checked within the cycle it was carried to, against that cut-off.
  const carriedTo = record?.carriedTo;
  const carrying = carriedTo ? await deps.store.getCycle(project.region, carriedTo) : undefined;
  if (carriedTo && !carrying)
    return { rechecked: false, reason: `carried to ${carriedTo}, whose cycle will check it when it starts` };
  const checkCycle = carrying ? carriedCycle(cycle, carrying) : cycle;
  if (deps.now().getTime() >= Date.parse(checkCycle.cutOffAt))
    return {
      rechecked: false,
      reason: carrying ? `the ${carriedTo} cycle is past its cut-off` : 'the cycle is past its cut-off',
    };
  const input: ProjectCheckInput = {
    cycle: checkCycle,
    projectId: fix.projectId,
    trigger: carrying
      ? { kind: 'carried', reason: `${fix.recordId} at ${fix.at}, carried to ${carriedTo}` }
      : { kind: 'fix', reason: `${fix.recordId} at ${fix.at}` },
  };
  const { alreadyStarted } = await deps.starter.start(projectExecutionName(cycle, fix.projectId, fix.eventId), input);
  return { rechecked: !alreadyStarted, reason: alreadyStarted ? 'this fix was already rechecked' : 'rechecked' };
}

/**
 * The daily schedule of a region: starts the cycle of the period whose last business day it is
 * in the region's time zone (holidays included), and does nothing on other days.
 */
export async function startScheduledCycle(
  input: { region: Region; scheduledTime: string },
  policy: BillingPolicy,
  starter: ExecutionStarter,
): Promise<{ started: string | null }> {
  const period = periodStartingOn(new Date(input.scheduledTime), policy.calendars[input.region]);
  if (!period) return { started: null };
  const cycleInput: CycleInput = {
    region: input.region,
    period: period.period,
    runId: 'run-1',
    trigger: 'schedule',
    requestedBy: 'billing-schedule',
  };
  await starter.start(cycleExecutionName(input.region, period.period, 'run-1'), cycleInput);
  return { started: period.period };
}

/** The blocking finding codes of a project's record: why it is carried. */
function reasonsOf(record: ProjectReadinessRecord): FindingCode[] {
  return [...new Set(record.findings.filter((finding) => finding.blocks).map((finding) => finding.code))];
}

function safeName(name: string): string {
  const plain = name.replace(/[^A-Za-z0-9_-]/g, '_');
  if (plain.length <= EXECUTION_NAME_MAX && plain === name) return plain;
  return `${plain.slice(0, EXECUTION_NAME_MAX - 17)}-${hash(name, 16)}`;
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
