import { currentChangePolicy } from '../../shared/change-control/change-policy';
import type { ChangeApplication, PlanUpdate, ProjectBaseline } from '../../shared/change-control/change-ports';
import type { ChangeLog, ChangeRecord, ChangeRecordUpdate } from '../../shared/change-control/change-record';
import { ChangeRequestedDetail } from '../../shared/change-control/change-request';
import { ApprovedChange, type ChangeControlState } from '../../shared/change-control/change-state';
import {
  adjustBookingsStep,
  announceChangeAppliedStep,
  assessChangeStep,
  ChangeRefusedError,
  compensateChange,
  recordChangeApprovalStep,
  recordChangeRejectedStep,
  requestChangeResourcesStep,
  reviseBudgetStep,
  routeChangeApproval,
  type ChangeControlPorts,
} from '../../shared/change-control/change-steps';
import { WorkflowDetailType } from '../../shared/events/catalogue';
import { findContract } from '../../shared/events/contracts';
import type { RoleLine } from '../../shared/model/entities';
import type { Money } from '../../shared/model/primitives';
import { RecordingPublisher } from './fakes/procurement-fakes';

const NOW = new Date('2026-12-03T10:00:00.000Z');
const eur = (amountMinor: number): Money => ({ amountMinor, currency: 'EUR' });

function line(overrides: Partial<RoleLine> = {}): RoleLine {
  return {
    lineId: 'L-010',
    role: 'Engagement Manager',
    skills: [],
    hours: 100,
    rate: eur(20_000),
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    ...overrides,
  };
}

/** 100 h x 200 + 400 h x 150 = 80,000 EUR; cost 100 x 120 + 400 x 90 = 48,000 EUR. */
const LINES = [line(), line({ lineId: 'L-020', role: 'Data Engineer', hours: 400, rate: eur(15_000) })];
const BASELINE: ProjectBaseline = {
  projectId: 'prj-1',
  baselineVersion: 1,
  budget: eur(8_000_000),
  startDate: '2027-01-04',
  endDate: '2027-03-31',
  roleLines: LINES,
};
const COST: Record<string, number> = { 'engagement manager': 12_000, 'data engineer': 9_000 };

class MemoryLog implements ChangeLog {
  readonly records = new Map<string, Record<string, unknown>>();
  async save(update: ChangeRecordUpdate): Promise<void> {
    this.records.set(update.changeId, { ...this.records.get(update.changeId), ...update });
  }
  async get(changeId: string): Promise<ChangeRecord | undefined> {
    const record = this.records.get(changeId);
    return record === undefined
      ? undefined
      : {
          ...record,
          changeId,
          projectId: 'prj-1',
          status: 'applied',
          change: CHANGE_BASE,
          requestedAt: CHANGE_BASE.requestedAt,
          updatedAt: NOW.toISOString(),
        };
  }
  async listByProject(): Promise<ChangeRecord[]> {
    return [];
  }
}

class MemoryApplication implements ChangeApplication {
  readonly calls: string[] = [];
  async reviseBudget(_projectId: string, changeId: string, budget: Money) {
    this.calls.push(`budget ${changeId} ${budget.amountMinor}`);
    return { baselineId: 'BUD-2', baselineVersion: 2, previousVersion: 1 };
  }
  async updatePlan(_projectId: string, _changeId: string, plan: PlanUpdate) {
    this.calls.push(`plan ${plan.endDate}`);
    return { psaProjectId: 'PSA-1' };
  }
  async updateBillingSchedule() {
    return { movedMilestones: [], ratesUpdated: [] };
  }
  async adjustBooking(
    _projectId: string,
    _changeId: string,
    bookingId: string,
    adjustment: { endDate: string } | { release: true },
  ) {
    this.calls.push(`booking ${bookingId} ${'endDate' in adjustment ? adjustment.endDate : 'released'}`);
  }
  async revertChange(_projectId: string, changeId: string) {
    this.calls.push(`revert ${changeId}`);
    return ['erp budget BUD-2 (v2) voided; v1 is the baseline again'];
  }
}

