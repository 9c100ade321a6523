import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
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

/** A listing answer, or nothing: an answer the demo cannot read must not stop the local cloud. */
function listed(answer: unknown): z.infer<typeof Listed> {
  return Listed.safeParse(answer).data ?? [];
}

/**
 * The staffing part of `npm start -- --demo`: Litware's Data Quality Engineer goes unfilled
 * (the one AMER person with great-expectations is on parental leave) and the staffing manager
 * asks procurement for a subcontractor; its Analytics Engineer, requested by the same activation,
 * is held, approved by the staffing manager, confirmed by the candidate's delivery lead and booked.
 */
export async function runStaffingDemo(endpoint: string, stage: string, log: (line: string) => void): Promise<void> {
  const config = {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-demo', secretAccessKey: 'psflow-demo' },
  };
  const client = new DynamoDBClient(config);
  const documents = DynamoDBDocumentClient.from(client);
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
      const exceptions = listed(await api('sam.staffing', 'GET', '/exceptions?workflow=staffing&status=open'));
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
    // Litware's Analytics Engineer came from the same activation: won deal, project, Resource Requested.
    const staffedId = `${projectId}:L2`;
    const onHold = await statusOf(staffedId, ['on-hold']);
    if (!onHold) {
      log(`  Litware's Analytics Engineer is not on hold yet; see npx psflow staffing show ${staffedId}`);
      return;
    }
    // The approval table routes the confirmation to the region's delivery lead: Dave for AMER.
    for (const user of ['sam.staffing', 'dave.delivery']) {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const task = listed(await api(user, 'GET', '/tasks')).find((item) => item.subject?.projectId?.id === projectId);
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
      `  ${(assigned ? 'ASSIGNED' : 'WAITING FOR APPROVAL').padEnd(28)} Litware Analytics Engineer: held, approved by Sam Staffing, confirmed by Dave Delivery, booked; Resource Assigned (npx psflow staffing show ${staffedId})`,
    );
  } finally {
    client.destroy();
  }
}
