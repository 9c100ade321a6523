import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { findContract } from '../../shared/events/contracts';
import { aggregateEvent } from '../../shared/kpis/aggregate-event';
import { KPI_EVENT_DETAIL_TYPES } from '../../shared/kpis/fact-registry';
import {
  dayOf,
  deltasByItem,
  itemKey,
  addDeltas,
  aggregateKey,
  trendKey,
} from '../../shared/kpis/kpi-aggregates-table';
import type { KpiFact } from '../../shared/kpis/kpi-facts';
import { coveringPeriods } from '../../shared/kpis/kpi-periods';
import type { DayAggregate, KpiAggregateStore, KpiDimensions, RejectedKpiEvent } from '../../shared/kpis/kpi-store';
import { queryKpis } from '../../shared/kpis/query-kpis';
import { renderKpiReport } from '../../cli/commands/kpis';

/** The KPI items in memory, built by the same `deltasByItem` and read by the same `dayOf` as the table. */
class InMemoryKpiStore implements KpiAggregateStore {
  readonly items = new Map<string, Map<string, number>>();
  readonly applied = new Set<string>();
  readonly rejected: RejectedKpiEvent[] = [];

  async apply(dedupeKey: string, facts: readonly KpiFact[]): Promise<'applied' | 'duplicate'> {
    if (this.applied.has(dedupeKey)) return 'duplicate';
    this.applied.add(dedupeKey);
    for (const [key, deltas] of deltasByItem(facts))
      this.items.set(key, addDeltas(this.items.get(key) ?? new Map(), deltas));
    return 'applied';
  }

  private read(pk: string, sks: readonly string[]): DayAggregate[] {
    return sks.flatMap((sk) => {
      const found = this.items.get(`${pk}\u0000${sk}`);
      return found ? [dayOf({ ...itemKey(`${pk}\u0000${sk}`), ...Object.fromEntries(found) })] : [];
    });
  }

  async readRange(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]> {
    return this.read(
      aggregateKey(dimensions),
      coveringPeriods(from, to).map((period) => period.sk),
    );
  }

  async readTrend(dimensions: KpiDimensions, from: string, to: string): Promise<DayAggregate[]> {
    const days = coveringPeriods(from, to).flatMap((period) => {
      const all: string[] = [];
      for (let at = Date.parse(period.from); at <= Date.parse(period.to); at += 86_400_000)
        all.push(new Date(at).toISOString().slice(0, 10));
      return all;
    });
    return this.read(trendKey(dimensions), days);
  }

  async reject(event: RejectedKpiEvent): Promise<void> {
    this.rejected.push(event);
  }

  async listRejected(): Promise<RejectedKpiEvent[]> {
    return this.rejected;
  }
}

const NOW = new Date('2026-11-30T12:00:00Z');
let sequence = 0;

/** An event as the bus delivers it, after checking the detail against its published contract. */
function busEvent(detailType: string, detail: Record<string, unknown>) {
  const contract = findContract(PsflowSource.Workflow, detailType);
  const parsed = contract?.detail.safeParse(detail);
  if (!parsed?.success) throw new Error(`fixture of ${detailType} does not fit its contract: ${parsed?.error.message}`);
  sequence++;
  return { id: `event-${sequence}`, source: PsflowSource.Workflow, 'detail-type': detailType, detail };
}

function assigned(requestId: string, requestedAt: string | undefined, assignedAt: string) {
  return busEvent(WorkflowDetailType.ResourceAssigned, {
    requestId,
    projectId: 'prj-1',
    lineId: requestId.split(':')[1],
    role: 'data-engineer',
    assignments: [{ personId: 'p-1', bookingId: 'b-1', hours: 120 }],
    pickedByManager: false,
    assignedAt,
    ...(requestedAt ? { requestedAt, region: 'EMEA' } : {}),
  });
}

function unfilled(requestId: string, detectedAt: string) {
  return busEvent(WorkflowDetailType.StaffingRequestUnfilled, {
    requestId,
    projectId: 'prj-1',
    roleLine: {
      lineId: requestId.split(':')[1],
      role: 'quantum-architect',
      skills: ['quantum'],
      hours: 80,
      rate: { amountMinor: 150_00, currency: 'EUR' },
      startDate: '2026-12-01',
      endDate: '2027-01-31',
    },
    region: 'EMEA',
    reason: 'nobody has the skill quantum',
    excludedCounts: { skills: 42 },
    detectedAt,
  });
}