const CHANGE_BASE = ChangeRequestedDetail.parse({
  changeId: 'CHG-1',
  projectId: { system: 'psflow', id: 'prj-1' },
  source: 'psa',
  region: 'EMEA',
  practice: 'data-engineering',
  requestedBy: 'paula.pm',
  reason: 'two more data sources',
  requestedAt: '2026-12-01T10:00:00.000Z',
  proposed: { endDate: '2027-04-30' },
});

function change(proposed: Record<string, unknown>, extra: Record<string, unknown> = {}): ChangeRequestedDetail {
  return ChangeRequestedDetail.parse({ ...CHANGE_BASE, proposed, ...extra });
}

function ports(overrides: Partial<ChangeControlPorts> = {}) {
  const log = new MemoryLog();
  const events = new RecordingPublisher();
  const application = new MemoryApplication();
  const all: ChangeControlPorts = {
    plans: { currentBaseline: async () => BASELINE },
    costRates: {
      costRateFor: async (role) => (COST[role.toLowerCase()] === undefined ? undefined : eur(COST[role.toLowerCase()])),
    },
    bookings: {
      bookingsFor: async () => [
        {
          bookingId: 'B-1',
          resourceId: 'R-1',
          lineId: 'L-020',
          startDate: '2027-01-04',
          endDate: '2027-03-31',
          hours: 400,
        },
      ],
    },
    approvedHours: { approvedHoursByLine: async () => ({ 'L-020': 150 }) },
    billing: { milestonesFor: async () => [], draftedInvoicesFor: async () => [] },
    application,
    log,
    events,
    ...overrides,
  };
  return { all, log, events, application };
}

async function approved(detail: ChangeRequestedDetail, p: ChangeControlPorts): Promise<ApprovedChange> {
  const assessment = await assessChangeStep({ change: detail }, p, currentChangePolicy(), NOW);
  return ApprovedChange.parse({
    change: detail,
    assessment,
    approval: {
      decisions: [
        { decidedBy: 'dana.delivery', decidedAt: '2026-12-02T10:00:00.000Z' },
        { decidedBy: 'pat.practice', decidedAt: '2026-12-03T09:00:00.000Z' },
      ],
    },
  });
}

