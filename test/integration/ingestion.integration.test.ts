import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CrmAccountFacts, CrmOpportunityFacts } from '../../shared/connectors/crm/crm-connector';
import { SEED_OPPORTUNITIES } from '../../shared/connectors/sandbox/crm-seed';
import { CrmDetailType, PsflowSource } from '../../shared/events/catalogue';
import type { OpportunityWonDetail } from '../../shared/events/contracts';
import type { IngestionReport } from '../../shared/ingestion/ingestion-ports';
import { businessKey, projectIdFor } from '../../shared/workflows/workflow-names';
import { deliverEvents } from '../support/partner-events';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const BUS = 'psflow-dev';
const ACTIVATION_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-project-activation';
const CRM_TABLE = 'psflow-dev-sandbox-crm';
const LEDGER_TABLE = 'psflow-dev-ingestion-ledger';
const REJECTED_TABLE = 'psflow-dev-rejected-events';
const EXECUTIONS_TABLE = 'psflow-dev-workflow-executions';
const INGEST_FUNCTION = 'psflow-dev-ingest-event';
const DEAD_LETTER_QUEUE = 'psflow-dev-target-dlq';
const SAMPLES_DIRECTORY = path.resolve(__dirname, '..', '..', 'samples');
const EVENT_RELAY_SOURCE = 'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU';
const APPFLOW_SOURCE = 'aws.partner/appflow/salesforce.com/111122223333/psflow-opportunities';
const CHANGE_EVENT = 'OpportunityChangeEvent';
/** A seeded account (Northwind Logistics, EMEA). */
const SEEDED_ACCOUNT_ID = '0018d00000XyZ12AAB';
const COMMIT_TIMESTAMP = 1763474530000;
const WON_FIELDS = { StageName: 'Closed Won', IsClosed: true, IsWon: true } as const;

/** An event as the handbook samples hold it. */
interface SampleEnvelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

/** The header fields the tests read back. */
interface ChangeHeader {
  readonly recordIds: readonly string[];
  readonly transactionKey: string;
  readonly sequenceNumber: number;
}

interface LedgerItem {
  readonly ledgerKey: string;
  readonly dedupeKey?: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly eventId?: string;
  readonly executionArn?: string;
  readonly kind?: string;
  readonly eventCount?: number;
}

interface RejectedItem {
  readonly rejectionId: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  readonly source: string;
  readonly detailType: string;
  readonly eventId: string;
  readonly rawEvent: string;
  readonly rawEventTruncated: boolean;
  readonly occurrences: number;
}

interface ExecutionRecord {
  readonly businessKey: string;
  readonly workflowExecution: string;
  readonly executionName: string;
  readonly executionArn: string;
  readonly dedupeKey: string;
}

