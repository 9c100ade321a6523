import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { RejectedEventsTable } from '../../shared/repositories/rejected-events-table';
import { StoredItemInvalid } from '../../shared/repositories/stored-item';
import { WorkflowExecutionsTable } from '../../shared/repositories/workflow-executions-table';

describe('repositories parse what they read', () => {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const dynamo = mockClient(documents);

  afterEach(() => dynamo.reset());

  it('names the kind of record and the fields at fault when a stored item does not fit', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: { rejectionId: 'r-1', status: 'archived', occurrences: 'many' } });
    const table = new RejectedEventsTable(documents, 'rejected');

    // Act
    const read = table.get('r-1');

    // Assess
    await expect(read).rejects.toThrow(StoredItemInvalid);
    await expect(table.get('r-1')).rejects.toThrow(/stored rejected event[\s\S]*status[\s\S]*occurrences/);
  });

  it('strips key and index attributes, so callers see the domain record only', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          businessKey: 'opportunity#salesforce#006A',
          workflowExecution: 'project-activation#exec-1',
          workflow: 'project-activation',
          executionName: 'exec-1',
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:psflow-dev-project-activation:exec-1',
          dedupeKey: 'k-1',
          startedAt: '2026-11-30T10:00:00.000Z',
        },
      ],
    });
    const table = new WorkflowExecutionsTable(documents, 'executions');

    // Act
    const [record] = await table.find('opportunity#salesforce#006A');

    // Assess
    expect(record).toEqual({
      businessKey: 'opportunity#salesforce#006A',
      workflow: 'project-activation',
      executionName: 'exec-1',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:psflow-dev-project-activation:exec-1',
      dedupeKey: 'k-1',
      startedAt: '2026-11-30T10:00:00.000Z',
    });
  });

  it('refuses an execution record of a workflow psflow does not have', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          businessKey: 'k',
          workflow: 'payroll',
          executionName: 'e',
          executionArn: 'a',
          dedupeKey: 'd',
          startedAt: 's',
        },
      ],
    });

    // Act
    const read = new WorkflowExecutionsTable(documents, 'executions').find('k');

    // Assess
    await expect(read).rejects.toThrow(/workflow execution record[\s\S]*workflow/);
  });
});
