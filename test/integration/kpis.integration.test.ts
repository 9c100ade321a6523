import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { KpiAggregatesTable } from '../../shared/kpis/kpi-aggregates-table';
import { KPI_ROUTE, KpiReport } from '../../shared/kpis/kpi-report';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const BUS = 'psflow-dev';
const KPI_TABLE = 'psflow-dev-kpis';

let cloud: LocalCloudProcess;
let events: EventBridgeClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  cloud = await startLocalCloud(temporaryDataDirectory('kpis'));
  const config = clientConfig(cloud.url);
  events = new EventBridgeClient(config);
  documents = DynamoDBDocumentClient.from(new DynamoDBClient(config));
}, 180_000);

afterAll(async () => {
  events?.destroy();
  documents?.destroy();
  await cloud?.stop();
});

/** A uuid-scoped practice, so the assertions read only this test's facts. */
const practice = `kpi-${randomUUID().slice(0, 8)}`;

function activated(projectId: string, wonAt: string, activatedAt: string): PutEventsRequestEntry {
  return {
    EventBusName: BUS,
    Source: PsflowSource.Workflow,
    DetailType: WorkflowDetailType.ProjectActivated,
    Detail: JSON.stringify({
      project: {
        projectId: { system: 'psflow', id: projectId },
        clientId: { system: 'salesforce', id: '001A' },
        name: 'Data platform',
        region: 'APAC',
        practice,
        budget: { amountMinor: 5_000_000, currency: 'EUR' },
        startDate: '2026-11-01',
        status: 'active',
      },
      opportunityId: { system: 'salesforce', id: `006-${projectId}` },
      wonAt,
      activatedAt,
    }),
  };
}

async function kpis(): Promise<KpiReport> {
  const response = await fetch(`${cloud.url}/api${KPI_ROUTE.path}?practice=${practice}&from=2026-11-01&to=2026-11-30`, {
    headers: { 'x-psflow-user': 'pat.practice' },
  });
  expect(response.status).toBe(200);
  return KpiReport.parse(await response.json());
}