/** A fresh Salesforce-shaped 18-character id: `001` accounts, `006` opportunities. */
function salesforceId(prefix: '001' | '006'): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 15)}`;
}

function changeHeader(recordIds: readonly string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entityName: 'Opportunity',
    recordIds,
    changeType: 'UPDATE',
    changeOrigin: 'com/salesforce/api/rest/61.0',
    transactionKey: `tx-${randomUUID()}`,
    sequenceNumber: 1,
    commitTimestamp: COMMIT_TIMESTAMP,
    commitUser: '0058d000006TtUvAAK',
    changedFields: ['StageName', 'IsClosed', 'IsWon', 'LastModifiedDate'],
    ...overrides,
  };
}

/** Every field an Event Relay channel sends for a won opportunity. */
function wonFields(accountId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...WON_FIELDS,
    LastModifiedDate: '2026-11-18T14:02:10.000Z',
    Name: `Relay deal ${randomUUID()}`,
    AccountId: accountId,
    Amount: 486000,
    CurrencyIsoCode: 'EUR',
    CloseDate: '2026-11-18',
    Type: 'Existing Customer - Upgrade',
    Region__c: 'EMEA',
    Practice__c: 'ERP Advisory',
    Billing_Model__c: 'Time and Materials',
    Contract_Start__c: '2027-01-11',
    Contract_End__c: '2027-06-30',
    ...overrides,
  };
}

function entry(source: string, detailType: string, detail: unknown): PutEventsRequestEntry {
  return { Source: source, DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: BUS };
}

/** A change event as AppFlow puts it: the CDC payload is the detail. */
function appFlowEntry(payload: Record<string, unknown>): PutEventsRequestEntry {
  return entry(APPFLOW_SOURCE, CHANGE_EVENT, payload);
}

/** A change event as Salesforce Event Relay puts it: the CDC payload under `detail.payload`. */
function eventRelayEntry(payload: unknown): PutEventsRequestEntry {
  return entry(EVENT_RELAY_SOURCE, CHANGE_EVENT, { payload, schemaId: 'Xk3vN1pQ7rT2mY9wZ4aB6c', id: randomUUID() });
}

function headerOf(detail: string | undefined): ChangeHeader {
  const parsed = JSON.parse(detail ?? '{}') as {
    payload?: { ChangeEventHeader: ChangeHeader };
    ChangeEventHeader?: ChangeHeader;
  };
  const header = parsed.payload?.ChangeEventHeader ?? parsed.ChangeEventHeader;
  if (!header) throw new Error(`no ChangeEventHeader in ${detail}`);
  return header;
}

/** The ledger key Salesforce's identity of one record's change is remembered under. */
function changeKey(header: ChangeHeader, recordId: string): string {
  return `salesforce:${header.transactionKey}:${header.sequenceNumber}:${recordId}`;
}

function executionNameOf(opportunityId: string): string {
  return `opportunity-salesforce-${opportunityId}`;
}

function readSample(file: string): SampleEnvelope {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES_DIRECTORY, file), 'utf8')) as SampleEnvelope;
}

function canonicalDetail(
  opportunityId: string,
  clientId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    opportunity: {
      opportunityId: { system: 'salesforce', id: opportunityId },
      client: { clientId: { system: 'salesforce', id: clientId }, name: 'Müller & Söhne GmbH', region: 'EMEA' },
      name: 'Data platform modernisation',
      stage: 'Closed Won',
      amount: { amountMinor: 31_250_000, currency: 'EUR' },
      billingModel: 'fixed-fee',
      region: 'EMEA',
      practice: 'data-engineering',
      closeDate: '2026-11-20',
    },
    wonAt: '2026-11-20T10:15:00Z',
    dedupeKey: `canonical-${randomUUID()}`,
    ...overrides,
  };
}

const SAMPLE_FILES = fs
  .readdirSync(SAMPLES_DIRECTORY)
  .filter((file) => file.endsWith('.json'))
  .sort();

describe('ingestion on the local cloud', () => {
  let cloud: LocalCloudProcess;
  let events: EventBridgeClient;
  let sfn: SFNClient;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let sqs: SQSClient;
  /** Bus deliveries expected so far: every accepted entry matches the ingestion rule exactly once. */
  let expectedDeliveries = 0;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('ingestion'));
    events = new EventBridgeClient(clientConfig(cloud.url));
    sfn = new SFNClient(clientConfig(cloud.url));
    dynamodb = new DynamoDBClient(clientConfig(cloud.url));
    documents = DynamoDBDocumentClient.from(dynamodb);
    sqs = new SQSClient(clientConfig(cloud.url));
  });

  afterAll(async () => {
    for (const client of [events, sfn, documents, dynamodb, sqs]) client?.destroy();
    await cloud?.stop();
  });

  /** Puts valid entries on the bus and returns their event ids. */
  async function put(entries: PutEventsRequestEntry[]): Promise<string[]> {
    // Partner events arrive on their partner bus, as Event Relay and AppFlow deliver them.
    const result = await deliverEvents(cloud.url, entries);
    if (result.FailedEntryCount !== 0) throw new Error(`PutEvents refused entries: ${JSON.stringify(result.Entries)}`);
    expectedDeliveries += entries.length;
    return (result.Entries ?? []).map((accepted) => accepted.EventId as string);
  }

  /** Waits until the bus settled (delivered or dead-lettered) every event put so far. */
  async function allDelivered(): Promise<void> {
    await eventually(
      async () => {
        const response = await fetch(`${cloud.url}/_psflow/health`);
        const { eventBridge } = (await response.json()) as { eventBridge: { delivered: number; deadLettered: number } };
        return eventBridge.delivered + eventBridge.deadLettered >= expectedDeliveries ? true : undefined;
      },
      20_000,
      `${expectedDeliveries} deliveries to settle`,
    );
  }

  async function stageAccount(facts: Partial<CrmAccountFacts> = {}): Promise<string> {
    const accountId = facts.accountId ?? salesforceId('001');
    const item = { name: `Staged client ${accountId}`, region: 'EMEA', isNewClient: true, ...facts, accountId };
    await documents.send(
      new PutCommand({ TableName: CRM_TABLE, Item: { recordKey: `Account#${accountId}`, ...item } }),
    );
    return accountId;
  }

  /** Stages an open opportunity (and, unless one is given, its account) in the sandbox CRM. */
  async function stageOpportunity(
    facts: Partial<CrmOpportunityFacts> = {},
  ): Promise<CrmOpportunityFacts & { accountId: string }> {
    const opportunityId = facts.opportunityId ?? salesforceId('006');
    const accountId = facts.accountId ?? (await stageAccount());
    const opportunity = {
      name: `Staged deal ${opportunityId}`,
      stage: 'Negotiation/Review',
      isWon: false,
      isClosed: false,
      amount: 98765.43,
      currency: 'EUR',
      closeDate: '2026-11-20',
      region: 'EMEA',
      practice: 'Cloud Strategy & Security',
      billingModel: 'Fixed Fee',
      startDate: '2027-01-18',
      endDate: '2027-04-30',
      discountPercent: 0,
      dealType: 'Existing Customer - Upgrade',
      ...facts,
      opportunityId,
      accountId,
    };
    await documents.send(
      new PutCommand({ TableName: CRM_TABLE, Item: { recordKey: `Opportunity#${opportunityId}`, ...opportunity } }),
    );
    return opportunity;
  }

  async function ledgerItem(ledgerKey: string): Promise<LedgerItem | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: LEDGER_TABLE, Key: { ledgerKey }, ConsistentRead: true }),
    );
    return Item as LedgerItem | undefined;
  }

  /** Waits until ingestion remembered the change with this dedupe key. */
  function processed(dedupeKey: string): Promise<LedgerItem> {
    return eventually(() => ledgerItem(`change#${dedupeKey}`), 20_000, `ledger entry change#${dedupeKey}`);
  }

  async function activations(): Promise<ExecutionListItem[]> {
    const all: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: ACTIVATION_MACHINE_ARN, maxResults: 1000, nextToken }),
      );
      all.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  }

  async function activationsNamed(name: string): Promise<ExecutionListItem[]> {
    return (await activations()).filter((execution) => execution.name === name);
  }

  async function executionInput(executionArn: string): Promise<OpportunityWonDetail> {
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return JSON.parse(input ?? '{}') as OpportunityWonDetail;
  }

  async function indexed(businessKey: string): Promise<ExecutionRecord[]> {
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: EXECUTIONS_TABLE,
        KeyConditionExpression: 'businessKey = :key',
        ExpressionAttributeValues: { ':key': businessKey },
      }),
    );
    return Items as ExecutionRecord[];
  }

  async function openRejections(): Promise<RejectedItem[]> {
    const items: RejectedItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: REJECTED_TABLE,
          IndexName: 'byStatus',
          KeyConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': 'open' },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as RejectedItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Waits for the open rejected event whose raw event contains `marker`. */
  function rejectionContaining(
    marker: string,
    accept: (item: RejectedItem) => boolean = () => true,
  ): Promise<RejectedItem> {
    return eventually(
      async () => (await openRejections()).find((item) => item.rawEvent.includes(marker) && accept(item)),
      20_000,
      `a rejected event containing ${marker}`,
    );
  }

  async function deadLetterCount(): Promise<number> {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: DEAD_LETTER_QUEUE }));
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }

  describe('handbook samples', () => {
    it.each(SAMPLE_FILES)('starts exactly one activation for %s, however often it is put', async (file) => {
      // Prepare
      const sample = readSample(file);
      const sampleEntry = entry(sample.source, sample['detail-type'], sample.detail);
      const header = headerOf(sampleEntry.Detail);
      const [opportunityId] = header.recordIds;
      const accountId = SEED_OPPORTUNITIES.find(
        (opportunity) => opportunity.opportunityId === opportunityId,
      )?.accountId;
      const executionName = executionNameOf(opportunityId);

      // Act
      const [firstEventId] = await put([sampleEntry]);
      const firstOutcome = await processed(changeKey(header, opportunityId));
      for (let attempt = 0; attempt < 3; attempt++) await put([sampleEntry]);
      await put([sampleEntry, sampleEntry, sampleEntry]);
      await allDelivered();

      // Assess
      expect(accountId).toBeDefined();
      expect(firstOutcome).toMatchObject({ outcome: 'started', eventId: firstEventId });
      const executions = await activationsNamed(executionName);
      expect(executions).toHaveLength(1);
      expect(await ledgerItem(`change#${changeKey(header, opportunityId)}`)).toEqual(firstOutcome);
      const byOpportunity = await indexed(`opportunity#salesforce#${opportunityId}`);
      expect(byOpportunity).toEqual([
        expect.objectContaining({
          workflowExecution: `project-activation#${executionName}`,
          executionArn: executions[0].executionArn,
          dedupeKey: changeKey(header, opportunityId),
        }),
      ]);
      const byClient = await indexed(`client#salesforce#${accountId}`);
      expect(byClient.map((record) => record.executionArn)).toContain(executions[0].executionArn);
      const input = await executionInput(executions[0].executionArn as string);
      expect(input.opportunity.opportunityId).toEqual({ system: 'salesforce', id: opportunityId });
      expect(input.opportunity.client.clientId).toEqual({ system: 'salesforce', id: accountId });
      const projectId = projectIdFor({ system: 'salesforce', id: opportunityId });
      expect(input).toMatchObject({ projectId });
      const byProject = await indexed(businessKey('project', projectId));
      expect(byProject.map((record) => record.executionArn)).toEqual([executions[0].executionArn]);
    });
  });

  describe('duplicates and replays', () => {
    it('starts one activation when three copies of a new change arrive in one PutEvents call', async () => {
      // Prepare
      const opportunity = await stageOpportunity();
      const change = appFlowEntry({ ChangeEventHeader: changeHeader([opportunity.opportunityId]), ...WON_FIELDS });

      // Act
      const eventIds = await put([change, change, change]);
      const remembered = await processed(changeKey(headerOf(change.Detail), opportunity.opportunityId));
      await allDelivered();

      // Assess
      expect(await activationsNamed(executionNameOf(opportunity.opportunityId))).toHaveLength(1);
      expect(['started', 'already-started']).toContain(remembered.outcome);
      expect(eventIds).toContain(remembered.eventId);
      expect(await indexed(`opportunity#salesforce#${opportunity.opportunityId}`)).toHaveLength(1);
    });

    it('starts one activation per record of a multi-record UPDATE event', async () => {
      // Prepare
      const first = await stageOpportunity({
        amount: 1200,
        currency: 'USD',
        region: 'AMER',
        practice: 'Data Engineering',
      });
      const second = await stageOpportunity({
        amount: 3400,
        currency: 'JPY',
        region: 'APAC',
        practice: 'Operations Research',
      });
      const change = appFlowEntry({
        ChangeEventHeader: changeHeader([first.opportunityId, second.opportunityId]),
        ...WON_FIELDS,
      });
      const header = headerOf(change.Detail);

      // Act
      await put([change]);
      const outcomes = [
        await processed(changeKey(header, first.opportunityId)),
        await processed(changeKey(header, second.opportunityId)),
      ];
      await allDelivered();

      // Assess
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['started', 'started']);
      const [firstExecutions, secondExecutions] = [
        await activationsNamed(executionNameOf(first.opportunityId)),
        await activationsNamed(executionNameOf(second.opportunityId)),
      ];
      expect(firstExecutions).toHaveLength(1);
      expect(secondExecutions).toHaveLength(1);
      expect((await executionInput(firstExecutions[0].executionArn as string)).opportunity.amount).toEqual({
        amountMinor: 120_000,
        currency: 'USD',
      });
      expect((await executionInput(secondExecutions[0].executionArn as string)).opportunity.amount).toEqual({
        amountMinor: 3400,
        currency: 'JPY',
      });
    });

    it('starts nothing new when a processed batch is replayed', async () => {
      // Prepare: three won opportunities, each its own event, and two more in one multi-record event.
      const singles = [await stageOpportunity(), await stageOpportunity(), await stageOpportunity()];
      const pair = [await stageOpportunity(), await stageOpportunity()];
      const batch = [
        ...singles.map((opportunity) =>
          eventRelayEntry({ ChangeEventHeader: changeHeader([opportunity.opportunityId]), ...WON_FIELDS }),
        ),
        appFlowEntry({
          ChangeEventHeader: changeHeader(pair.map((opportunity) => opportunity.opportunityId)),
          ...WON_FIELDS,
        }),
      ];
      const records = [
        ...singles.map((opportunity, index) => ({
          opportunity,
          key: changeKey(headerOf(batch[index].Detail), opportunity.opportunityId),
        })),
        ...pair.map((opportunity) => ({
          opportunity,
          key: changeKey(headerOf(batch[3].Detail), opportunity.opportunityId),
        })),
      ];
      await put(batch);
      const before = await Promise.all(records.map((record) => processed(record.key)));
      await allDelivered();
      const executionsBefore = (await activations()).length;

      // Act
      await put(batch);
      await allDelivered();

      // Assess
      expect(before.map((outcome) => outcome.outcome)).toEqual(['started', 'started', 'started', 'started', 'started']);
      expect((await activations()).length).toBe(executionsBefore);
      for (const [index, { opportunity, key }] of records.entries()) {
        expect(await activationsNamed(executionNameOf(opportunity.opportunityId))).toHaveLength(1);
        expect(await ledgerItem(`change#${key}`)).toEqual(before[index]);
        expect(await indexed(`opportunity#salesforce#${opportunity.opportunityId}`)).toHaveLength(1);
        expect(await indexed(`client#salesforce#${opportunity.accountId}`)).toHaveLength(1);
      }
    });
  });

  describe('normalisation', () => {
    it('completes a sparse AppFlow change from the CRM into the canonical opportunity', async () => {
      // Prepare
      const accountId = await stageAccount({ name: 'Ünïcødé Industries ✓', region: 'APAC', isNewClient: false });
      const opportunity = await stageOpportunity({
        accountId,
        name: 'Ünïcødé Industries - Supply Chain Twin',
        amount: 98765.43,
        currency: 'EUR',
        region: 'emea',
        practice: 'Cloud Strategy & Security',
        billingModel: 'T&M',
        discountPercent: 7.5,
        dealType: 'New Business',
      });
      const change = appFlowEntry({
        ChangeEventHeader: changeHeader([opportunity.opportunityId], { changedFields: ['StageName', 'IsWon'] }),
        StageName: 'Closed Won',
        IsWon: true,
      });
      const header = headerOf(change.Detail);

      // Act
      await put([change]);
      const remembered = await processed(changeKey(header, opportunity.opportunityId));
      const input = await executionInput(remembered.executionArn as string);

      // Assess
      expect(remembered.outcome).toBe('started');
      expect(input).toEqual({
        opportunity: {
          opportunityId: { system: 'salesforce', id: opportunity.opportunityId },
          client: {
            clientId: { system: 'salesforce', id: accountId },
            name: 'Ünïcødé Industries ✓',
            region: 'APAC',
            isNew: true,
          },
          name: 'Ünïcødé Industries - Supply Chain Twin',
          stage: 'Closed Won',
          amount: { amountMinor: 9_876_543, currency: 'EUR' },
          billingModel: 'time-and-materials',
          region: 'EMEA',
          practice: 'cloud-strategy-and-security',
          discountPercent: 7.5,
          closeDate: '2026-11-20',
          startDate: '2027-01-18',
          endDate: '2027-04-30',
        },
        wonAt: new Date(COMMIT_TIMESTAMP).toISOString(),
        dedupeKey: changeKey(header, opportunity.opportunityId),
        projectId: projectIdFor({ system: 'salesforce', id: opportunity.opportunityId }),
      });
    });

    it('starts nothing for a Closed Lost update or an Amount-only update', async () => {
      // Prepare
      const lost = await stageOpportunity();
      const repriced = await stageOpportunity({ stage: 'Closed Won', isWon: true, isClosed: true });
      const lostChange = appFlowEntry({
        ChangeEventHeader: changeHeader([lost.opportunityId]),
        StageName: 'Closed Lost',
        IsClosed: true,
        IsWon: false,
      });
      // Enriched fields (StageName, IsWon) are present but unchanged: changedFields is authoritative.
      const amountChange = eventRelayEntry({
        ChangeEventHeader: changeHeader([repriced.opportunityId], { changedFields: ['Amount', 'LastModifiedDate'] }),
        ...wonFields(repriced.accountId, { Amount: 150000 }),
      });

      // Act
      await put([lostChange, amountChange]);
      const lostOutcome = await processed(changeKey(headerOf(lostChange.Detail), lost.opportunityId));
      const amountOutcome = await processed(changeKey(headerOf(amountChange.Detail), repriced.opportunityId));
      await allDelivered();

      // Assess
      expect(lostOutcome).toMatchObject({ outcome: 'ignored', reason: 'Lost' });
      expect(amountOutcome).toMatchObject({ outcome: 'ignored', reason: 'StageUnchanged' });
      for (const opportunity of [lost, repriced]) {
        expect(await activationsNamed(executionNameOf(opportunity.opportunityId))).toEqual([]);
        expect(await indexed(`opportunity#salesforce#${opportunity.opportunityId}`)).toEqual([]);
      }
    });

    it('starts the activation of a canonical psflow.crm Opportunity Won event', async () => {
      // Prepare
      const opportunityId = salesforceId('006');
      const clientId = salesforceId('001');
      const detail = canonicalDetail(opportunityId, clientId);

      // Act
      const [eventId] = await put([entry(PsflowSource.Crm, CrmDetailType.OpportunityWon, detail)]);
      const remembered = await processed(`${PsflowSource.Crm}:${String(detail.dedupeKey)}`);

      // Assess
      expect(remembered).toMatchObject({ outcome: 'started', eventId });
      const executions = await activationsNamed(executionNameOf(opportunityId));
      expect(executions).toHaveLength(1);
      expect(await executionInput(executions[0].executionArn as string)).toMatchObject(detail);
      expect(await indexed(`opportunity#salesforce#${opportunityId}`)).toHaveLength(1);
      expect(await indexed(`client#salesforce#${clientId}`)).toHaveLength(1);
    });
  });

  describe('hostile events', () => {
    interface HostileCase {
      /** Builds the entry; `marker` is unique and must end up in the raw event. */
      readonly build: (marker: string) => Promise<PutEventsRequestEntry> | PutEventsRequestEntry;
      readonly reason: string;
      readonly path: string;
      readonly message?: RegExp;
    }
    const wonChange = (
      marker: string,
      header: Record<string, unknown> = {},
      fields: Record<string, unknown> = WON_FIELDS,
    ): PutEventsRequestEntry =>
      appFlowEntry({
        ChangeEventHeader: changeHeader([salesforceId('006')], { transactionKey: marker, ...header }),
        ...fields,
      });
    const fullWonChange = (marker: string, fields: Record<string, unknown>): PutEventsRequestEntry =>
      eventRelayEntry({
        ChangeEventHeader: changeHeader([salesforceId('006')], { transactionKey: marker }),
        ...wonFields(SEEDED_ACCOUNT_ID, fields),
      });
    const hostileCases: Array<[string, HostileCase]> = [
      [
        'a text Amount',
        {
          build: (marker) => fullWonChange(marker, { Amount: '486000' }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.payload.Amount',
        },
      ],
      [
        'a text sequenceNumber',
        {
          build: (marker) => wonChange(marker, { sequenceNumber: '1' }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.sequenceNumber',
        },
      ],
      [
        'IsWon as the text "true"',
        {
          build: (marker) => wonChange(marker, {}, { StageName: 'Closed Won', IsWon: 'true' }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.IsWon',
        },
      ],
      [
        'a payload without ChangeEventHeader',
        {
          build: (marker) => appFlowEntry({ ...WON_FIELDS, Marker__c: marker }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader',
        },
      ],
      [
        'a header without transactionKey',
        {
          build: (marker) => {
            const { transactionKey: _missing, ...header } = changeHeader([salesforceId('006')]);
            return appFlowEntry({ ChangeEventHeader: header, ...WON_FIELDS, Marker__c: marker });
          },
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.transactionKey',
        },
      ],
      [
        'an Event Relay event without payload',
        {
          build: (marker) =>
            entry(EVENT_RELAY_SOURCE, CHANGE_EVENT, { schemaId: 'Xk3vN1pQ7rT2mY9wZ4aB6c', id: marker }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.payload',
        },
      ],
      [
        'unicode in a record id',
        {
          build: (marker) => wonChange(marker, { recordIds: ['006Ünïcødé✓0000AAJ'] }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.recordIds[0]',
        },
      ],
      [
        'an injection string among the record ids',
        {
          build: (marker) => wonChange(marker, { recordIds: [salesforceId('006'), "006'; DROP TABLE--"] }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.recordIds[1]',
        },
      ],
      [
        'an empty recordIds list',
        {
          build: (marker) => wonChange(marker, { recordIds: [] }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.recordIds',
        },
      ],
      [
        'a key prefix in an UPDATE',
        {
          build: (marker) => wonChange(marker, { recordIds: ['006*'] }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.recordIds[0]',
        },
      ],
      [
        'an undocumented changeType',
        {
          build: (marker) => wonChange(marker, { changeType: 'MERGE' }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.changeType',
        },
      ],
      [
        'an Account change on the Opportunity adapter',
        {
          build: (marker) => wonChange(marker, { entityName: 'Account' }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.entityName',
        },
      ],
      [
        'a canonical Opportunity Won with a region the model lacks',
        {
          build: (marker) => {
            const detail = canonicalDetail(salesforceId('006'), salesforceId('001'), { dedupeKey: marker });
            return entry(PsflowSource.Crm, CrmDetailType.OpportunityWon, {
              ...detail,
              opportunity: { ...(detail.opportunity as object), region: 'EU' },
            });
          },
          reason: 'InvalidCanonicalEvent',
          path: '$.detail.opportunity.region',
        },
      ],
      [
        'a canonical Opportunity Won with a fractional amountMinor',
        {
          build: (marker) => {
            const detail = canonicalDetail(salesforceId('006'), salesforceId('001'), { dedupeKey: marker });
            return entry(PsflowSource.Crm, CrmDetailType.OpportunityWon, {
              ...detail,
              opportunity: { ...(detail.opportunity as object), amount: { amountMinor: 312500.5, currency: 'EUR' } },
            });
          },
          reason: 'InvalidCanonicalEvent',
          path: '$.detail.opportunity.amount.amountMinor',
        },
      ],
      [
        'an unknown sales region',
        {
          build: (marker) => fullWonChange(marker, { Region__c: 'Atlantis' }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.Region__c',
          message: /Atlantis/,
        },
      ],
      [
        'a currency that does not exist',
        {
          build: (marker) => fullWonChange(marker, { CurrencyIsoCode: 'EURO' }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.CurrencyIsoCode',
        },
      ],
      [
        'more decimals than the currency has',
        {
          build: (marker) => fullWonChange(marker, { Amount: 10.005 }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.Amount',
        },
      ],
      [
        'a contract that ends before it starts',
        {
          build: (marker) => fullWonChange(marker, { Contract_End__c: '2026-12-31' }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.Contract_End__c',
        },
      ],
      [
        'a cleared AccountId',
        {
          build: (marker) => fullWonChange(marker, { AccountId: null }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.AccountId',
          message: /cleared/,
        },
      ],
      [
        'a won opportunity whose account is not in the CRM',
        {
          build: (marker) => fullWonChange(marker, { AccountId: salesforceId('001') }),
          reason: 'CrmRecordNotFound',
          path: '$.detail.payload.AccountId',
          message: /unknown to the CRM/,
        },
      ],
      [
        'a complete won change for an opportunity the CRM lacks',
        {
          build: (marker) => fullWonChange(marker, {}),
          reason: 'CrmRecordNotFound',
          path: '$.detail.payload.ChangeEventHeader.recordIds',
          message: /unknown to the CRM/,
        },
      ],
      [
        'a stage change for an opportunity the CRM lacks',
        {
          build: (marker) => wonChange(marker, { changedFields: ['StageName'] }, { StageName: 'Closed Won' }),
          reason: 'CrmRecordNotFound',
          path: '$.detail.ChangeEventHeader.recordIds',
          message: /unknown to the CRM/,
        },
      ],
      [
        'CRM values that cannot be normalised',
        {
          build: async (marker) => {
            const opportunity = await stageOpportunity({ billingModel: 'Barter', practice: '!!' });
            return appFlowEntry({
              ChangeEventHeader: changeHeader([opportunity.opportunityId], { transactionKey: marker }),
              ...WON_FIELDS,
            });
          },
          reason: 'IncompleteOpportunity',
          path: '$.detail.Billing_Model__c',
          message: /value read from the CRM/,
        },
      ],
      [
        'an empty stage name on a won change',
        {
          build: (marker) => fullWonChange(marker, { StageName: '' }),
          reason: 'IncompleteOpportunity',
          path: '$.detail.payload.StageName',
          message: /empty/,
        },
      ],
      [
        'a commit timestamp past year 9999',
        {
          build: (marker) => wonChange(marker, { commitTimestamp: 9e15 }),
          reason: 'InvalidChangeEvent',
          path: '$.detail.ChangeEventHeader.commitTimestamp',
        },
      ],
      [
        'a canonical Opportunity Won with a 3000-character dedupe key',
        {
          build: (marker) =>
            entry(
              PsflowSource.Crm,
              CrmDetailType.OpportunityWon,
              canonicalDetail(salesforceId('006'), salesforceId('001'), { dedupeKey: `${marker}${'k'.repeat(3000)}` }),
            ),
          reason: 'InvalidCanonicalEvent',
          path: '$.detail.dedupeKey',
        },
      ],
      [
        'a CRM amount that is not a number',
        {
          build: async (marker) => {
            const opportunity = await stageOpportunity({ amount: 'lots' } as unknown as Partial<CrmOpportunityFacts>);
            return appFlowEntry({
              ChangeEventHeader: changeHeader([opportunity.opportunityId], { transactionKey: marker }),
              ...WON_FIELDS,
            });
          },
          reason: 'CrmRecordInvalid',
          path: '$.detail.ChangeEventHeader.recordIds',
          message: /malformed/,
        },
      ],
      [
        'a CRM owner e-mail that is not an address',
        {
          build: async (marker) => {
            const opportunity = await stageOpportunity({ ownerEmail: 'dana at example dot com' });
            return appFlowEntry({
              ChangeEventHeader: changeHeader([opportunity.opportunityId], { transactionKey: marker }),
              ...WON_FIELDS,
            });
          },
          reason: 'IncompleteOpportunity',
          path: '$.detail.ownerEmail',
          message: /not an e-mail address/,
        },
      ],
      [
        'a Salesforce overflow (GAP_OVERFLOW)',
        {
          build: (marker) =>
            eventRelayEntry({
              ChangeEventHeader: changeHeader(['006*'], {
                changeType: 'GAP_OVERFLOW',
                transactionKey: marker,
                changedFields: [],
              }),
            }),
          reason: 'ReconciliationRequired',
          path: '$.detail.payload.ChangeEventHeader.changeType',
        },
      ],
    ];

    it.each(hostileCases)('holds %s as an open rejected event with its reason and path', async (_label, hostile) => {
      // Prepare
      const marker = `hostile-${randomUUID()}`;
      const hostileEntry = await hostile.build(marker);

      // Act
      const [eventId] = await put([hostileEntry]);
      const rejection = await rejectionContaining(marker);

      // Assess
      expect(rejection).toMatchObject({
        status: 'open',
        reason: hostile.reason,
        source: hostileEntry.Source,
        detailType: hostileEntry.DetailType,
        eventId,
        occurrences: 1,
      });
      expect(rejection.issues.map((issue) => issue.path)).toContain(hostile.path);
      if (hostile.message) expect(rejection.issues.map((issue) => issue.message).join('\n')).toMatch(hostile.message);
      expect(JSON.parse(rejection.rawEvent)).toMatchObject({
        id: eventId,
        source: hostileEntry.Source,
        detail: JSON.parse(hostileEntry.Detail as string),
      });
    });

    it('counts a re-put of the same malformed event as a second occurrence of one rejected item', async () => {
      // Prepare
      const marker = `again-${randomUUID()}`;
      const malformed = appFlowEntry({ ...WON_FIELDS, Marker__c: marker });

      // Act
      const [firstEventId] = await put([malformed]);
      await rejectionContaining(marker);
      await put([malformed]);
      const rejection = await rejectionContaining(marker, (item) => item.occurrences === 2);

      // Assess
      expect(rejection).toMatchObject({ reason: 'InvalidChangeEvent', eventId: firstEventId, occurrences: 2 });
      expect((await openRejections()).filter((item) => item.rawEvent.includes(marker))).toHaveLength(1);
    });

    it('keeps starting activations after the hostile events and dead-letters nothing', async () => {
      // Prepare
      const opportunity = await stageOpportunity();
      const change = appFlowEntry({ ChangeEventHeader: changeHeader([opportunity.opportunityId]), ...WON_FIELDS });

      // Act
      await put([change]);
      const remembered = await processed(changeKey(headerOf(change.Detail), opportunity.opportunityId));
      await allDelivered();

      // Assess
      expect(remembered.outcome).toBe('started');
      expect(await activationsNamed(executionNameOf(opportunity.opportunityId))).toHaveLength(1);
      expect(await deadLetterCount()).toBe(0);
    });
  });

  describe('oversized and unknown events', () => {
    it('holds an event over 256 KB, invoked directly, as PayloadTooLarge', async () => {
      // Prepare
      const opportunityId = salesforceId('006');
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': CHANGE_EVENT,
        source: APPFLOW_SOURCE,
        account: '111122223333',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {
          ChangeEventHeader: changeHeader([opportunityId]),
          ...WON_FIELDS,
          Description: 'ü'.repeat(150 * 1024),
        },
      };

      // Act
      const response = await fetch(`${cloud.url}/2015-03-31/functions/${INGEST_FUNCTION}/invocations`, {
        method: 'POST',
        body: JSON.stringify(event),
      });
      const report = (await response.json()) as IngestionReport;
      const rejection = await rejectionContaining(event.id, (item) => item.eventId === event.id);

      // Assess
      expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(256 * 1024);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-amz-function-error')).toBeNull();
      expect(report.outcomes).toEqual([
        expect.objectContaining({ outcome: 'rejected', reason: 'PayloadTooLarge', rejectionId: rejection.rejectionId }),
      ]);
      expect(rejection).toMatchObject({
        status: 'open',
        reason: 'PayloadTooLarge',
        eventId: event.id,
        source: APPFLOW_SOURCE,
        rawEventTruncated: true,
      });
      expect(rejection.issues.map((issue) => issue.path)).toEqual(['$']);
      expect(await activationsNamed(executionNameOf(opportunityId))).toEqual([]);
    });

    it('refuses partner events over 256 KB in all with ValidationException, as AWS', async () => {
      // Prepare
      const oversized = appFlowEntry({
        ChangeEventHeader: changeHeader([salesforceId('006')]),
        ...WON_FIELDS,
        Description: 'x'.repeat(256 * 1024),
      });

      // Act
      const result = deliverEvents(cloud.url, [oversized]);

      // Assess
      await expect(result).rejects.toThrow(/400.*Total size of the entries in the request is over the limit/);
    });

    it('counts events from an unknown source without rejecting or starting anything', async () => {
      // Prepare
      const source = `acme.unknown-${randomUUID()}`;
      const unknown = entry(source, 'Widget Shipped', { widgetId: randomUUID() });
      await allDelivered();
      const executionsBefore = (await activations()).length;

      const counted = (count: number): Promise<LedgerItem> =>
        eventually(
          async () => {
            const item = await ledgerItem(`unknown#${source}#Widget Shipped`);
            return item?.eventCount === count ? item : undefined;
          },
          20_000,
          `${count} events counted for ${source}`,
        );

      // Act: one after the other, since the bus, like EventBridge, does not order deliveries.
      const [firstEventId] = await put([unknown]);
      const afterFirst = await counted(1);
      const [secondEventId] = await put([unknown]);
      const counter = await counted(2);
      await allDelivered();

      // Assess
      expect(afterFirst).toMatchObject({ kind: 'unknown-event-type', eventCount: 1, lastEventId: firstEventId });
      expect(counter).toMatchObject({ kind: 'unknown-event-type', eventCount: 2, lastEventId: secondEventId });
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName: LEDGER_TABLE,
          IndexName: 'byKind',
          KeyConditionExpression: '#kind = :kind',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: { ':kind': 'unknown-event-type' },
        }),
      );
      expect(Items.map((item) => item.ledgerKey)).toContain(`unknown#${source}#Widget Shipped`);
      expect((await openRejections()).filter((item) => item.source === source)).toEqual([]);
      expect((await activations()).length).toBe(executionsBefore);
    });
  });
});
