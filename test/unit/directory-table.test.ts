import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DirectoryTable } from '../../shared/repositories/directory-table';

/** A document client that answers each command from a canned function and records what it was sent. */
class StubDocuments {
  readonly sent: unknown[] = [];
  constructor(private readonly answer: (command: unknown) => unknown) {}

  async send(command: unknown): Promise<unknown> {
    this.sent.push(command);
    return this.answer(command);
  }

  asClient(): DynamoDBDocumentClient {
    return this as unknown as DynamoDBDocumentClient;
  }
}

const PAT = {
  userId: 'pat.practice',
  subject: 'sub-pat',
  name: 'Pat Practice',
  title: 'Practice lead',
  grants: [{ role: 'practice-lead', practices: ['erp-advisory'] }],
};

describe('DirectoryTable', () => {
  it('finds a token subject with one Query on the bySubject index, never a Scan', async () => {
    // Prepare
    const documents = new StubDocuments(() => ({ Items: [PAT] }));
    const table = new DirectoryTable(documents.asClient(), 'psflow-dev-directory');

    // Act
    const found = await table.findBySubject('sub-pat');

    // Assess
    expect(found).toEqual(PAT);
    expect(documents.sent).toHaveLength(1);
    expect(documents.sent[0]).toBeInstanceOf(QueryCommand);
    expect((documents.sent[0] as QueryCommand).input).toMatchObject({
      TableName: 'psflow-dev-directory',
      IndexName: 'bySubject',
      ExpressionAttributeValues: { ':subject': 'sub-pat' },
    });
  });

  it('refuses a subject that two entries claim, so no one acts as the wrong person', async () => {
    // Prepare
    const documents = new StubDocuments(() => ({ Items: [PAT, { ...PAT, userId: 'pat.other' }] }));
    const table = new DirectoryTable(documents.asClient(), 'psflow-dev-directory');

    // Act
    const found = await table.findBySubject('sub-pat');

    // Assess
    expect(found).toBeUndefined();
  });

  it('names the item and the field when a hand-written entry is invalid', async () => {
    // Prepare
    const documents = new StubDocuments((command) =>
      command instanceof GetCommand ? { Item: { ...PAT, grants: [{ role: 'practice-leed' }] } } : {},
    );
    const table = new DirectoryTable(documents.asClient(), 'psflow-dev-directory');

    // Act
    const found = table.find('pat.practice');

    // Assess
    await expect(found).rejects.toThrow(
      /directory item "pat\.practice" in psflow-dev-directory is invalid: grants\.0\.role: /,
    );
  });
});
