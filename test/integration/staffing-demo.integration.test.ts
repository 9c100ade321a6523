import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { projectIdFor } from '../../shared/workflows/workflow-names';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/** Litware Energy's won deal in the seeded CRM: it activates without an approval. */
const LITWARE_OPPORTUNITY = '0068d00000G5zAbAAJ';

interface JournalledEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

describe('npm start -- --demo: from a won deal to a staffed, booked role', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  const projectId = projectIdFor({ system: 'salesforce', id: LITWARE_OPPORTUNITY }).id;

  /** What the bus accepted, from the local cloud's PutEvents journal. */
  function journal(detailType: string): JournalledEvent[] {
    return fs
      .readFileSync(path.join(cloud.dataDirectory, 'events.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(detailType))
      .map((line) => JSON.parse(line) as { t: string; event?: JournalledEvent })
      .flatMap((record) => (record.t === 'accepted' && record.event ? [record.event] : []))
      .filter((event) => event.source === PsflowSource.Workflow && event['detail-type'] === detailType);
  }

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('staffing-demo'), ['--demo']);
    await eventually(async () => (cloud.output().includes('act on them') ? true : undefined), 180_000, 'the demo');
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
  }, 240_000);

  afterAll(async () => {
    documents?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  it('activates Litware, staffs its Analytics Engineer through approval to a hard booking, and says so', async () => {
    // Act
    const output = cloud.output();
    const requested = journal(WorkflowDetailType.ResourceRequested).filter(
      (event) => JSON.stringify(event.detail.projectId) === JSON.stringify({ system: 'psflow', id: projectId }),
    );
    const assigned = journal(WorkflowDetailType.ResourceAssigned).filter(
      (event) => event.detail.requestId === `${projectId}:L2`,
    );
    const subcontractor = journal(WorkflowDetailType.SubcontractorRequested).filter((event) =>
      JSON.stringify(event.detail).includes(`${projectId}:L1`),
    );
    const { Item: record } = await documents.send(
      new GetCommand({
        TableName: 'psflow-dev-staffing-requests',
        Key: { requestId: `${projectId}:L2` },
        ConsistentRead: true,
      }),
    );
    const [assignment] = (assigned[0]?.detail.assignments ?? []) as Array<{ personId: string; bookingId: string }>;
    const { Item: booking } = await documents.send(
      new GetCommand({
        TableName: 'psflow-dev-sandbox-bookings',
        Key: { pk: `BOOKING#${assignment?.bookingId}`, sk: 'BOOKING' },
        ConsistentRead: true,
      }),
    );

    // Assess
    expect(output).toMatch(/SUCCEEDED\s+Litware Energy, 38k USD/);
    expect(output).toMatch(/UNFILLED\s+Litware Data Quality Engineer: nobody fits/);
    expect(output).toMatch(/SUBCONTRACTOR REQUESTED\s+Sam Staffing asked procurement/);
    expect(output).toMatch(/ASSIGNED\s+Litware Analytics Engineer: held, approved by Sam Staffing, confirmed by \S+/);
    // Activation asked for both role lines itself: nothing was requested ad hoc.
    expect(requested.map((event) => (event.detail.roleLine as { lineId: string }).lineId).sort()).toEqual(['L1', 'L2']);
    expect(requested.every((event) => event.detail.requestedBy === undefined)).toBe(true);
    expect(assigned).toHaveLength(1);
    expect(assigned[0].detail).toMatchObject({ projectId, lineId: 'L2', role: 'Analytics Engineer' });
    expect(subcontractor).toHaveLength(1);
    expect(record).toMatchObject({ status: 'assigned', outcome: 'assigned' });
    expect(booking).toEqual(
      expect.objectContaining({ kind: 'hard', status: 'active', personId: assignment.personId, projectId }),
    );
  });
});
