import type { IngestionReport, RecordOutcome } from '../../shared/ingestion/ingestion-ports';
import { MAX_PAYLOAD_BYTES, ingestEvent } from '../../shared/ingestion/ingest-event';
import { businessKey, projectIdFor } from '../../shared/workflows/workflow-names';
import {
  APPFLOW_ACCOUNT_ID,
  APPFLOW_RECORD_ID,
  APPFLOW_TRANSACTION_KEY,
  EVENT_RELAY_ACCOUNT_ID,
  EVENT_RELAY_RECORD_ID,
  EVENT_RELAY_TRANSACTION_KEY,
  FakeCrm,
  NOW,
  appFlowCrmFacts,
  appFlowEvent,
  canonicalEvent,
  eventRelayCrmFacts,
  canonicalOpportunityWonDetail,
  eventRelayEvent,
  eventRelaySample,
  fakeWorld,
  isObject,
  jsonCopy,
  type FakeWorld,
  type JsonObject,
} from '../support/ingestion-fakes';

const RELAY_EXECUTION = `opportunity-salesforce-${EVENT_RELAY_RECORD_ID}`;
const RELAY_DEDUPE_KEY = `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${EVENT_RELAY_RECORD_ID}`;
const SECOND_RECORD_ID = '0068d00000B7kQxAAJ';
const THIRD_RECORD_ID = '0068d00000B7kQyAAJ';

/** The only outcome of a report that must have exactly one. */
function onlyOutcome(report: IngestionReport): RecordOutcome {
  expect(report.outcomes).toHaveLength(1);
  const [outcome] = report.outcomes;
  if (!outcome) throw new Error('the report has no outcome');
  return outcome;
}

/** The opportunity a started execution received as input. */
function startedOpportunity(world: FakeWorld, executionName: string): JsonObject {
  const input = world.launcher.started.get(executionName)?.input;
  if (!isObject(input) || !isObject(input.opportunity))
    throw new Error(`${executionName} was not started with an opportunity`);
  return input.opportunity;
}

/** A gap or overflow event over Event Relay: a header and no values. */
function gapEvent(changeType: string, recordIds: unknown[] = [EVENT_RELAY_RECORD_ID]): JsonObject {
  const sample = eventRelaySample();
  const detail = isObject(sample.detail) ? sample.detail : {};
  return {
    ...sample,
    detail: {
      ...detail,
      payload: {
        ChangeEventHeader: {
          entityName: 'Opportunity',
          recordIds,
          changeType,
          transactionKey: 'gap-0001',
          sequenceNumber: 4,
          commitTimestamp: 1763474530000,
        },
      },
    },
  };
}

/** The best-effort source a rejected item names for an event. */
function sourceOf(event: unknown): string {
  return isObject(event) && typeof event.source === 'string' ? event.source : '(missing)';
}

