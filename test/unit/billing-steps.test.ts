import { parsePeriod } from '../../shared/billing/billing-calendar';
import { currentBillingPolicy } from '../../shared/billing/billing-policy';
import type { BillingProject, BillingProjects } from '../../shared/billing/billing-ports';
import {
  FAN_OUT_PAGE,
  projectExecutionName,
  recheckProject,
  startProjectChecks,
  startScheduledCycle,
  type ExecutionStarter,
} from '../../shared/billing/billing-steps';
import { ProjectCheckInput, type BillingCycle, type PlannedCycle } from '../../shared/billing/billing-state';
import type { CarriedOver, ProjectReadinessRecord, ReadinessStore } from '../../shared/billing/readiness-store';
import type { Region } from '../../shared/model/primitives';

const cycle: BillingCycle = {
  region: 'EMEA',
  period: '2026-11',
  month: '2026-11',
  start: '2026-11-01',
  end: '2026-11-30',
  cutOffAt: '2026-12-02T16:00:00.000Z',
  runId: 'run-1',
  policyVersion: currentBillingPolicy().version,
  plannedAt: '2026-11-30T07:00:00.000Z',
};

function project(index: number): BillingProject {
  return {
    projectId: `P-${String(index).padStart(5, '0')}`,
    name: 'p',
    clientId: 'c',
    region: 'EMEA',
    country: 'DE',
    clientIsBusiness: true,
    currency: 'EUR',
    billingModel: 'time-and-materials',
    status: 'active',
    rateCard: [],
    projectManager: 'pm',
    deliveryLead: 'dl',
  };
}

/** Projects paged by a numeric cursor, as the byRegion index pages them. */
function projects(count: number): BillingProjects {
  const all = Array.from({ length: count }, (_, index) => project(index));
  return {
    activeProjects: async (_region: Region, limit: number, cursor?: string) => {
      const start = cursor ? Number(cursor) : 0;
      const end = start + limit;
      return { projects: all.slice(start, end), ...(end < all.length ? { cursor: String(end) } : {}) };
    },
    project: async (projectId: string) => all.find((item) => item.projectId === projectId),
  };
}

/** Step Functions as far as names go: a taken name is `alreadyStarted`. */
function starter(): ExecutionStarter & { names: string[] } {
  const names: string[] = [];
  return {
    names,
    start: async (name: string) => {
      const alreadyStarted = names.includes(name);
      if (!alreadyStarted) names.push(name);
      return { alreadyStarted };
    },
  };
}

/** The 2026-12 cycle, which carried projects of 2026-11 are checked in. */
const december: BillingCycle = {
  ...cycle,
  period: '2026-12',
  month: '2026-12',
  start: '2026-12-01',
  end: '2026-12-31',
  cutOffAt: '2027-01-04T16:00:00.000Z',
};

function store(
  record?: Partial<ProjectReadinessRecord>,
  options: { cycles?: BillingCycle[]; carried?: CarriedOver[] } = {},
): ReadinessStore {
  const unused = () => Promise.reject(new Error('not used by this test'));
  const cycles = options.cycles ?? [cycle];
  return {
    putCycle: unused,
    getCycle: async (_region: string, period: string) => cycles.find((each) => each.period === period),
    recordCheck: unused,
    markDrafted: unused,
    markCarried: unused,
    list: unused,
    listCarriedInto: async (_region: string, _period: string, limit: number, cursor?: string) => {
      const all = options.carried ?? [];
      const start = cursor ? Number(cursor) : 0;
      return {
        carried: all.slice(start, start + limit),
        ...(start + limit < all.length ? { cursor: String(start + limit) } : {}),
      };
    },
    get: async () =>
      record && {
        region: 'EMEA',
        period: '2026-11',
        projectId: 'P-00001',
        status: 'blocked',
        checks: 1,
        firstCheckReady: false,
        findings: [],
        checkedAt: cycle.plannedAt,
        ...record,
      },
  };
}

describe('the billing cycle fan-out', () => {
  it('starts one child per project, page by page, and nothing twice when a page is repeated', async () => {
    // Prepare
    const executions = starter();
    const source = projects(250);
    let state: PlannedCycle = {
      region: 'EMEA',
      period: '2026-11',
      runId: 'run-1',
      trigger: 'schedule',
      requestedBy: 'schedule',
      cycle,
      fanOut: { done: false, started: 0, alreadyStarted: 0 },
    };
    const pages: number[] = [];

    // Act
    while (!state.fanOut.done) {
      const before = state;
      state = { ...state, fanOut: await startProjectChecks(state, source, executions, store()) };
      pages.push(state.fanOut.started - before.fanOut.started);
      if (pages.length === 1) await startProjectChecks(before, source, executions, store());
    }

    // Assess: three pages of active projects, then the (empty) page of projects carried in.
    expect(pages).toEqual([FAN_OUT_PAGE, FAN_OUT_PAGE, 50, 0]);
    expect(executions.names).toHaveLength(250);
    expect(new Set(executions.names).size).toBe(250);
    expect(executions.names[0]).toBe('bill-EMEA-2026-11-run-1-P-00000');
  });

  it('checks each project carried into the cycle against its old period and the new cut-off', async () => {
    // Prepare: November's cycle carried two projects into December.
    const executions = starter();
    const carried: CarriedOver[] = [
      { projectId: 'P-00001', fromPeriod: '2026-11', reasons: ['time-missing'] },
      { projectId: 'P-00002', fromPeriod: '2026-11', reasons: ['over-po-cap'] },
    ];
    const started: { name: string; input: unknown }[] = [];
    const recording: ExecutionStarter = {
      start: async (name, input) => {
        started.push({ name, input });
        return executions.start(name, input);
      },
    };
    let state: PlannedCycle = {
      region: 'EMEA',
      period: '2026-12',
      runId: 'run-1',
      trigger: 'schedule',
      requestedBy: 'schedule',
      cycle: december,
      fanOut: { done: false, started: 0, alreadyStarted: 0 },
    };
    const reader = store(undefined, { cycles: [cycle, december], carried });

    // Act
    while (!state.fanOut.done)
      state = { ...state, fanOut: await startProjectChecks(state, projects(3), recording, reader) };

    // Assess
    expect(state.fanOut).toMatchObject({ started: 5, carriedStarted: 2, carriedOver: true });
    const old = started.filter((each) => ProjectCheckInput.parse(each.input).trigger.kind === 'carried');
    expect(old.map((each) => ProjectCheckInput.parse(each.input).projectId)).toEqual(['P-00001', 'P-00002']);
    for (const each of old)
      expect(ProjectCheckInput.parse(each.input).cycle).toEqual({ ...cycle, cutOffAt: december.cutOffAt });
    expect(old[0]?.name).toBe(projectExecutionName(december, 'P-00001', 'carried-2026-11'));
  });

  it('keeps execution names within 80 safe characters for long and odd project ids', () => {
    // Act
    const names = [projectExecutionName(cycle, 'x'.repeat(120)), projectExecutionName(cycle, 'P 1/ä')];

    // Assess
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(names[0]).not.toBe(projectExecutionName(cycle, 'x'.repeat(121)));
  });
});

