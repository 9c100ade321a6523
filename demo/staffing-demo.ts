import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { PsflowSource, WorkflowDetailType } from '../shared/events/catalogue';
import { projectIdFor } from '../shared/workflows/workflow-names';

/** Litware Energy activates on its own, so its project exists for staffing without anyone approving it. */
const LITWARE_OPPORTUNITY = '0068d00000G5zAbAAJ';

const Listed = z.array(
  z
    .object({
      taskId: z.string().optional(),
      exceptionId: z.string().optional(),
      step: z.string().optional(),
      message: z.string().optional(),
      subject: z.object({ projectId: z.object({ id: z.string() }).optional() }).optional(),
    })
    .passthrough(),
);

/**
 * The staffing part of `npm start -- --demo`: Litware's Data Quality Engineer goes unfilled
 * (the one AMER person with great-expectations is on parental leave) and the staffing manager
 * asks procurement for a subcontractor; an extra Analytics Engineer requested ad hoc is held,
 * approved by the staffing manager, confirmed by the AMER delivery lead and booked.
 */
export async function runStaffingDemo(endpoint: string, stage: string, log: (line: string) => void): Promise<void> {
  const config = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-demo', secretAccessKey: 'psflow-demo' },
  };
  const client = new DynamoDBClient(config);
  const documents = DynamoDBDocumentClient.from(client);
  const bus = new EventBridgeClient(config);
  const projectId = projectIdFor({ system: 'salesforce', id: LITWARE_OPPORTUNITY }).id;
  const api = async (user: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${endpoint}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-psflow-user': user },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  };
  const statusOf = async (
    requestId: string,
    wanted: readonly string[],
    seconds = 60,
  ): Promise<Record<string, unknown> | undefined> => {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const { Item } = await documents.send(
        new GetCommand({ TableName: `psflow-${stage}-staffing-requests`, Key: { requestId }, ConsistentRead: true }),
      );
      if (Item && wanted.includes(String(Item.status))) return Item;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return undefined;
  };
  try {
    log('\nstaffing:');
    const unfilledId = `${projectId}:L1`;
    const unfilled = await statusOf(unfilledId, ['unfilled']);
    if (!unfilled) {
      log(`  Litware's Data Quality Engineer did not reach staffing in time; see npx psflow staffing requests`);
    } else {
      log(
        `  UNFILLED                     Litware Data Quality Engineer: nobody fits (npx psflow staffing candidates ${unfilledId})`,
      );
      const exceptions = Listed.parse(await api('sam.staffing', 'GET', '/exceptions?workflow=staffing&status=open'));
      const exception = exceptions.find(
        (item) => item.step === 'RecommendCandidates' && item.message?.includes(projectId),
      );
      if (exception?.exceptionId) {
        await api('sam.staffing', 'POST', `/exceptions/${encodeURIComponent(exception.exceptionId)}/skip`, {
          output: { resolution: 'subcontractor' },
          note: 'nobody in AMER has great-expectations free; ask procurement',
          reference: 'DEMO-STAFFING-1',
        });
        const resolved = await statusOf(unfilledId, ['subcontractor-requested'], 30);
        log(
          `  ${resolved ? 'SUBCONTRACTOR REQUESTED' : 'WAITING ON AN EXCEPTION'}      Sam Staffing asked procurement for a subcontractor (Subcontractor Requested)`,
        );
      }
    }
    const staffedId = `${projectId}:L9`;
    await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: `psflow-${stage}`,
            Source: PsflowSource.Workflow,
            DetailType: WorkflowDetailType.ResourceRequested,
            Detail: JSON.stringify({
              projectId: { system: 'psflow', id: projectId },
              roleLine: {
                lineId: 'L9',
                role: 'Analytics Engineer',
                skills: ['dbt', 'sql'],
                hours: 80,
                rate: { amountMinor: 18000, currency: 'USD' },
                startDate: '2027-02-01',
                endDate: '2027-02-26',
              },
              requestedAt: new Date().toISOString(),
              requestedBy: 'sally.sales',
            }),
          },
        ],
      }),
    );
    if (!(await statusOf(staffedId, ['on-hold']))) {
      log(`  the ad-hoc Analytics Engineer is not on hold yet; see npx psflow staffing show ${staffedId}`);
      return;
    }
    for (const user of ['sam.staffing', 'dave.delivery']) {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const task = Listed.parse(await api(user, 'GET', '/tasks')).find(
          (item) => item.subject?.projectId?.id === projectId,
        );
        if (task?.taskId) {
          await api(user, 'POST', `/tasks/${encodeURIComponent(task.taskId)}/decision`, {
            decision: 'approve',
            comment: 'demo',
          });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    const assigned = await statusOf(staffedId, ['assigned'], 60);
    log(
      `  ${assigned ? 'ASSIGNED' : 'WAITING FOR APPROVAL'.padEnd(28)}${assigned ? '                     ' : ' '}Litware Analytics Engineer: held, approved by Sam Staffing, confirmed by Dave Delivery, booked (npx psflow staffing show ${staffedId})`,
    );
  } finally {
    client.destroy();
    bus.destroy();
  }
}