describe('ingestEvent', () => {
  describe('a won opportunity', () => {
    it('starts project activation for the Event Relay sample and records the execution under its business keys', async () => {
      // Prepare
      const world = fakeWorld();
      const event = eventRelayEvent();

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(report).toEqual({
        eventId: '6f0f2b1e-3c1a-4d0e-9b7a-2a4c1e9d5f10',
        source: 'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU',
        detailType: 'OpportunityChangeEvent',
        outcomes: [
          {
            outcome: 'started',
            recordId: EVENT_RELAY_RECORD_ID,
            dedupeKey: RELAY_DEDUPE_KEY,
            executionArn: `arn:aws:states:eu-west-1:111122223333:execution:psflow-project-activation:${RELAY_EXECUTION}`,
          },
        ],
      });
      expect([...world.launcher.started.keys()]).toEqual([RELAY_EXECUTION]);
      expect(world.launcher.started.get(RELAY_EXECUTION)).toMatchObject({
        workflow: 'project-activation',
        input: {
          dedupeKey: RELAY_DEDUPE_KEY,
          wonAt: '2025-11-18T14:02:10.000Z',
          opportunity: { opportunityId: { system: 'salesforce', id: EVENT_RELAY_RECORD_ID } },
        },
      });
      expect(world.executions.entries).toEqual([
        {
          workflow: 'project-activation',
          executionName: RELAY_EXECUTION,
          executionArn: `arn:aws:states:eu-west-1:111122223333:execution:psflow-project-activation:${RELAY_EXECUTION}`,
          businessKeys: [
            `opportunity#salesforce#${EVENT_RELAY_RECORD_ID}`,
            `client#salesforce#${EVENT_RELAY_ACCOUNT_ID}`,
            businessKey('project', projectIdFor({ system: 'salesforce', id: EVENT_RELAY_RECORD_ID })),
          ],
          dedupeKey: RELAY_DEDUPE_KEY,
          startedAt: NOW.toISOString(),
        },
      ]);
      expect(world.ledger.entries.get(RELAY_DEDUPE_KEY)).toMatchObject({
        outcome: 'started',
        eventId: '6f0f2b1e-3c1a-4d0e-9b7a-2a4c1e9d5f10',
      });
      expect(world.rejections.items.size).toBe(0);
    });

    it('reads the account from the CRM, and the opportunity only to know the CRM has it, when the event carries every field', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      await ingestEvent(eventRelayEvent(), world.deps);

      // Assess
      expect(world.crm.opportunityReads).toEqual([EVENT_RELAY_RECORD_ID]);
      expect(world.crm.accountReads).toEqual([EVENT_RELAY_ACCOUNT_ID]);
    });

    it('rejects a complete change event for an opportunity the CRM does not have as CrmRecordNotFound, and starts nothing', async () => {
      // Prepare
      const world = fakeWorld();
      world.crm.opportunities.delete(EVENT_RELAY_RECORD_ID);

      // Act
      const report = await ingestEvent(eventRelayEvent(), world.deps);

      // Assess
      expect(report.outcomes).toEqual([
        expect.objectContaining({ outcome: 'rejected', reason: 'CrmRecordNotFound', recordId: EVENT_RELAY_RECORD_ID }),
      ]);
      expect(world.launcher.calls).toEqual([]);
      expect([...world.rejections.items.values()]).toEqual([
        expect.objectContaining({
          reason: 'CrmRecordNotFound',
          message: `the CRM has no opportunity ${EVENT_RELAY_RECORD_ID}; activation reads its statement of work there`,
        }),
      ]);
    });

    it('completes the AppFlow sample from the CRM and starts activation with the full canonical opportunity', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(appFlowEvent(), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'started',
        dedupeKey: `salesforce:${APPFLOW_TRANSACTION_KEY}:1:${APPFLOW_RECORD_ID}`,
      });
      expect(startedOpportunity(world, `opportunity-salesforce-${APPFLOW_RECORD_ID}`)).toEqual({
        opportunityId: { system: 'salesforce', id: APPFLOW_RECORD_ID },
        client: {
          clientId: { system: 'salesforce', id: APPFLOW_ACCOUNT_ID },
          name: 'Contoso Pharma',
          region: 'AMER',
          isNew: false,
        },
        name: 'Contoso Pharma - SAP Carve-out',
        stage: 'Closed Won',
        amount: { amountMinor: 12_500_050, currency: 'EUR' },
        billingModel: 'fixed-fee',
        region: 'EMEA',
        practice: 'erp-advisory',
        discountPercent: 5,
        closeDate: '2026-11-19',
        startDate: '2027-01-04',
        endDate: '2027-03-31',
        ownerEmail: 'dana.reyes@example.com',
      });
      expect(world.crm.opportunityReads).toEqual([APPFLOW_RECORD_ID]);
      expect(world.crm.accountReads).toEqual([APPFLOW_ACCOUNT_ID]);
    });

    it('lets a field present in the event override what the CRM says', async () => {
      // Prepare
      const world = fakeWorld();
      const event = appFlowEvent({
        fields: { Amount: 99000, CurrencyIsoCode: 'JPY', Practice__c: 'Data & Analytics' },
      });

      // Act
      await ingestEvent(event, world.deps);

      // Assess
      expect(startedOpportunity(world, `opportunity-salesforce-${APPFLOW_RECORD_ID}`)).toMatchObject({
        amount: { amountMinor: 99000, currency: 'JPY' },
        practice: 'data-and-analytics',
        billingModel: 'fixed-fee',
      });
    });

    it.each<[string, () => JsonObject, string]>([
      ['Event Relay', () => eventRelayEvent({ fields: { Region__c: null } }), '$.detail.payload.Region__c'],
      ['AppFlow', () => appFlowEvent({ fields: { Region__c: null } }), '$.detail.Region__c'],
    ])('rejects a required field the %s event cleared, even though the CRM knows it', async (_channel, build, path) => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(build(), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'rejected', reason: 'IncompleteOpportunity' });
      const [item] = world.rejections.all();
      expect(item?.issues).toEqual([{ path, message: 'is required but was cleared (null)' }]);
      expect(world.launcher.calls).toEqual([]);
    });

    it('rejects a required field absent from the event and unknown to the CRM', async () => {
      // Prepare
      const crm = FakeCrm.withSamples();
      crm.putOpportunity({ ...appFlowCrmFacts(), practice: undefined });
      const world = fakeWorld(crm);

      // Act
      const report = await ingestEvent(appFlowEvent(), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'rejected',
        reason: 'IncompleteOpportunity',
        recordId: APPFLOW_RECORD_ID,
      });
      expect(world.rejections.all()[0]?.issues).toEqual([
        {
          path: '$.detail.Practice__c',
          message: expect.stringContaining('absent from the event and unknown to the CRM'),
        },
      ]);
    });

    it('marks a bad value the CRM supplied as read from the CRM', async () => {
      // Prepare
      const crm = FakeCrm.withSamples();
      crm.putOpportunity({ ...appFlowCrmFacts(), billingModel: 'Retainer' });
      const world = fakeWorld(crm);

      // Act
      await ingestEvent(appFlowEvent(), world.deps);

      // Assess
      expect(world.rejections.all()[0]?.issues).toEqual([
        {
          path: '$.detail.Billing_Model__c',
          message: expect.stringMatching(/is not a billing model.*\(value read from the CRM\)$/),
        },
      ]);
    });

    it('accepts an opportunity name with emoji and right-to-left text', async () => {
      // Prepare
      const world = fakeWorld();
      const name = 'مشروع تحديث 🚀 Ünïcødé — 数据平台';

      // Act
      const report = await ingestEvent(eventRelayEvent({ fields: { Name: name } }), world.deps);

      // Assess
      expect(onlyOutcome(report).outcome).toBe('started');
      expect(startedOpportunity(world, RELAY_EXECUTION).name).toBe(name);
      expect(world.rejections.items.size).toBe(0);
    });
  });

  describe('each changeType', () => {
    it.each<[string, string, () => JsonObject]>([
      [
        'CREATE won at creation',
        'started',
        () => eventRelayEvent({ header: { changeType: 'CREATE', changedFields: undefined } }),
      ],
      ['UPDATE into Closed Won', 'started', () => eventRelayEvent()],
      [
        'UPDATE without StageName',
        'ignored/StageUnchanged',
        () =>
          eventRelayEvent({
            fields: { StageName: undefined, IsWon: undefined, IsClosed: undefined },
            header: { changedFields: undefined },
          }),
      ],
      [
        'UPDATE with an unchanged, enriched StageName',
        'ignored/StageUnchanged',
        () => eventRelayEvent({ header: { changedFields: ['Amount', 'LastModifiedDate'] } }),
      ],
      ['DELETE', 'ignored/Deleted', () => eventRelayEvent({ header: { changeType: 'DELETE' } })],
      [
        'UNDELETE of a won opportunity',
        'started',
        () => eventRelayEvent({ header: { changeType: 'UNDELETE', changedFields: undefined } }),
      ],
      ['GAP_CREATE won in the CRM', 'started', () => gapEvent('GAP_CREATE')],
      ['GAP_UPDATE won in the CRM', 'started', () => gapEvent('GAP_UPDATE')],
      ['GAP_UNDELETE won in the CRM', 'started', () => gapEvent('GAP_UNDELETE')],
      ['GAP_UPDATE not won in the CRM', 'ignored/NotWon', () => gapEvent('GAP_UPDATE', [APPFLOW_RECORD_ID])],
      ['GAP_UPDATE unknown to the CRM', 'rejected/CrmRecordNotFound', () => gapEvent('GAP_UPDATE', [THIRD_RECORD_ID])],
      ['GAP_DELETE', 'ignored/Deleted', () => gapEvent('GAP_DELETE')],
      ['GAP_OVERFLOW', 'rejected/ReconciliationRequired', () => gapEvent('GAP_OVERFLOW', ['006*'])],
    ])('ends a %s as %s', async (_label, expected, build) => {
      // Prepare
      const [outcome, reason] = expected.split('/');
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(build(), world.deps);

      // Assess
      const only = onlyOutcome(report);
      expect({ outcome: only.outcome, reason: only.reason }).toEqual({ outcome, reason });
      expect(world.launcher.started.size).toBe(outcome === 'started' ? 1 : 0);
      expect(world.rejections.items.size).toBe(outcome === 'rejected' ? 1 : 0);
      // Rejections are not remembered, so a replay after a fix is decided afresh.
      expect(world.ledger.entries.size).toBe(outcome === 'rejected' ? 0 : 1);
    });

    it.each<[string, unknown[], string]>([
      ['a key prefix', ['006*'], 'salesforce:gap-0001:4:006*'],
      ['no record ids', [], 'salesforce:gap-0001:4:*'],
      ['two key prefixes', ['006*', '001*'], 'salesforce:gap-0001:4:006*'],
    ])(
      'holds exactly one ReconciliationRequired item for an overflow naming %s',
      async (_label, recordIds, dedupeKey) => {
        // Prepare
        const world = fakeWorld();

        // Act
        const report = await ingestEvent(gapEvent('GAP_OVERFLOW', recordIds), world.deps);

        // Assess
        expect(onlyOutcome(report)).toMatchObject({ outcome: 'rejected', reason: 'ReconciliationRequired', dedupeKey });
        const items = world.rejections.all();
        expect(items).toHaveLength(1);
        expect(items[0]?.issues).toEqual([
          {
            path: '$.detail.payload.ChangeEventHeader.changeType',
            message: 'GAP_OVERFLOW carries no record ids or values',
          },
        ]);
        expect(world.crm.opportunityReads).toEqual([]);
        expect(world.launcher.calls).toEqual([]);
      },
    );

    it.each<[string, JsonObject, string]>([
      ['closed as lost', { StageName: 'Closed Lost', IsWon: false, IsClosed: true }, 'Lost'],
      ['moved to Negotiation', { StageName: 'Negotiation', IsWon: false, IsClosed: false }, 'NotWon'],
    ])('ignores an opportunity %s and starts nothing', async (_label, fields, reason) => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(eventRelayEvent({ fields }), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'ignored',
        reason,
        recordId: EVENT_RELAY_RECORD_ID,
        dedupeKey: RELAY_DEDUPE_KEY,
      });
      expect(world.launcher.calls).toEqual([]);
      expect(world.ledger.entries.get(RELAY_DEDUPE_KEY)).toMatchObject({ outcome: 'ignored', reason });
    });
  });

  describe('multi-record events', () => {
    it('starts one activation per record of a multi-record event', async () => {
      // Prepare
      const world = fakeWorld();
      for (const recordId of [SECOND_RECORD_ID, THIRD_RECORD_ID])
        world.crm.putOpportunity({ ...eventRelayCrmFacts(), opportunityId: recordId });
      const recordIds = [EVENT_RELAY_RECORD_ID, SECOND_RECORD_ID, THIRD_RECORD_ID];

      // Act
      const report = await ingestEvent(eventRelayEvent({ header: { recordIds } }), world.deps);

      // Assess
      expect(report.outcomes.map((outcome) => [outcome.outcome, outcome.recordId, outcome.dedupeKey])).toEqual(
        recordIds.map((recordId) => ['started', recordId, `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${recordId}`]),
      );
      expect([...world.launcher.started.keys()]).toEqual(
        recordIds.map((recordId) => `opportunity-salesforce-${recordId}`),
      );
      expect(world.executions.entries.map((entry) => entry.businessKeys[0])).toEqual(
        recordIds.map((recordId) => `opportunity#salesforce#${recordId}`),
      );
      expect(world.ledger.entries.size).toBe(3);
    });

    it('counts a record id listed twice once', async () => {
      // Prepare
      const world = fakeWorld();
      world.crm.putOpportunity({ ...eventRelayCrmFacts(), opportunityId: SECOND_RECORD_ID });

      // Act
      const report = await ingestEvent(
        eventRelayEvent({ header: { recordIds: [EVENT_RELAY_RECORD_ID, SECOND_RECORD_ID, EVENT_RELAY_RECORD_ID] } }),
        world.deps,
      );

      // Assess
      expect(report.outcomes.map((outcome) => outcome.recordId)).toEqual([EVENT_RELAY_RECORD_ID, SECOND_RECORD_ID]);
      expect(world.launcher.calls).toEqual([RELAY_EXECUTION, `opportunity-salesforce-${SECOND_RECORD_ID}`]);
    });

    it('decides each record of a gap event on its own CRM record', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(
        gapEvent('GAP_UPDATE', [EVENT_RELAY_RECORD_ID, APPFLOW_RECORD_ID, THIRD_RECORD_ID]),
        world.deps,
      );

      // Assess
      expect(
        report.outcomes.map((outcome) => `${outcome.recordId}:${outcome.outcome}:${outcome.reason ?? ''}`),
      ).toEqual([
        `${EVENT_RELAY_RECORD_ID}:started:`,
        `${APPFLOW_RECORD_ID}:ignored:NotWon`,
        `${THIRD_RECORD_ID}:rejected:CrmRecordNotFound`,
      ]);
      expect(world.rejections.all().map((item) => item.recordId)).toEqual([THIRD_RECORD_ID]);
    });
  });

  describe('duplicates and replays', () => {
    it('starts one execution for an event delivered three times and reports the later deliveries as Duplicate', async () => {
      // Prepare
      const world = fakeWorld();
      const event = eventRelayEvent();

      // Act
      const reports = [
        await ingestEvent(event, world.deps),
        await ingestEvent(event, world.deps),
        await ingestEvent(event, world.deps),
      ];

      // Assess
      const outcomes = reports.map((report) => onlyOutcome(report));
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['started', 'ignored', 'ignored']);
      const executionArn = outcomes[0]?.executionArn;
      expect(executionArn).toContain(RELAY_EXECUTION);
      expect(outcomes.slice(1)).toEqual([
        expect.objectContaining({ reason: 'Duplicate', dedupeKey: RELAY_DEDUPE_KEY, executionArn }),
        expect.objectContaining({ reason: 'Duplicate', dedupeKey: RELAY_DEDUPE_KEY, executionArn }),
      ]);
      expect(world.launcher.calls).toEqual([RELAY_EXECUTION]);
      expect(world.crm.accountReads).toHaveLength(1);
    });

    it('recognises the same change re-put under a different event id as Duplicate', async () => {
      // Prepare
      const world = fakeWorld();
      await ingestEvent(eventRelayEvent(), world.deps);
      const reput = eventRelayEvent({
        envelope: { id: '11111111-2222-4333-8444-555555555555', time: '2026-11-19T08:00:00Z' },
      });

      // Act
      const report = await ingestEvent(reput, world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'ignored', reason: 'Duplicate' });
      expect(world.launcher.calls).toHaveLength(1);
    });

    it('reports a second won change of the same opportunity as already-started without a second execution', async () => {
      // Prepare
      const world = fakeWorld();
      await ingestEvent(eventRelayEvent(), world.deps);
      const later = eventRelayEvent({
        header: { transactionKey: '00052a1c-0000-4c3d-a1f2-000000000002' },
        envelope: { id: 'later-change' },
      });

      // Act
      const report = await ingestEvent(later, world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'already-started',
        dedupeKey: `salesforce:00052a1c-0000-4c3d-a1f2-000000000002:1:${EVENT_RELAY_RECORD_ID}`,
      });
      expect(world.launcher.started.size).toBe(1);
      expect(world.launcher.calls).toEqual([RELAY_EXECUTION, RELAY_EXECUTION]);
      expect(world.ledger.entries.size).toBe(2);
    });

    it('remembers nothing when starting the workflow fails, so a retried delivery starts it', async () => {
      // Prepare
      const world = fakeWorld();
      world.launcher.failure = new Error('ThrottlingException: Rate exceeded');

      // Act
      const failed = ingestEvent(eventRelayEvent(), world.deps);
      await expect(failed).rejects.toThrow('Rate exceeded');
      world.launcher.failure = undefined;
      const retried = await ingestEvent(eventRelayEvent(), world.deps);

      // Assess
      expect(onlyOutcome(retried).outcome).toBe('started');
      expect(world.ledger.entries.size).toBe(1);
      expect(world.rejections.items.size).toBe(0);
    });

    it('lets a CRM failure reject the delivery and remembers nothing', async () => {
      // Prepare
      const world = fakeWorld();
      world.crm.getOpportunity = async () => {
        throw new Error('CRM unavailable');
      };

      // Act
      const result = ingestEvent(appFlowEvent(), world.deps);

      // Assess
      await expect(result).rejects.toThrow('CRM unavailable');
      expect(world.ledger.entries.size).toBe(0);
      expect(world.rejections.items.size).toBe(0);
    });
  });

  describe('hostile input', () => {
    const longName = 'N'.repeat(300);
    const hostile: Array<[string, () => unknown, string, string]> = [
      ['a null event', () => null, 'InvalidEnvelope', '$'],
      ['a string', () => 'OpportunityChangeEvent', 'InvalidEnvelope', '$'],
      ['an array', () => [eventRelayEvent()], 'InvalidEnvelope', '$'],
      [
        'an event without detail',
        () => eventRelayEvent({ envelope: { detail: undefined } }),
        'InvalidEnvelope',
        '$.detail',
      ],
      [
        'a detail that is a string',
        () => eventRelayEvent({ envelope: { detail: '{"payload":{}}' } }),
        'InvalidEnvelope',
        '$.detail',
      ],
      ['a detail that is an array', () => eventRelayEvent({ envelope: { detail: [] } }), 'InvalidEnvelope', '$.detail'],
      ['a numeric source', () => eventRelayEvent({ envelope: { source: 42 } }), 'InvalidEnvelope', '$.source'],
      [
        'no detail-type',
        () => eventRelayEvent({ envelope: { 'detail-type': undefined } }),
        'InvalidEnvelope',
        '$["detail-type"]',
      ],
      ['no id', () => eventRelayEvent({ envelope: { id: undefined } }), 'InvalidEnvelope', '$.id'],
      [
        'a Salesforce payload that is not an object',
        () => eventRelayEvent({ envelope: { detail: { payload: 'StageName=Closed Won' } } }),
        'InvalidChangeEvent',
        '$.detail.payload',
      ],
      [
        'an Event Relay detail without payload',
        () => eventRelayEvent({ envelope: { detail: { schemaId: 'x' } } }),
        'InvalidChangeEvent',
        '$.detail.payload',
      ],
      [
        'an AppFlow detail without header',
        () => appFlowEvent({ envelope: { detail: { StageName: 'Closed Won' } } }),
        'InvalidChangeEvent',
        '$.detail.ChangeEventHeader',
      ],
      [
        'recordIds that is not an array',
        () => eventRelayEvent({ header: { recordIds: EVENT_RELAY_RECORD_ID } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.recordIds',
      ],
      [
        'a record id with bad characters',
        () => eventRelayEvent({ header: { recordIds: ["006'; DROP TABLE--x"] } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.recordIds[0]',
      ],
      [
        'a record id of the wrong length',
        () => eventRelayEvent({ header: { recordIds: ['0068d00000B7kQwAA'] } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.recordIds[0]',
      ],
      [
        "changeType 'MERGE'",
        () => eventRelayEvent({ header: { changeType: 'MERGE' } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.changeType',
      ],
      [
        'sequenceNumber -1',
        () => eventRelayEvent({ header: { sequenceNumber: -1 } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.sequenceNumber',
      ],
      [
        "sequenceNumber '1'",
        () => eventRelayEvent({ header: { sequenceNumber: '1' } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.sequenceNumber',
      ],
      [
        "entityName 'Account'",
        () => eventRelayEvent({ header: { entityName: 'Account' } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.entityName',
      ],
      [
        'Amount as the string "486000"',
        () => eventRelayEvent({ fields: { Amount: '486000' } }),
        'InvalidChangeEvent',
        '$.detail.payload.Amount',
      ],
      [
        'Amount as the string "NaN"',
        () => eventRelayEvent({ fields: { Amount: 'NaN' } }),
        'InvalidChangeEvent',
        '$.detail.payload.Amount',
      ],
      [
        'IsWon as the string "true"',
        () => eventRelayEvent({ fields: { IsWon: 'true' } }),
        'InvalidChangeEvent',
        '$.detail.payload.IsWon',
      ],
      [
        "CloseDate '2026-13-45'",
        () => eventRelayEvent({ fields: { CloseDate: '2026-13-45' } }),
        'IncompleteOpportunity',
        '$.detail.payload.CloseDate',
      ],
      [
        "Region__c 'Mars'",
        () => eventRelayEvent({ fields: { Region__c: 'Mars' } }),
        'IncompleteOpportunity',
        '$.detail.payload.Region__c',
      ],
      [
        "Region__c 'Mars' over AppFlow",
        () => appFlowEvent({ fields: { Region__c: 'Mars' } }),
        'IncompleteOpportunity',
        '$.detail.Region__c',
      ],
      [
        "CurrencyIsoCode 'ZZZ'",
        () => eventRelayEvent({ fields: { CurrencyIsoCode: 'ZZZ' } }),
        'IncompleteOpportunity',
        '$.detail.payload.CurrencyIsoCode',
      ],
      [
        'Amount 486000.125 in EUR (three decimals)',
        () => eventRelayEvent({ fields: { Amount: 486000.125 } }),
        'IncompleteOpportunity',
        '$.detail.payload.Amount',
      ],
      [
        'Amount -1',
        () => eventRelayEvent({ fields: { Amount: -1 } }),
        'IncompleteOpportunity',
        '$.detail.payload.Amount',
      ],
      [
        'Discount__c 150',
        () => eventRelayEvent({ fields: { Discount__c: 150 } }),
        'IncompleteOpportunity',
        '$.detail.payload.Discount__c',
      ],
      [
        'Contract_End__c before Contract_Start__c',
        () => eventRelayEvent({ fields: { Contract_End__c: '2026-12-31' } }),
        'IncompleteOpportunity',
        '$.detail.payload.Contract_End__c',
      ],
      [
        'a name of 300 characters',
        () => eventRelayEvent({ fields: { Name: longName } }),
        'IncompleteOpportunity',
        '$.detail.payload.Name',
      ],
      [
        'an account the CRM does not know',
        () => eventRelayEvent({ fields: { AccountId: '0018d00000ZzZ99AAB' } }),
        'CrmRecordNotFound',
        '$.detail.payload.AccountId',
      ],
      [
        'an event over 256 KB',
        () => eventRelayEvent({ fields: { Description: 'x'.repeat(300_000) } }),
        'PayloadTooLarge',
        '$',
      ],
      [
        'an Opportunity Won with a wrong-typed field',
        () =>
          canonicalEvent({
            ...canonicalOpportunityWonDetail(),
            opportunity: {
              ...(canonicalOpportunityWonDetail().opportunity as JsonObject),
              amount: { amountMinor: '31250000', currency: 'EUR' },
            },
          }),
        'InvalidCanonicalEvent',
        '$.detail.opportunity.amount.amountMinor',
      ],
      [
        'an Opportunity Won without dedupeKey',
        () => canonicalEvent({ ...canonicalOpportunityWonDetail(), dedupeKey: undefined }),
        'InvalidCanonicalEvent',
        '$.detail.dedupeKey',
      ],
    ];

    it.each(hostile)('holds %s as one rejected item with its reason and path', async (_label, build, reason, path) => {
      // Prepare
      const world = fakeWorld();
      const event = build();

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'rejected', reason, rejectionId: 'rejection-1' });
      const items = world.rejections.all();
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        reason,
        source: sourceOf(event),
        rawEvent: JSON.stringify(event),
        receivedAt: NOW.toISOString(),
      });
      expect(items[0]?.issues.map((issue) => issue.path)).toContain(path);
      expect(world.launcher.calls).toEqual([]);
    });

    it('measures the size limit on the whole event, in UTF-8 bytes', async () => {
      // Prepare
      const world = fakeWorld();
      const event = eventRelayEvent({ fields: { Description: '€'.repeat(Math.ceil(MAX_PAYLOAD_BYTES / 3)) } });

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(JSON.stringify(event).length).toBeLessThan(MAX_PAYLOAD_BYTES);
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'rejected', reason: 'PayloadTooLarge' });
    });

    it('holds an unserialisable event instead of throwing', async () => {
      // Prepare
      const world = fakeWorld();
      const event = { ...eventRelayEvent(), detail: { payload: { amount: BigInt(1) } } };

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(onlyOutcome(report).outcome).toBe('rejected');
      expect(world.rejections.all()[0]?.rawEvent).toContain('unserialisable event');
    });

    it.each<[string, () => unknown]>([
      ['an invalid envelope', () => eventRelayEvent({ envelope: { source: 42 } })],
      ['an invalid change event', () => eventRelayEvent({ header: { changeType: 'MERGE' } })],
      ['an oversized event', () => eventRelayEvent({ fields: { Description: 'x'.repeat(300_000) } })],
    ])(
      'keeps one rejected item when %s is delivered twice, and when it is re-put under a new id',
      async (_label, build) => {
        // Prepare
        const world = fakeWorld();
        const event = build();
        const reput = isObject(event) ? { ...jsonCopy(event), id: 'reput-0001', time: '2026-11-19T09:59:00Z' } : event;

        // Act
        const reports = [
          await ingestEvent(event, world.deps),
          await ingestEvent(jsonCopy(event), world.deps),
          await ingestEvent(reput, world.deps),
        ];

        // Assess
        expect(reports.map((report) => onlyOutcome(report).outcome)).toEqual(['rejected', 'rejected', 'rejected']);
        expect(world.rejections.holds).toBe(3);
        expect(world.rejections.items.size).toBe(1);
      },
    );

    it('keeps one rejected item for a record rejection delivered twice and re-put, deciding it afresh each time', async () => {
      // Prepare
      const world = fakeWorld();
      const event = eventRelayEvent({ fields: { Region__c: 'Mars' } });
      const reput = { ...jsonCopy(event), id: 'reput-0002', time: '2026-11-19T09:59:30Z' };

      // Act
      const reports = [
        await ingestEvent(event, world.deps),
        await ingestEvent(jsonCopy(event), world.deps),
        await ingestEvent(reput, world.deps),
      ];

      // Assess
      const rejected = expect.objectContaining({
        outcome: 'rejected',
        reason: 'IncompleteOpportunity',
        rejectionId: 'rejection-1',
      });
      expect(reports.map((report) => onlyOutcome(report))).toEqual([rejected, rejected, rejected]);
      expect(world.rejections.holds).toBe(3);
      expect(world.rejections.items.size).toBe(1);
      expect(world.ledger.entries.size).toBe(0);
    });

    it('starts a change rejected earlier once the CRM knows the record', async () => {
      // Prepare
      const crm = FakeCrm.withSamples();
      const missing = crm.opportunities.get(EVENT_RELAY_RECORD_ID);
      crm.opportunities.delete(EVENT_RELAY_RECORD_ID);
      const world = fakeWorld(crm);
      const event = gapEvent('GAP_UPDATE');
      const rejected = await ingestEvent(event, world.deps);
      if (missing) crm.putOpportunity(missing);

      // Act
      const replayed = await ingestEvent(event, world.deps);

      // Assess
      expect(onlyOutcome(rejected)).toMatchObject({ outcome: 'rejected', reason: 'CrmRecordNotFound' });
      expect(onlyOutcome(replayed)).toMatchObject({
        outcome: 'started',
        dedupeKey: `salesforce:gap-0001:4:${EVENT_RELAY_RECORD_ID}`,
      });
      expect(world.launcher.calls).toEqual([RELAY_EXECUTION]);
    });

    it('tells different rejections of the same kind apart', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      await ingestEvent(eventRelayEvent({ header: { changeType: 'MERGE' } }), world.deps);
      await ingestEvent(eventRelayEvent({ header: { changeType: 'UPSERT' } }), world.deps);

      // Assess
      expect(world.rejections.items.size).toBe(2);
    });

    it.each<[string, (world: FakeWorld) => JsonObject, string, string]>([
      [
        'a commitTimestamp beyond what a Date can hold',
        () => eventRelayEvent({ header: { commitTimestamp: 9_000_000_000_000_000 } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.commitTimestamp',
      ],
      [
        'a commitTimestamp after the year 9999',
        () => eventRelayEvent({ header: { commitTimestamp: 253_402_300_800_000 } }),
        'InvalidChangeEvent',
        '$.detail.payload.ChangeEventHeader.commitTimestamp',
      ],
      [
        'an empty StageName on a won opportunity',
        () => eventRelayEvent({ fields: { StageName: '' } }),
        'IncompleteOpportunity',
        '$.detail.payload.StageName',
      ],
      [
        'an owner e-mail from the CRM that is not an address',
        (world) => {
          world.crm.putOpportunity({ ...appFlowCrmFacts(), ownerEmail: 'dana at example dot com' });
          return appFlowEvent();
        },
        'IncompleteOpportunity',
        '$.detail',
      ],
      [
        'an account name from the CRM over 255 characters',
        (world) => {
          world.crm.putAccount({ accountId: EVENT_RELAY_ACCOUNT_ID, name: 'A'.repeat(300), region: 'EMEA' });
          return eventRelayEvent();
        },
        'IncompleteOpportunity',
        '$.detail.payload.AccountId',
      ],
    ])('holds %s as a rejected item instead of throwing', async (_label, build, reason, path) => {
      // Prepare
      const world = fakeWorld();
      const event = build(world);

      // Act
      const report = await ingestEvent(event, world.deps).catch((error: unknown) => error);

      // Assess
      expect(report).not.toBeInstanceOf(Error);
      expect(isObject(report) && Array.isArray(report.outcomes) ? report.outcomes[0] : report).toMatchObject({
        outcome: 'rejected',
        reason,
      });
      expect(
        world.rejections
          .all()
          .flatMap((item) => item.issues.map((issue) => issue.path))
          .some((issuePath) => issuePath.startsWith(path)),
      ).toBe(true);
    });
  });

  describe('routing', () => {
    it.each<[string, string, string]>([
      ['an unknown source', 'acme.billing', 'Invoice Paid'],
      [
        'a Salesforce change event without an adapter',
        'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU',
        'AccountChangeEvent',
      ],
      [
        'an AppFlow change event without an adapter',
        'aws.partner/appflow/salesforce.com/111122223333/psflow-accounts',
        'AccountChangeEvent',
      ],
      ['a psflow source with an unknown detail-type', 'psflow.hr', 'Employee Hired'],
      ['a psflow.crm detail-type without a contract', 'psflow.crm', 'Opportunity Lost'],
    ])('counts %s as unknown with its source and detail-type', async (_label, source, detailType) => {
      // Prepare
      const world = fakeWorld();
      const event = {
        version: '0',
        id: 'evt-unknown-1',
        source,
        'detail-type': detailType,
        time: '2026-11-19T09:00:00Z',
        detail: { anything: true },
      };

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(onlyOutcome(report).outcome).toBe('unknown');
      expect(onlyOutcome(report).reason).toContain(source === 'acme.billing' ? 'unknown source' : detailType);
      expect(world.ledger.unknown).toEqual([{ source, detailType, eventId: 'evt-unknown-1', at: NOW.toISOString() }]);
      expect(world.rejections.items.size).toBe(0);
      expect(world.ledger.entries.size).toBe(0);
    });

    it.each<[string, string]>([
      ['psflow.workflow', 'Project Activated'],
      ['psflow.workflow', 'Resource Requested'],
      ['psflow.diagnostics', 'Probe Requested'],
      ['psflow.diagnostics', 'Something Else'],
    ])('ignores %s / %s, which psflow emits itself, and counts nothing', async (source, detailType) => {
      // Prepare
      const world = fakeWorld();
      const event = { version: '0', id: 'evt-own-1', source, 'detail-type': detailType, detail: { probeId: 'p-1' } };

      // Act
      const report = await ingestEvent(event, world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'ignored', reason: 'NoWorkflow' });
      expect(world.ledger.unknown).toEqual([]);
      expect(world.ledger.entries.size).toBe(0);
      expect(world.rejections.items.size).toBe(0);
      expect(world.launcher.calls).toEqual([]);
    });
  });

  describe('the canonical Opportunity Won event', () => {
    it('starts activation under the psflow.crm dedupe key', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(canonicalEvent(), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'started',
        dedupeKey: 'psflow.crm:0002-a7c1:12:006Dn000004ABCDIA2',
      });
      expect(world.launcher.started.get('opportunity-salesforce-006Dn000004ABCDIA2')?.input).toMatchObject({
        dedupeKey: '0002-a7c1:12:006Dn000004ABCDIA2',
        opportunity: { amount: { amountMinor: 31_250_000, currency: 'EUR' }, discountPercent: 0 },
      });
      expect(world.executions.entries[0]?.businessKeys).toEqual([
        'opportunity#salesforce#006Dn000004ABCDIA2',
        'client#salesforce#001Dn000001XYZAIA4',
        businessKey('project', projectIdFor({ system: 'salesforce', id: '006Dn000004ABCDIA2' })),
      ]);
      expect(world.crm.opportunityReads).toEqual([]);
      expect(world.crm.accountReads).toEqual([]);
    });

    it('recognises a redelivered canonical event as Duplicate, whatever its event id', async () => {
      // Prepare
      const world = fakeWorld();
      await ingestEvent(canonicalEvent(), world.deps);

      // Act
      const report = await ingestEvent(
        canonicalEvent(canonicalOpportunityWonDetail(), 'b7e1c2d3-0000-4000-8000-000000000002'),
        world.deps,
      );

      // Assess
      expect(onlyOutcome(report)).toMatchObject({
        outcome: 'ignored',
        reason: 'Duplicate',
        dedupeKey: 'psflow.crm:0002-a7c1:12:006Dn000004ABCDIA2',
      });
      expect(world.launcher.calls).toHaveLength(1);
    });

    it('rejects the delivery when the launcher fails, remembering nothing so the retry starts it', async () => {
      // Prepare
      const world = fakeWorld();
      world.launcher.failure = new Error('ServiceUnavailable');

      // Act
      const result = ingestEvent(canonicalEvent(), world.deps);

      // Assess
      await expect(result).rejects.toThrow('ServiceUnavailable');
      expect(world.ledger.entries.size).toBe(0);
      expect(world.rejections.items.size).toBe(0);
      expect(world.executions.entries).toEqual([]);
    });
  });

  describe('Change Requested', () => {
    const changeDetail = (overrides: Record<string, unknown> = {}) => ({
      changeId: 'CHG-42',
      projectId: { system: 'psflow', id: 'prj-1' },
      source: 'psa',
      region: 'EMEA',
      practice: 'data-engineering',
      requestedBy: 'paula.pm',
      reason: 'two more data sources',
      requestedAt: '2026-11-20T10:00:00Z',
      proposed: { endDate: '2027-04-30' },
      ...overrides,
    });
    const changeEvent = (detail: unknown, id: string) => ({
      version: '0',
      id,
      source: 'psflow.psa',
      'detail-type': 'Change Requested',
      time: '2026-11-20T10:15:01Z',
      detail,
    });

    it('starts change control once per change id, under the project, however often the change is put', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      const first = await ingestEvent(changeEvent(changeDetail(), 'evt-c-1'), world.deps);
      const reput = await ingestEvent(changeEvent(changeDetail(), 'evt-c-2'), world.deps);

      // Assess
      expect(onlyOutcome(first)).toMatchObject({ outcome: 'started', dedupeKey: 'psflow.psa:change:CHG-42' });
      expect(onlyOutcome(reput)).toMatchObject({ outcome: 'ignored', reason: 'Duplicate' });
      expect(world.launcher.calls).toEqual(['change-psa-CHG-42']);
      expect(world.launcher.started.get('change-psa-CHG-42')).toMatchObject({
        workflow: 'change-control',
        input: { change: { changeId: 'CHG-42', proposed: { endDate: '2027-04-30' } } },
      });
      expect(world.executions.entries[0]?.businessKeys).toEqual([
        businessKey('project', { system: 'psflow', id: 'prj-1' }),
      ]);
    });

    it('holds a change that proposes nothing, with the path', async () => {
      // Prepare
      const world = fakeWorld();

      // Act
      const report = await ingestEvent(changeEvent(changeDetail({ proposed: {} }), 'evt-c-3'), world.deps);

      // Assess
      expect(onlyOutcome(report)).toMatchObject({ outcome: 'rejected', reason: 'InvalidCanonicalEvent' });
      expect([...world.rejections.items.values()][0]?.issues).toEqual([
        expect.objectContaining({ path: '$.detail.proposed' }),
      ]);
      expect(world.launcher.calls).toEqual([]);
    });
  });
});
