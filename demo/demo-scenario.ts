import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_PARTNER_EVENT_SOURCES } from '../local/eventbridge/partner-sources';
import { SalesforceDetailType } from '../shared/events/catalogue';
import { executionArnOf } from '../shared/workflows/step-functions-launcher';
import { executionNameFor } from '../shared/workflows/workflow-names';

import { runStaffingDemo } from './staffing-demo';
/** The demo's deals: what each one shows. */
const DEMO_DEALS = [
  {
    opportunityId: '0068d00000G5zAbAAJ',
    shows: 'Litware Energy, 38k USD: under the approval threshold, activates on its own',
  },
  { opportunityId: '0068d00000C1mNoAAJ', shows: 'Contoso Retail, 185k USD, a new client: waits for a practice lead' },
  {
    opportunityId: '0068d00000B7kQwAAJ',
    shows: 'Northwind Logistics, 486k EUR in EMEA: waits for a practice lead, then the CFO',
  },
  {
    opportunityId: '0068d00000E3tUvAAJ',
    shows: 'Tailspin Airways, 1.25M AUD: its statement of work is missing, so it lands in the exception queue',
  },
] as const;

/**
 * `npm start -- --demo`: puts realistic Salesforce change events (each deal moving to Closed
 * Won) on the local bus, waits for the activations to settle, and prints what happened and
 * how to act on it.
 */
export async function runDemo(endpoint: string, stage: string, log: (line: string) => void): Promise<void> {
  const config = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-demo', secretAccessKey: 'psflow-demo' },
  };
  const sfn = new SFNClient(config);
  try {
    const entries = DEMO_DEALS.map((deal) => ({
      Source: LOCAL_PARTNER_EVENT_SOURCES[0],
      DetailType: SalesforceDetailType.OpportunityChangeEvent,
      Detail: JSON.stringify({
        payload: {
          ChangeEventHeader: {
            entityName: 'Opportunity',
            recordIds: [deal.opportunityId],
            changeType: 'UPDATE',
            transactionKey: randomUUID(),
            sequenceNumber: 1,
            commitTimestamp: Date.now(),
            changedFields: ['StageName', 'IsClosed', 'IsWon'],
          },
          StageName: 'Closed Won',
          IsClosed: true,
          IsWon: true,
        },
        id: randomUUID(),
      }),
    }));
    // Event Relay delivers to the partner bus named after its source, never through a customer's
    // PutEvents (AWS refuses aws. sources there): the local cloud's partner path plays Salesforce.
    const response = await fetch(new URL('/_psflow/partner-events', endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Entries: entries }),
    });
    const answer = (await response.json()) as { FailedEntryCount?: number; message?: string };
    if (!response.ok || answer.FailedEntryCount)
      throw new Error(`the partner bus refused the demo events: ${answer.message ?? JSON.stringify(answer)}`);
    log(
      `\ndemo: ${entries.length} deals moved to Closed Won in the CRM (Salesforce change events on the partner bus ${LOCAL_PARTNER_EVENT_SOURCES[0]})`,
    );
    const machine = `arn:aws:states:${config.region}:000000000000:stateMachine:psflow-${stage}-project-activation`;
    const arnOf = (opportunityId: string): string =>
      executionArnOf(machine, executionNameFor('opportunity', { system: 'salesforce', id: opportunityId }));
    const deadline = Date.now() + 30_000;
    let lines: string[] = [];
    // Until every activation has finished or reached a person; the first run also starts every function.
    for (;;) {
      const settled = await Promise.all(
        DEMO_DEALS.map(async (deal) => ({ deal, where: await whereIs(sfn, arnOf(deal.opportunityId)) })),
      );
      lines = settled.map(({ deal, where }) => `  ${where.label.padEnd(28)} ${deal.shows}`);
      if (settled.every(({ where }) => where.settled) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const line of lines) log(line);
    await runStaffingDemo(endpoint, stage, log);
    log('\nact on them (every command takes --help):');
    log('  npx psflow approvals list --as pat.practice             # Contoso and Northwind wait here');
    log('  npx psflow approvals approve <TASK> --as pat.practice');
    log('  npx psflow approvals list --as carl.cfo                  # Northwind needs the CFO next');
    log('  npx psflow exceptions list --as ian.integration          # Tailspin: no statement of work');
    log('  npx psflow sandbox load demo/tailspin-statement-of-work.json');
    log('  npx psflow exceptions retry <EXCEPTION> --as ian.integration');
    log('  npx psflow sandbox list erp project                      # what activation created');
  } finally {
    sfn.destroy();
  }
}

/** Where an activation is: finished, waiting for a person, or still moving. */
async function whereIs(sfn: SFNClient, executionArn: string): Promise<{ label: string; settled: boolean }> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return { label: String(status), settled: true };
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 50 }),
    );
    const state = events.find((event) => event.type?.endsWith('StateEntered'))?.stateEnteredEventDetails?.name ?? '';
    if (/^Request.*Approval$/.test(state)) return { label: 'WAITING FOR APPROVAL', settled: true };
    if (/^File.*Exception$/.test(state)) return { label: 'WAITING ON AN EXCEPTION', settled: true };
    return { label: `RUNNING (${state})`, settled: false };
  } catch {
    return { label: 'NOT STARTED YET', settled: false };
  }
}
