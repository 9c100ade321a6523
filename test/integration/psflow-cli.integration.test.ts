import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SalesforceDetailType } from '../../shared/events/catalogue';
import { runPsflow, salesforceId, type CliResult } from '../support/psflow-cli';
import { deliverEvents, LOCAL_EVENT_RELAY_SOURCE } from '../support/partner-events';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const CRM_TABLE = 'psflow-dev-sandbox-crm';
const REJECTED_TABLE = 'psflow-dev-rejected-events';

describe('the psflow CLI against the local cloud', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let events: EventBridgeClient;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('cli'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    events = new EventBridgeClient(clientConfig(cloud.url));
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  const psflow = (...args: string[]): Promise<CliResult> => runPsflow(cloud.url, args);

  /** A won opportunity as Salesforce Event Relay delivers it: on its partner bus. */
  function wonEvent(opportunityId: string, accountId: string): Promise<PutEventsResponse> {
    const payload = {
      ChangeEventHeader: {
        entityName: 'Opportunity',
        recordIds: [opportunityId],
        changeType: 'UPDATE',
        transactionKey: randomUUID(),
        sequenceNumber: 1,
        commitTimestamp: Date.now(),
        changedFields: ['StageName', 'IsWon'],
      },
      StageName: 'Closed Won',
      IsWon: true,
      IsClosed: true,
      Name: 'Replay demo',
      AccountId: accountId,
      Amount: 120000,
      CurrencyIsoCode: 'EUR',
      CloseDate: '2026-11-20',
      Region__c: 'EMEA',
      Practice__c: 'Cloud Strategy',
      Billing_Model__c: 'Fixed Fee',
    };
    return deliverEvents(cloud.url, [
      {
        Source: LOCAL_EVENT_RELAY_SOURCE,
        DetailType: SalesforceDetailType.OpportunityChangeEvent,
        Detail: JSON.stringify({ payload }),
      },
    ]);
  }

  it('lists a rejected event, replays it after the CRM is fixed, and finds the activation it started', async () => {
    // Prepare: a won opportunity whose account the CRM does not know yet.
    const opportunityId = salesforceId('006');
    const accountId = salesforceId('001');
    // The CRM has the opportunity (activation reads it and its statement of work there), not its account.
    await documents.send(
      new PutCommand({
        TableName: CRM_TABLE,
        Item: {
          recordKey: `Opportunity#${opportunityId}`,
          opportunityId,
          accountId,
          name: 'Replay demo',
          stage: 'Closed Won',
          isWon: true,
          isClosed: true,
        },
      }),
    );
    await wonEvent(opportunityId, accountId);
    const listed = await eventually(
      async () => {
        const result = await psflow('rejected', 'list', '--json', '--as', 'ian.integration');
        const items = JSON.parse(result.stdout) as Array<{ rejectionId: string; recordId?: string; reason: string }>;
        return items.find((item) => item.recordId === opportunityId);
      },
      20_000,
      'the rejected event to be listed',
    );

    // Act
    const shown = await psflow('rejected', 'show', listed.rejectionId, '--as', 'ian.integration');
    await documents.send(
      new PutCommand({
        TableName: CRM_TABLE,
        Item: { recordKey: `Account#${accountId}`, accountId, name: 'Replayed Client', region: 'EMEA' },
      }),
    );
    const replayed = await psflow(
      'rejected',
      'replay',
      listed.rejectionId,
      '--as',
      'ian.integration',
      '--note',
      'account created in CRM',
    );
    const found = await eventually(
      async () => {
        const result = await psflow('executions', 'find', '--opportunity', opportunityId, '--json');
        const items = JSON.parse(result.stdout) as Array<{ executionName: string }>;
        return items.length > 0 ? items : undefined;
      },
      20_000,
      'the replayed activation',
    );
    const { Item } = await documents.send(
      new GetCommand({ TableName: REJECTED_TABLE, Key: { rejectionId: listed.rejectionId } }),
    );

    // Assess
    expect(listed.reason).toBe('CrmRecordNotFound');
    expect(shown.stdout).toContain(`account ${accountId} is unknown to the CRM`);
    expect(shown.stdout).toContain('raw event');
    expect(replayed).toMatchObject({ code: 0, stdout: expect.stringContaining(`replayed ${listed.rejectionId}`) });
    expect(found.map((item) => item.executionName)).toEqual([`opportunity-salesforce-${opportunityId}`]);
    expect(Item).toMatchObject({ status: 'replayed', actedBy: 'ian.integration', note: 'account created in CRM' });
  });

  it('resolves a rejected event only with a note saying why', async () => {
    // Prepare
    const opportunityId = salesforceId('006');
    await wonEvent(opportunityId, salesforceId('001'));
    const listed = await eventually(
      async () => {
        const items = JSON.parse(
          (await psflow('rejected', 'list', '--json', '--as', 'ian.integration')).stdout,
        ) as Array<{ rejectionId: string; recordId?: string }>;
        return items.find((item) => item.recordId === opportunityId);
      },
      20_000,
      'the rejected event to be listed',
    );

    // Act
    const withoutNote = await psflow('rejected', 'resolve', listed.rejectionId, '--as', 'olga.ops');
    const withNote = await psflow(
      'rejected',
      'resolve',
      listed.rejectionId,
      '--note',
      'test opportunity, deleted in CRM',
      '--as',
      'olga.ops',
    );
    const resolved = JSON.parse(
      (await psflow('rejected', 'list', '--status', 'resolved', '--json', '--as', 'olga.ops')).stdout,
    ) as Array<{ rejectionId: string }>;

    // Assess
    expect(withoutNote).toMatchObject({ code: 1, stderr: expect.stringContaining('--note') });
    expect(withNote.code).toBe(0);
    expect(resolved.map((item) => item.rejectionId)).toContain(listed.rejectionId);
  });

  it('shows unknown sources with their counts as a table', async () => {
    // Prepare
    const source = `acme.unknown-${randomUUID().slice(0, 8)}`;
    await events.send(
      new PutEventsCommand({
        Entries: [1, 2].map(() => ({
          EventBusName: 'psflow-dev',
          Source: source,
          DetailType: 'Invoice Paid',
          Detail: '{}',
        })),
      }),
    );

    // Act
    const table = await eventually(
      async () => {
        const result = await psflow('ingestion', 'unknown');
        return new RegExp(`${source}\\s+Invoice Paid\\s+2\\s`).test(result.stdout) ? result : undefined;
      },
      20_000,
      'the unknown source to be counted twice',
    );

    // Assess
    expect(table.stdout).toMatch(/^SOURCE\s+DETAIL-TYPE\s+EVENTS/);
  });

  it('puts the handbook samples on the bus, twice, and finds one activation per won opportunity', async () => {
    // Prepare
    const samples = path.resolve(__dirname, '..', '..', 'samples');
    const files = ['salesforce-event-relay-opportunity-won.json', 'salesforce-appflow-opportunity-won.json'].map(
      (file) => path.join(samples, file),
    );
    const opportunities = ['0068d00000B7kQwAAJ', '0068d00000C1mNoAAJ'];

    // Act
    const first = await psflow('events', 'put', ...files);
    const second = await psflow('events', 'put', ...files, '--json');
    const found = await Promise.all(
      opportunities.map((opportunityId) =>
        eventually(
          async () => {
            const items = JSON.parse(
              (await psflow('executions', 'find', '--opportunity', opportunityId, '--json')).stdout,
            ) as Array<{ executionName: string }>;
            return items.length > 0 ? items : undefined;
          },
          20_000,
          `the activation of ${opportunityId}`,
        ),
      ),
    );

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout.match(/^put .* as [0-9a-f-]{36}$/gm)).toHaveLength(2);
    expect((JSON.parse(second.stdout) as unknown[]).length).toBe(2);
    expect(found.map((items) => items.map((item) => item.executionName))).toEqual(
      opportunities.map((id) => [`opportunity-salesforce-${id}`]),
    );
  });

  it('refuses a file that is not an EventBridge event, naming the file', async () => {
    // Act
    const result = await psflow('events', 'put', path.resolve(__dirname, '..', '..', 'package.json'));

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('package.json: expected an EventBridge event'),
    });
  });

  it('explains usage errors and an unreachable endpoint instead of failing with a stack trace', async () => {
    // Act
    const unknownCommand = await psflow('rejected', 'frobnicate');
    const unknownId = await psflow('rejected', 'show', 'no-such-id', '--as', 'ian.integration');
    const twoKeys = await psflow('executions', 'find', '--opportunity', 'a', '--client', 'b');
    const unreachable = await psflow('rejected', 'list', '--endpoint', 'http://127.0.0.1:9');
    const help = await psflow('--help');

    // Assess
    expect(unknownCommand).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown command "rejected frobnicate"'),
    });
    expect(unknownId).toMatchObject({ code: 1, stderr: expect.stringContaining('no rejected event no-such-id') });
    expect(twoKeys).toMatchObject({ code: 1, stderr: expect.stringContaining('exactly one of') });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach http://127.0.0.1:9') });
    for (const result of [unknownCommand, unknownId, twoKeys, unreachable])
      expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npx psflow <command>') });
  });
});