describe('KPI pipeline on the local cloud', () => {
  it('counts workflow events from the bus once, even when the same fact is put twice, and serves them on GET /kpis', async () => {
    // Prepare
    const first = activated('prj-kpi-1', '2026-11-10T08:00:00Z', '2026-11-10T20:00:00Z');
    const second = activated('prj-kpi-2', '2026-11-11T08:00:00Z', '2026-11-12T08:00:00Z');

    // Act: the first activation is announced twice, as two events with two ids.
    await events.send(new PutEventsCommand({ Entries: [first, second] }));
    await events.send(new PutEventsCommand({ Entries: [first] }));

    // Assess
    const report = await eventually(
      async () => {
        const current = await kpis();
        return current.cycleTimes[0]?.completed === 2 ? current : undefined;
      },
      60_000,
      'both activations counted',
    );
    // Give the duplicate time to arrive, then check it changed nothing.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const settled = await kpis();
    expect(settled.cycleTimes).toEqual(report.cycleTimes);
    expect(settled.cycleTimes[0]).toMatchObject({ workflow: 'project-activation', completed: 2 });
    expect(settled.cycleTimes[0].cycleTime.meanSeconds).toBe(18 * 3600);
    expect(settled.started).toEqual([{ workflow: 'project-activation', started: 2 }]);
  }, 120_000);

  it('counts staffing, billing and procurement events from the bus into their KPIs', async () => {
    // Prepare: March 2025, which no other test here writes to.
    const entry = (detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry => ({
      EventBusName: BUS,
      Source: PsflowSource.Workflow,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
    });
    const assigned = entry(WorkflowDetailType.ResourceAssigned, {
      requestId: 'prj-kpi-9:L1',
      projectId: 'prj-kpi-9',
      lineId: 'L1',
      role: 'data-engineer',
      assignments: [{ personId: 'p-1', bookingId: 'b-1', hours: 80 }],
      pickedByManager: false,
      requestedAt: '2025-03-03T09:00:00Z',
      assignedAt: '2025-03-05T09:00:00Z',
      region: 'EMEA',
    });
    const drafted = entry(WorkflowDetailType.InvoiceDrafted, {
      projectId: 'prj-kpi-9',
      region: 'EMEA',
      period: '2025-02',
      invoiceId: 'inv-9',
      idempotencyKey: 'prj-kpi-9#2025-02',
      currency: 'EUR',
      subtotalMinor: 100_00,
      taxMinor: 19_00,
      totalMinor: 119_00,
      lines: 1,
      firstPass: true,
      daysFromPeriodEnd: 3,
      draftedAt: '2025-03-03T10:00:00Z',
    });
    const ordered = entry(WorkflowDetailType.PurchaseOrderIssued, {
      requestId: 'pr-kpi-9',
      purchaseOrderId: { system: 'erp', id: 'po-9' },
      vendorId: { system: 'procurement', id: 'v-9' },
      region: 'EMEA',
      amount: { amountMinor: 900_00, currency: 'EUR' },
      tax: { treatment: 'standard', amount: { amountMinor: 0, currency: 'EUR' } },
      requestedBy: 'pat.practice',
      approvers: ['fiona.finance'],
      requestedAt: '2025-03-10T09:00:00Z',
      issuedAt: '2025-03-11T09:00:00Z',
      cycleTimeSeconds: 86_400,
    });

    // Act: the purchase order is announced twice.
    await events.send(new PutEventsCommand({ Entries: [assigned, drafted, ordered] }));
    await events.send(new PutEventsCommand({ Entries: [ordered] }));

    // Assess
    const march = async (): Promise<KpiReport> => {
      const response = await fetch(`${cloud.url}/api${KPI_ROUTE.path}?region=EMEA&from=2025-03-01&to=2025-03-31`, {
        headers: { 'x-psflow-user': 'pat.practice' },
      });
      expect(response.status).toBe(200);
      return KpiReport.parse(await response.json());
    };
    await eventually(
      async () => {
        const current = await march();
        return current.staffing && current.billing && current.procurement ? current : undefined;
      },
      60_000,
      'the staffing, billing and procurement events counted',
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const report = await march();
    expect(report.staffing).toMatchObject({ filled: 1, timeToStaff: { count: 1, meanSeconds: 2 * 86_400 } });
    expect(report.billing).toMatchObject({ drafted: 1, cycleTime: { count: 1, meanSeconds: 3 * 86_400 } });
    expect(report.procurement).toMatchObject({
      purchaseOrdersIssued: 1,
      purchaseOrderCycleTime: { count: 1, meanSeconds: 86_400 },
    });
  }, 120_000);

  it('counts change approvals and applied changes from the bus into the change-control KPIs', async () => {
    // Prepare: April 2025 and this run's practice, which no other test here writes to.
    const identity = {
      changeId: 'chg-kpi-9',
      projectId: { system: 'psflow', id: 'prj-kpi-9' },
      source: 'psa',
      region: 'EMEA',
      practice,
      requestedBy: 'dana.delivery',
      requestedAt: '2025-04-01T09:00:00Z',
    };
    const entry = (detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry => ({
      EventBusName: BUS,
      Source: PsflowSource.Workflow,
      DetailType: detailType,
      Detail: JSON.stringify({ ...identity, ...detail }),
    });
    const approved = entry(WorkflowDetailType.ChangeApproved, {
      approvers: ['fiona.finance'],
      policyVersion: 1,
      ruleId: 'emea-under-10k',
      budgetDelta: { amountMinor: 5000_00, currency: 'EUR' },
      approvedAt: '2025-04-02T09:00:00Z',
      approvalCycleTimeSeconds: 86_400,
    });
    const applied = entry(WorkflowDetailType.ChangeApplied, {
      baselineVersion: 2,
      previousBaselineVersion: 1,
      budgetBefore: { amountMinor: 100_000_00, currency: 'EUR' },
      budgetAfter: { amountMinor: 105_000_00, currency: 'EUR' },
      margin: { beforePercent: 32.5, afterPercent: 30.25, deltaPoints: -2.25 },
      appliedTo: ['erp budget BUD-9 (v2)'],
      appliedAt: '2025-04-03T09:00:00Z',
    });

    // Act: the approval is announced twice.
    await events.send(new PutEventsCommand({ Entries: [approved, applied] }));
    await events.send(new PutEventsCommand({ Entries: [approved] }));

    // Assess
    const april = async (): Promise<KpiReport> => {
      const response = await fetch(
        `${cloud.url}/api${KPI_ROUTE.path}?practice=${practice}&from=2025-04-01&to=2025-04-30`,
        { headers: { 'x-psflow-user': 'pat.practice' } },
      );
      expect(response.status).toBe(200);
      return KpiReport.parse(await response.json());
    };
    await eventually(
      async () => {
        const current = await april();
        return current.changeControl?.applied === 1 && current.changeControl.approved > 0 ? current : undefined;
      },
      60_000,
      'the change-control events counted',
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const report = await april();
    expect(report.changeControl).toMatchObject({
      approved: 1,
      rejected: 0,
      approvalRate: 1,
      approvalCycleTime: { count: 1, meanSeconds: 86_400 },
      applied: 1,
      meanMarginImpactPoints: -2.25,
      marginDrops: 1,
    });
  }, 120_000);

  it('keeps an event whose detail does not fit its contract as rejected, with the reason', async () => {
    // Prepare
    const broken = activated('prj-kpi-broken', 'not a time', '2026-11-12T08:00:00Z');

    // Act
    await events.send(new PutEventsCommand({ Entries: [broken] }));

    // Assess
    const kept = await eventually(
      async () =>
        (await new KpiAggregatesTable(documents, KPI_TABLE).listRejected(50)).find((event) =>
          JSON.stringify(event.event).includes('prj-kpi-broken'),
        ),
      60_000,
      'the broken event kept as rejected',
    );
    expect(kept.reason).toContain('detail/wonAt');
  }, 120_000);
});
