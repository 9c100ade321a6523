import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PsflowSource, WorkflowDetailType } from '../shared/events/catalogue';
import { purchaseExecutionName } from '../shared/procurement/purchases-api';

/** The demo's purchases: what each one shows. */
const DEMO_PURCHASES = [
  {
    requestId: 'PR-DEMO-ATLAS',
    vendorId: 'VEN-EMEA-ATLAS',
    amountMinor: 1_800_000,
    description: 'Data quality tooling, one year',
    shows: 'Atlas, 18k EUR: one quote is enough; waits for an EMEA delivery lead, then raises the PO',
  },
  {
    requestId: 'PR-DEMO-COBALT',
    vendorId: 'VEN-EMEA-COBALT',
    amountMinor: 900_000,
    description: 'Cloud landing-zone review',
    shows: 'Cobalt, a new vendor: after approval, onboarding tasks and a document check, then the PO',
  },
  {
    requestId: 'PR-DEMO-LAPSED',
    vendorId: 'VEN-EMEA-LAPSED',
    amountMinor: 400_000,
    description: 'Logistics process workshop',
    shows: 'Lapsed Logistics: its insurance expired, so it is held for finance with the reason',
  },
] as const;

/**
 * The procurement part of `npm start -- --demo`: three purchase requests by sally.sales (received
 * by dave.delivery) and one `Subcontractor Requested` from staffing, each showing one rule.
 * Idempotent: the request ids are fixed, so a second demo run starts nothing new.
 */
export async function runProcurementDemo(endpoint: string, stage: string, log: (line: string) => void): Promise<void> {
  const config = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-demo', secretAccessKey: 'psflow-demo' },
  };
  const sfn = new SFNClient(config);
  const bus = new EventBridgeClient(config);
  try {
    const stateMachineArn = `arn:aws:states:${config.region}:000000000000:stateMachine:psflow-${stage}-procurement`;
    const requestedAt = new Date().toISOString();
    for (const purchase of DEMO_PURCHASES) {
      try {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: purchaseExecutionName(purchase.requestId),
            input: JSON.stringify({
              request: {
                requestId: purchase.requestId,
                source: 'api',
                region: 'EMEA',
                practice: 'procurement',
                requestedBy: 'sally.sales',
                receiver: 'dave.delivery',
                description: purchase.description,
                vendorId: purchase.vendorId,
                amount: { amountMinor: purchase.amountMinor, currency: 'EUR' },
                competingQuotes: [],
                requestedAt,
              },
            }),
          }),
        );
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
      }
    }
    await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: `psflow-${stage}`,
            Source: PsflowSource.Workflow,
            DetailType: WorkflowDetailType.SubcontractorRequested,
            Detail: JSON.stringify({
              requestId: 'STAFF-DEMO-1',
              projectId: { system: 'psflow', id: 'prj-demo-dataplatform' },
              roleLine: {
                lineId: 'L-020',
                role: 'Data Engineer',
                skills: ['dbt', 'snowflake'],
                hours: 160,
                rate: { amountMinor: 14_500, currency: 'EUR' },
                startDate: '2027-02-01',
                endDate: '2027-03-31',
              },
              region: 'EMEA',
              requestedBy: 'sam.staffing',
              reason: 'no data engineer is free in February',
              requestedAt,
            }),
          },
        ],
      }),
    );
    log('\nprocurement demo:');
    for (const purchase of DEMO_PURCHASES) log(`  ${purchase.requestId}: ${purchase.shows}`);
    log('  sub-STAFF-DEMO-1: staffing asks for a Data Engineer; Atlas (preferred) is chosen from two rate cards');
    log('act on them:');
    log('  npx psflow approvals list --as dana.delivery');
    log('  npx psflow approvals approve <TASK> --as dana.delivery');
    log('  npx psflow purchases show PR-DEMO-LAPSED --as sally.sales      # held: expired insurance');
    log('  npx psflow purchases receive PR-DEMO-ATLAS --as sally.sales   # refused: separation of duties');
    log('  npx psflow purchases receive PR-DEMO-ATLAS --as dave.delivery');
  } finally {
    sfn.destroy();
    bus.destroy();
  }
}
