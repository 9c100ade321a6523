import { TaskActionRefused } from '../../shared/human-tasks/human-task';
import {
  executionDetail,
  findExecutions,
  type ExecutionViews,
  type InspectedEvent,
} from '../../shared/operations-api/execution-views';
import { layoutStateGraph } from '../../console/src/components/state-graph-layout';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:psflow-dev-project-activation:opportunity-1';
const DEFINITION = JSON.stringify({
  StartAt: 'AcceptWonOpportunity',
  States: {
    AcceptWonOpportunity: { Type: 'Pass', Next: 'PrepareEngagement' },
    PrepareEngagement: {
      Type: 'Task',
      Next: 'Done',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FilePrepareEngagementException' }],
    },
    FilePrepareEngagementException: { Type: 'Task', Next: 'PrepareEngagement' },
    Done: { Type: 'Succeed' },
  },
});

function views(
  events: InspectedEvent[],
  found = [
    {
      workflow: 'project-activation',
      executionName: 'opportunity-1',
      executionArn: ARN,
      startedAt: '2026-12-01T00:00:00.000Z',
    },
  ],
): ExecutionViews & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    find: async (key) => {
      keys.push(key);
      return found;
    },
    describe: async (arn) =>
      arn === ARN
        ? {
            executionArn: ARN,
            name: 'opportunity-1',
            stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-project-activation',
            status: 'RUNNING',
            startedAt: new Date('2026-12-01T00:00:00Z'),
            definition: DEFINITION,
          }
        : undefined,
    history: async () => events,
  };
}

const at = new Date('2026-12-01T00:00:01Z');

describe('execution views', () => {
  it('marks the state whose task failed and the state the execution waits in', async () => {
    // Prepare
    const events: InspectedEvent[] = [
      { id: 1, type: 'ExecutionStarted', at },
      { id: 2, type: 'PassStateEntered', at, stateName: 'AcceptWonOpportunity' },
      { id: 3, type: 'PassStateExited', at, stateName: 'AcceptWonOpportunity' },
      { id: 4, type: 'TaskStateEntered', at, stateName: 'PrepareEngagement' },
      { id: 5, type: 'LambdaFunctionFailed', at, detail: 'PermanentConnectorError: no statement of work' },
      { id: 6, type: 'TaskStateExited', at, stateName: 'PrepareEngagement' },
      { id: 7, type: 'TaskStateEntered', at, stateName: 'FilePrepareEngagementException' },
    ];

    // Act
    const detail = await executionDetail(ARN, views(events));

    // Assess
    expect(detail).toMatchObject({
      status: 'RUNNING',
      currentState: 'FilePrepareEngagementException',
      failedStates: ['PrepareEngagement'],
      visitedStates: ['AcceptWonOpportunity', 'PrepareEngagement', 'FilePrepareEngagementException'],
    });
    expect(detail.events[4]).toMatchObject({
      type: 'LambdaFunctionFailed',
      detail: expect.stringContaining('statement'),
    });
  });

  it('finds by opportunity under the CRM key and by project under psflow, with each status', async () => {
    // Prepare
    const served = views([]);

    // Act
    const byOpportunity = await findExecutions({ opportunity: '006X' }, served);
    await findExecutions({ project: 'p-1' }, served);

    // Assess
    expect(served.keys).toEqual(['opportunity#salesforce#006X', 'project#psflow#p-1']);
    expect(byOpportunity).toEqual([expect.objectContaining({ executionArn: ARN, status: 'RUNNING' })]);
  });

  it.each([
    ['no business key', {}],
    ['two business keys', { opportunity: '006X', client: '001Y' }],
    ['an unknown system', { opportunity: '006X', system: 'mainframe' }],
    ['an id longer than 256 characters', { client: 'x'.repeat(300) }],
  ])('refuses a lookup with %s', async (_label, query) => {
    // Act
    const lookup = findExecutions(query, views([]));

    // Assess
    await expect(lookup).rejects.toThrow();
  });

  it('answers not found for an unknown execution and refuses what is not an execution ARN', async () => {
    // Act
    const unknown = executionDetail(`${ARN}-other`, views([]));
    const hostile = executionDetail('../../etc/passwd', views([]));

    // Assess
    await expect(unknown).rejects.toMatchObject({ code: 'NotFound' });
    await expect(hostile).rejects.toBeInstanceOf(TaskActionRefused);
    await expect(hostile).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  it('answers not found when the deployment serves no executions', async () => {
    // Act
    const lookup = findExecutions({ opportunity: '006X' }, undefined);

    // Assess
    await expect(lookup).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('the console state graph layout', () => {
  it('ranks states by their distance from StartAt, catch handlers included', () => {
    // Act
    const layout = layoutStateGraph(DEFINITION);

    // Assess
    const rank = Object.fromEntries(layout.nodes.map((node) => [node.name, node.rank]));
    expect(rank).toEqual({
      AcceptWonOpportunity: 0,
      PrepareEngagement: 1,
      FilePrepareEngagementException: 2,
      Done: 2,
    });
    expect(layout.edges).toContainEqual({
      from: 'PrepareEngagement',
      to: 'FilePrepareEngagementException',
      kind: 'catch',
    });
  });

  it('refuses a definition that is not ASL', () => {
    // Act
    const layout = () => layoutStateGraph('{"States": 3}');

    // Assess
    expect(layout).toThrow();
  });
});