function checked(projectId: string, checkNumber: number, status: 'ready' | 'blocked', blockers: unknown[] = []) {
  return busEvent(WorkflowDetailType.ProjectReadinessChecked, {
    projectId,
    region: 'EMEA',
    period: '2026-10',
    checkNumber,
    status,
    firstPassReady: checkNumber === 1 && status === 'ready',
    blockers,
    checkedAt: `2026-11-0${checkNumber}T08:00:00Z`,
  });
}

function drafted(projectId: string, daysFromPeriodEnd: number) {
  return busEvent(WorkflowDetailType.InvoiceDrafted, {
    projectId,
    region: 'EMEA',
    period: '2026-10',
    invoiceId: `inv-${projectId}`,
    idempotencyKey: `${projectId}#2026-10`,
    currency: 'EUR',
    subtotalMinor: 1000_00,
    taxMinor: 190_00,
    totalMinor: 1190_00,
    lines: 3,
    firstPass: true,
    daysFromPeriodEnd,
    draftedAt: `2026-11-0${daysFromPeriodEnd}T09:00:00Z`,
  });
}

describe('KPIs of staffing, billing readiness, procurement and change control', () => {
  it('counts time to staff and fill rate from assignments and unfilled requests, once per request', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const deps = { store, now: () => NOW };

    // Act
    const outcomes = [
      await aggregateEvent(assigned('prj-1:L1', '2026-11-02T09:00:00Z', '2026-11-04T09:00:00Z'), deps),
      await aggregateEvent(assigned('prj-1:L2', '2026-11-03T09:00:00Z', '2026-11-03T21:00:00Z'), deps),
      // An older producer's event without requestedAt still counts the fill, untimed.
      await aggregateEvent(assigned('prj-1:L3', undefined, '2026-11-05T09:00:00Z'), deps),
      await aggregateEvent(unfilled('prj-1:L4', '2026-11-05T10:00:00Z'), deps),
      // Found unfillable again after a relaxed rerun: the same request.
      await aggregateEvent(unfilled('prj-1:L4', '2026-11-06T10:00:00Z'), deps),
      await aggregateEvent(assigned('prj-1:L1', '2026-11-02T09:00:00Z', '2026-11-04T09:00:00Z'), deps),
    ];
    const report = await queryKpis({ from: '2026-11-01', to: '2026-11-30' }, deps);

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'duplicate',
      'duplicate',
    ]);
    expect(report.staffing).toMatchObject({ filled: 3, unfilled: 1, fillRate: 0.75 });
    expect(report.staffing?.timeToStaff.count).toBe(2);
    expect(report.staffing?.timeToStaff.meanSeconds).toBe((2 * 86_400 + 12 * 3600) / 2);
    const emea = await queryKpis({ region: 'EMEA', from: '2026-11-01', to: '2026-11-30' }, deps);
    expect(emea.staffing).toMatchObject({ filled: 2, unfilled: 1 });
  });

  it('counts first-pass readiness, blockers by prerequisite and owner, carried projects and billing cycle time', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const deps = { store, now: () => NOW };
    const missingTime = { code: 'time-missing', owner: 'consultant', count: 3 };
    const unapproved = { code: 'expense-not-approved', owner: 'project-manager', count: 1 };

    // Act
    for (const event of [
      checked('prj-a', 1, 'ready'),
      checked('prj-b', 1, 'blocked', [missingTime, unapproved]),
      checked('prj-c', 1, 'blocked', [missingTime]),
      // A recheck after a fix is not a first pass.
      checked('prj-b', 2, 'ready'),
      drafted('prj-a', 2),
      drafted('prj-b', 4),
      busEvent(WorkflowDetailType.BillingCycleClosed, {
        region: 'EMEA',
        period: '2026-10',
        cutOffAt: '2026-11-06T18:00:00Z',
        projects: 3,
        drafted: 2,
        carried: 1,
        nothingToBill: 0,
        unknownProjects: [],
        carriedTo: '2026-11',
        carriedProjects: [{ projectId: 'prj-c', reasons: ['time-missing', 'time-missing'] }],
        closedAt: '2026-11-06T18:00:00Z',
      }),
    ])
      expect((await aggregateEvent(event, deps)).outcome).toBe('applied');
    const report = await queryKpis({ from: '2026-11-01', to: '2026-11-30' }, deps);

    // Assess
    expect(report.billing).toMatchObject({
      checked: 3,
      firstPassReady: 1,
      drafted: 2,
      carried: 1,
      blocked: [
        { prerequisite: 'time-missing', owner: 'consultant', projects: 2 },
        { prerequisite: 'expense-not-approved', owner: 'project-manager', projects: 1 },
      ],
      carriedFor: [{ prerequisite: 'time-missing', projects: 1 }],
    });
    expect(report.billing?.firstPassReadiness).toBeCloseTo(1 / 3);
    expect(report.billing?.cycleTime).toMatchObject({ count: 2, meanSeconds: 3 * 86_400 });
    const text = renderKpiReport(report);
    expect(text).toMatch(/time-missing\s+consultant\s+2/);
    expect(text).toContain('first-pass ready 33');
  });

  it('counts purchase orders with their cycle time and vendors onboarded', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const deps = { store, now: () => NOW };
    const order = (requestId: string, cycleTimeSeconds: number) =>
      busEvent(WorkflowDetailType.PurchaseOrderIssued, {
        requestId,
        purchaseOrderId: { system: 'erp', id: `po-${requestId}` },
        vendorId: { system: 'procurement', id: 'v-1' },
        region: 'AMER',
        amount: { amountMinor: 5000_00, currency: 'USD' },
        tax: { treatment: 'standard', amount: { amountMinor: 0, currency: 'USD' } },
        requestedBy: 'pat.practice',
        approvers: ['fiona.finance'],
        requestedAt: '2026-11-10T09:00:00Z',
        issuedAt: '2026-11-12T09:00:00Z',
        cycleTimeSeconds,
      });

    // Act
    await aggregateEvent(order('pr-1', 86_400), deps);
    await aggregateEvent(order('pr-2', 3 * 86_400), deps);
    await aggregateEvent(
      busEvent(WorkflowDetailType.VendorOnboarded, {
        vendorId: { system: 'procurement', id: 'v-1' },
        name: 'Quantum Partners',
        region: 'AMER',
        requestId: 'pr-1',
        documents: [{ kind: 'insurance', expiresOn: '2027-06-30' }],
        onboardedAt: '2026-11-11T09:00:00Z',
      }),
      deps,
    );
    const report = await queryKpis({ region: 'AMER', from: '2026-11-01', to: '2026-11-30' }, deps);
    const elsewhere = await queryKpis({ region: 'EMEA', from: '2026-11-01', to: '2026-11-30' }, deps);

    // Assess
    expect(report.procurement).toMatchObject({ purchaseOrdersIssued: 2, vendorsOnboarded: 1 });
    expect(report.procurement?.purchaseOrderCycleTime).toMatchObject({ count: 2, meanSeconds: 2 * 86_400 });
    expect(elsewhere.procurement).toBeNull();
    expect(renderKpiReport(report)).toContain('purchase orders issued 2');
  });

  it('counts change approvals, rejections, approval cycle time and the margin impact of applied changes, once per change', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const deps = { store, now: () => NOW };
    const identity = (changeId: string) => ({
      changeId,
      projectId: { system: 'psflow', id: 'prj-1' },
      source: 'psa',
      region: 'EMEA',
      practice: 'data-engineering',
      requestedBy: 'dana.delivery',
      requestedAt: '2026-11-09T09:00:00Z',
    });
    const approved = (changeId: string, approvalCycleTimeSeconds: number) =>
      busEvent(WorkflowDetailType.ChangeApproved, {
        ...identity(changeId),
        approvers: ['fiona.finance'],
        policyVersion: 1,
        ruleId: 'emea-under-10k',
        budgetDelta: { amountMinor: 5000_00, currency: 'EUR' },
        approvedAt: '2026-11-10T09:00:00Z',
        approvalCycleTimeSeconds,
      });
    const applied = (changeId: string, beforePercent: number, afterPercent: number) =>
      busEvent(WorkflowDetailType.ChangeApplied, {
        ...identity(changeId),
        baselineVersion: 2,
        previousBaselineVersion: 1,
        budgetBefore: { amountMinor: 100_000_00, currency: 'EUR' },
        budgetAfter: { amountMinor: 105_000_00, currency: 'EUR' },
        margin: { beforePercent, afterPercent, deltaPoints: afterPercent - beforePercent },
        appliedTo: ['erp budget BUD-1 (v2)'],
        appliedAt: '2026-11-11T09:00:00Z',
      });

    // Act
    await aggregateEvent(approved('chg-1', 3600), deps);
    await aggregateEvent(approved('chg-2', 3600), deps);
    await aggregateEvent(approved('chg-3', 86_400), deps);
    // The same approval announced again, as a new EventBridge event: counted once.
    const again = await aggregateEvent(approved('chg-3', 86_400), deps);
    await aggregateEvent(
      busEvent(WorkflowDetailType.ChangeRejected, {
        ...identity('chg-4'),
        reason: 'out of scope',
        rejectedAt: '2026-11-10T10:00:00Z',
      }),
      deps,
    );
    await aggregateEvent(applied('chg-1', 32.5, 30.15), deps);
    await aggregateEvent(applied('chg-2', 30, 30.45), deps);
    const appliedAgain = await aggregateEvent(applied('chg-1', 32.5, 30.15), deps);
    const report = await queryKpis({ practice: 'data-engineering', from: '2026-11-01', to: '2026-11-30' }, deps);
    const elsewhere = await queryKpis({ region: 'AMER', from: '2026-11-01', to: '2026-11-30' }, deps);

    // Assess
    expect(again.outcome).toBe('duplicate');
    expect(appliedAgain.outcome).toBe('duplicate');
    expect(report.changeControl).toMatchObject({
      approved: 3,
      rejected: 1,
      approvalRate: 0.75,
      applied: 2,
      marginDrops: 1,
    });
    // (-2.35 + 0.45) / 2, summed in hundredths of a point.
    expect(report.changeControl?.meanMarginImpactPoints).toBeCloseTo(-0.95, 10);
    const cycle = report.changeControl?.approvalCycleTime;
    expect(cycle?.count).toBe(3);
    expect(Math.abs((cycle?.p50Seconds ?? 0) - 3600) / 3600).toBeLessThan(0.1);
    expect(Math.abs((cycle?.p95Seconds ?? 0) - 86_400) / 86_400).toBeLessThan(0.1);
    expect(elsewhere.changeControl).toBeNull();
    const text = renderKpiReport(report);
    expect(text).toContain('approved 3, rejected 1, approval rate 75.0 %');
    expect(text).toContain('mean margin impact -0.95 pts, margin drops 1');
  });

  it('times each stage of an activation from the stage seconds Project Activated carries', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const deps = { store, now: () => NOW };
    const activated = (id: string, stageSeconds?: Record<string, number>) =>
      busEvent(WorkflowDetailType.ProjectActivated, {
        project: {
          projectId: { system: 'psflow', id },
          clientId: { system: 'salesforce', id: '001A' },
          name: 'Data platform',
          region: 'EMEA',
          practice: 'data-engineering',
          budget: { amountMinor: 100_000_00, currency: 'EUR' },
          startDate: '2026-11-01',
          status: 'active',
        },
        opportunityId: { system: 'salesforce', id: `006-${id}` },
        wonAt: '2026-11-02T08:00:00Z',
        activatedAt: '2026-11-03T08:00:00Z',
        ...(stageSeconds ? { stageSeconds } : {}),
      });

    // Act
    await aggregateEvent(
      activated('prj-s1', {
        prepare: 4,
        approval: 80_000,
        provisioning: 6000,
        billing: 2,
        resourceDemand: 1,
        onboarding: 393,
      }),
      deps,
    );
    // An activation announced before the stage seconds existed still counts its cycle.
    await aggregateEvent(activated('prj-s2'), deps);
    const report = await queryKpis({ from: '2026-11-01', to: '2026-11-30' }, deps);

    // Assess
    const [activation] = report.cycleTimes;
    expect(activation.cycleTime.count).toBe(2);
    expect(activation.stages.map((stage) => [stage.stage, stage.duration.count])).toEqual([
      ['Prepare', 1],
      ['Approval', 1],
      ['Provisioning', 1],
      ['Billing', 1],
      ['ResourceDemand', 1],
      ['Onboarding', 1],
    ]);
    expect(activation.bottleneck?.stage).toBe('Approval');
    expect(renderKpiReport(report)).toContain('bottleneck of project-activation: Approval has the highest p95');
  });

  it('keeps an event that does not fit, naming the field', async () => {
    // Prepare
    const store = new InMemoryKpiStore();
    const event = { ...assigned('prj-1:L9', undefined, '2026-11-05T09:00:00Z') };
    const broken = { ...event, detail: { ...event.detail, assignedAt: 'yesterday' } };

    // Act
    const outcome = await aggregateEvent(broken, { store, now: () => NOW });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'rejected' });
    expect(store.rejected[0].reason).toContain('detail/assignedAt');
  });

  it('lets the rule take each new event kind', () => {
    // Assess
    expect(KPI_EVENT_DETAIL_TYPES).toEqual(
      expect.arrayContaining([
        WorkflowDetailType.ResourceAssigned,
        WorkflowDetailType.StaffingRequestUnfilled,
        WorkflowDetailType.ProjectReadinessChecked,
        WorkflowDetailType.InvoiceDrafted,
        WorkflowDetailType.BillingCycleClosed,
        WorkflowDetailType.PurchaseOrderIssued,
        WorkflowDetailType.VendorOnboarded,
        WorkflowDetailType.ChangeApproved,
        WorkflowDetailType.ChangeRejected,
        WorkflowDetailType.ChangeApplied,
      ]),
    );
  });
});