describe('change-control steps', () => {
  it('holds a change that cuts hours below the approved time entries, with the line and the hours', async () => {
    // Prepare
    const { all, log } = ports();
    const state: ChangeControlState = {
      change: change({ roleLines: [LINES[0], { ...LINES[1], hours: 100 }] }),
    };

    // Act
    const assessing = assessChangeStep(state, all, currentChangePolicy(), NOW);

    // Assess
    await expect(assessing).rejects.toThrow(ChangeRefusedError);
    await expect(assessing).rejects.toThrow(
      /changes\.assessChange: refused: .*L-020 .* 100 h, but 150 h are already approved/,
    );
    expect(log.records.get('CHG-1')).toMatchObject({ status: 'held', heldReasons: [expect.stringContaining('L-020')] });
  });

  it('holds a negative budget, naming the field', async () => {
    // Prepare
    const { all } = ports();

    // Act
    const assessing = assessChangeStep({ change: change({ budget: eur(-100) }) }, all, currentChangePolicy(), NOW);

    // Assess
    await expect(assessing).rejects.toThrow(/proposed\.budget: the budget would be negative/);
  });

  it('holds a change to a project with no baseline', async () => {
    // Prepare
    const { all } = ports({ plans: { currentBaseline: async () => undefined } });

    // Act
    const assessing = assessChangeStep({ change: change({ endDate: '2027-04-30' }) }, all, currentChangePolicy(), NOW);

    // Assess
    await expect(assessing).rejects.toThrow(/projectId: project prj-1 has no baseline/);
  });

  it('routes a medium EMEA change to the delivery lead then the practice lead, with the summary as reasons', async () => {
    // Prepare: 100 more Data Engineer hours at 150 EUR: +15,000 EUR, 18.75% of the budget.
    const { all, log } = ports();
    const detail = change(
      { roleLines: [LINES[0], { ...LINES[1], hours: 500 }], endDate: '2027-04-30' },
      { clientSignOff: { documentReference: 'DOC-CO-1', signedAt: '2026-11-30T10:00:00.000Z' } },
    );

    // Act
    const assessment = await assessChangeStep({ change: detail }, all, currentChangePolicy(), NOW);
    const route = routeChangeApproval(assessment.subject);

    // Assess
    expect(route.levels.map((level) => level.role)).toEqual(['delivery-lead', 'practice-lead']);
    expect(route.levelIndexes).toEqual([0, 1]);
    expect(route.amountEur).toBe(15_000);
    expect(assessment.subject.reasons[1]).toBe('Budget: 80,000 EUR → 95,000 EUR (+15,000 EUR, +18.8%)');
    expect(assessment.impact.staffing.bookingsToExtend.map((booking) => booking.bookingId)).toEqual(['B-1']);
    expect(log.records.get('CHG-1')).toMatchObject({ status: 'awaiting-approval', baselineVersion: 1 });
  });

  it('refuses a change above the client sign-off threshold without the sign-off', async () => {
    // Prepare
    const { all } = ports();

    // Act
    const assessing = assessChangeStep(
      { change: change({ roleLines: [LINES[0], { ...LINES[1], hours: 500 }] }) },
      all,
      currentChangePolicy(),
      NOW,
    );

    // Assess
    await expect(assessing).rejects.toThrow(/clientSignOff: client sign-off required/);
  });

  it('announces the approval with its cycle time, revises the budget as a new version and asks staffing for the new hours', async () => {
    // Prepare
    const { all, events, application, log } = ports();
    const detail = change(
      { roleLines: [LINES[0], { ...LINES[1], hours: 500 }], endDate: '2027-04-30' },
      { clientSignOff: { documentReference: 'DOC-CO-1', signedAt: '2026-11-30T10:00:00.000Z' } },
    );
    const state = await approved(detail, all);

    // Act
    const approval = await recordChangeApprovalStep(state, all, NOW);
    const budget = await reviseBudgetStep(state, all, NOW);
    const bookings = await adjustBookingsStep(state, all, NOW);
    const resources = await requestChangeResourcesStep(state, all, NOW);
    const applied = await announceChangeAppliedStep({ ...state, budget }, all, NOW);

    // Assess
    expect(approval).toEqual({
      approvers: ['dana.delivery', 'pat.practice'],
      approvedAt: NOW.toISOString(),
      cycleTimeSeconds: 2 * 86_400,
    });
    expect(budget).toEqual({ baselineId: 'BUD-2', baselineVersion: 2, previousVersion: 1, budget: eur(9_500_000) });
    expect(bookings.adjustments).toEqual([{ bookingId: 'B-1', action: 'extended', endDate: '2027-04-30' }]);
    expect(application.calls).toEqual(['budget CHG-1 9500000', 'booking B-1 2027-04-30']);
    expect(resources.requests).toEqual([
      { lineId: expect.stringMatching(/^L-020-c[0-9a-f]{8}$/), role: 'Data Engineer', hours: 100 },
    ]);
    expect(applied.baselineVersion).toBe(2);
    expect(events.events.map((event) => event.detailType)).toEqual([
      WorkflowDetailType.ChangeApproved,
      WorkflowDetailType.ResourceRequested,
      WorkflowDetailType.ChangeApplied,
    ]);
    for (const event of events.events)
      expect(findContract(event.source, event.detailType)?.detail.safeParse(event.detail).success).toBe(true);
    expect(events.events[2].detail).toMatchObject({ margin: { beforePercent: 40, afterPercent: 40, deltaPoints: 0 } });
    expect(log.records.get('CHG-1')).toMatchObject({ status: 'applied', newBaselineVersion: 2 });
  });

  it('records a rejection and announces it; compensation reverts and marks the change', async () => {
    // Prepare
    const { all, events, application, log } = ports();
    const state = await approved(change({ endDate: '2027-04-30' }), all);

    // Act
    await recordChangeRejectedStep(state, 'too late in the year', all, NOW);
    const compensation = await compensateChange(state, all, NOW);

    // Assess
    expect(events.events[0]).toMatchObject({
      detailType: WorkflowDetailType.ChangeRejected,
      detail: { reason: 'too late in the year' },
    });
    expect(compensation.actions).toEqual(['erp budget BUD-2 (v2) voided; v1 is the baseline again']);
    expect(application.calls).toEqual(['revert CHG-1']);
    expect(log.records.get('CHG-1')).toMatchObject({ status: 'compensated' });
  });
});