describe('a fix', () => {
  const fix = { projectId: 'P-00001', period: '2026-11', recordId: 'T-1', at: '2026-12-01T09:00:00Z', eventId: 'ev-1' };
  const beforeCutOff = () => new Date('2026-12-01T10:00:00Z');

  it('rechecks a blocked project once per event, however often the event is delivered', async () => {
    // Prepare
    const executions = starter();
    const deps = { projects: projects(3), store: store({ status: 'blocked' }), starter: executions, now: beforeCutOff };

    // Act
    const first = await recheckProject(fix, deps);
    const again = await recheckProject(fix, deps);

    // Assess
    expect(first).toEqual({ rechecked: true, reason: 'rechecked' });
    expect(again).toEqual({ rechecked: false, reason: 'this fix was already rechecked' });
    expect(executions.names).toEqual([projectExecutionName(cycle, 'P-00001', 'ev-1')]);
  });

  it.each([
    ['a drafted project', { status: 'drafted' as const }, beforeCutOff, 'already drafted'],
    [
      'a carried project until the cycle it was carried to starts',
      { status: 'carried' as const, carriedTo: '2026-12' },
      beforeCutOff,
      'carried to 2026-12, whose cycle will check it',
    ],
    [
      'a cycle past its cut-off',
      { status: 'blocked' as const },
      () => new Date('2026-12-03T00:00:00Z'),
      'past its cut-off',
    ],
  ])('leaves %s alone', async (_name, record, now, reason) => {
    // Prepare
    const executions = starter();

    // Act
    const result = await recheckProject(fix, { projects: projects(3), store: store(record), starter: executions, now });

    // Assess
    expect(result.rechecked).toBe(false);
    expect(result.reason).toContain(reason);
    expect(executions.names).toEqual([]);
  });

  it("rechecks a carried project's old period within the cycle it was carried to, against that cut-off", async () => {
    // Prepare: December's cycle runs; the fix is to November's time.
    const executions = starter();
    const started: unknown[] = [];
    const deps = {
      projects: projects(3),
      store: store({ status: 'carried', carriedTo: '2026-12' }, { cycles: [cycle, december] }),
      starter: { start: async (name: string, input: unknown) => (started.push(input), executions.start(name, input)) },
      now: () => new Date('2026-12-10T10:00:00Z'),
    };

    // Act
    const result = await recheckProject(fix, deps);

    // Assess
    expect(result).toEqual({ rechecked: true, reason: 'rechecked' });
    const input = ProjectCheckInput.parse(started[0]);
    expect(input.cycle).toEqual({ ...cycle, cutOffAt: december.cutOffAt });
    expect(input.trigger.kind).toBe('carried');
  });

  it('says so when the project is unknown', async () => {
    // Act
    const result = await recheckProject(
      { ...fix, projectId: 'P-NOPE' },
      { projects: projects(3), store: store(), starter: starter(), now: beforeCutOff },
    );

    // Assess
    expect(result).toEqual({ rechecked: false, reason: 'no billing project P-NOPE' });
  });
});

describe('the regional schedule', () => {
  it('starts the cycle on the last business day in the region, and only then', async () => {
    // Prepare
    const executions = starter();
    const days = ['2026-11-27T07:00:00Z', '2026-11-30T07:00:00Z', '2026-12-30T07:00:00Z', '2026-12-31T07:00:00Z'];

    // Act
    const started = [];
    for (const scheduledTime of days)
      started.push(
        (await startScheduledCycle({ region: 'EMEA', scheduledTime }, currentBillingPolicy(), executions)).started,
      );

    // Assess: Dec 31 is an EMEA holiday, so December's cycle starts on the 30th.
    expect(started).toEqual([null, '2026-11', '2026-12', null]);
    expect(executions.names).toEqual(['billing-EMEA-2026-11-run-1', 'billing-EMEA-2026-12-run-1']);
    expect(parsePeriod('2026-12', currentBillingPolicy().calendars.EMEA).end).toBe('2026-12-31');
  });
});
