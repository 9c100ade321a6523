import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SandboxBillingStore } from '../shared/connectors/sandbox/sandbox-billing-store';
import { SandboxRecordStore } from '../shared/connectors/sandbox/sandbox-record-store';
import { PsaDetailType, PsflowSource } from '../shared/events/catalogue';

/** The demo project: as activation leaves it, 80,000 EUR, two role lines, 150 h already approved. */
export const CHANGE_DEMO_PROJECT = 'prj-demo-change';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const line = (lineId: string, role: string, hours: number, rate: number, endDate: string) => ({
  lineId,
  role,
  skills: [],
  hours,
  rate: eur(rate),
  startDate: '2027-01-04',
  endDate,
});

/** The demo's changes: what each one shows. */
const DEMO_CHANGES = [
  {
    changeId: 'CHG-DEMO-SMALL',
    reason: 'the client wants the scope statement to name the second warehouse',
    proposed: { scope: 'ERP modernisation for both warehouses' },
    shows: 'scope only, no budget delta: the delivery lead alone approves; a new baseline version v2',
  },
  {
    changeId: 'CHG-DEMO-GROWTH',
    reason: 'two more data sources, one more month',
    proposed: {
      endDate: '2027-04-30',
      roleLines: [
        line('L-010', 'Engagement Manager', 100, 20_000, '2027-04-30'),
        line('L-020', 'Data Engineer', 500, 15_000, '2027-04-30'),
      ],
    },
    clientSignOff: { documentReference: 'DOC-CO-DEMO-7', signedAt: '2026-11-30T10:00:00.000Z' },
    shows:
      '+15,000 EUR (18.8%): delivery lead then practice lead; the client signed; booking extended, 100 h asked of staffing',
  },
  {
    changeId: 'CHG-DEMO-CUT',
    reason: 'the client cut the data work',
    proposed: { roleLines: [line('L-010', 'Engagement Manager', 100, 20_000, '2027-03-31')] },
    shows: 'removes a line with 150 h already approved in time entries: held for delivery with the reason',
  },
] as const;

async function seedProject(records: SandboxRecordStore, now: Date): Promise<void> {
  const create = (system: string, type: string, payload: Record<string, unknown>) =>
    records.create({
      system,
      operation: 'seedChangeDemo',
      type,
      idPrefix: 'DEMO',
      idempotencyKey: `${CHANGE_DEMO_PROJECT}:${system}:${type}`,
      payload,
      now,
      reference: CHANGE_DEMO_PROJECT,
    });
  await create('erp', 'budget', { erpProjectId: 'ERP-DEMO-CHANGE', budget: eur(8_000_000) });
  await create('erp', 'billing', {
    status: 'active',
    billing: {
      kind: 'rate-card',
      rates: [
        { role: 'Engagement Manager', rate: eur(20_000) },
        { role: 'Data Engineer', rate: eur(15_000) },
      ],
    },
  });
  await create('psa', 'project', {
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    roles: [
      { lineId: 'L-010', role: 'Engagement Manager', skills: [], hours: 100, workPackage: '1' },
      { lineId: 'L-020', role: 'Data Engineer', skills: [], hours: 400, workPackage: '1' },
    ],
  });
  await create('psa', 'booking', {
    resourceId: 'R-demo-ana',
    lineId: 'L-020',
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    hours: 400,
  });
}

/** Billing's PSA time entries of the demo project: 150 h approved on the Data Engineer line. */
async function seedApprovedHours(billing: SandboxBillingStore): Promise<void> {
  await billing.putRecords({
    timeEntries: [
      ['2027-01-15', 100],
      ['2027-02-12', 50],
    ].map(([date, hours], index) => ({
      entryId: `${CHANGE_DEMO_PROJECT}-T-${index + 1}`,
      personId: 'R-demo-ana',
      projectId: CHANGE_DEMO_PROJECT,
      roleLineId: 'L-020',
      role: 'Data Engineer',
      date: String(date),
      hours: Number(hours),
      billable: true,
      status: 'approved' as const,
      rate: 150,
      currency: 'EUR',
    })),
  });
}

/**
 * The change-control part of `npm start -- --demo`: a running project's baseline in the sandbox
 * ERP and PSA, and three `Change Requested` events from the PSA, each showing one rule.
 * Idempotent: the records and change ids are fixed, so a second run creates and starts nothing new.
 */
export async function runChangeControlDemo(
  endpoint: string,
  stage: string,
  log: (line: string) => void,
): Promise<void> {
  const config = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-demo', secretAccessKey: 'psflow-demo' },
  };
  const dynamo = new DynamoDBClient(config);
  const bus = new EventBridgeClient(config);
  try {
    const now = new Date();
    const documents = DynamoDBDocumentClient.from(dynamo);
    await seedProject(new SandboxRecordStore(documents, `psflow-${stage}-sandbox-records`), now);
    await seedApprovedHours(new SandboxBillingStore(documents, `psflow-${stage}-sandbox-billing`));
    await bus.send(
      new PutEventsCommand({
        Entries: DEMO_CHANGES.map(({ shows: _shows, ...change }) => ({
          EventBusName: `psflow-${stage}`,
          Source: PsflowSource.Psa,
          DetailType: PsaDetailType.ChangeRequested,
          Detail: JSON.stringify({
            ...change,
            projectId: { system: 'psflow', id: CHANGE_DEMO_PROJECT },
            source: 'psa',
            region: 'EMEA',
            practice: 'data-engineering',
            requestedBy: 'sally.sales',
            requestedAt: now.toISOString(),
          }),
        })),
      }),
    );
    log('\nchange-control demo:');
    for (const change of DEMO_CHANGES) log(`  ${change.changeId}: ${change.shows}`);
    log('act on them:');
    log(`  npx psflow changes list --project ${CHANGE_DEMO_PROJECT} --as dana.delivery`);
    log('  npx psflow approvals list --as dana.delivery     # then --as pat.practice for the second level');
    log('  npx psflow approvals approve <TASK> --as dana.delivery');
    log('  npx psflow changes show CHG-DEMO-GROWTH --as dana.delivery');
    log('  npx psflow exceptions list --owner delivery-lead --as dana.delivery   # CHG-DEMO-CUT, held');
  } finally {
    dynamo.destroy();
    bus.destroy();
  }
}
