import type {
  ChangeType as ChangeTypeName,
  OpportunityChange,
  OpportunityChangeDecision,
} from '../../shared/ingestion/salesforce/opportunity-change';
import {
  ChangeType,
  changeDedupeKey,
  decideOpportunityRecord,
  parseOpportunityChange,
} from '../../shared/ingestion/salesforce/opportunity-change';
import {
  APPFLOW_ACCOUNT_ID,
  APPFLOW_RECORD_ID,
  APPFLOW_TRANSACTION_KEY,
  EVENT_RELAY_ACCOUNT_ID,
  EVENT_RELAY_RECORD_ID,
  EVENT_RELAY_TRANSACTION_KEY,
  FakeCrm,
  appFlowPayload,
  eventRelayCrmFacts,
  eventRelayPayload,
  type JsonObject,
} from '../support/ingestion-fakes';

const RELAY_PATH = '$.detail.payload';
const APPFLOW_PATH = '$.detail';

/** Parses a payload that the test expects to be valid. */
function parsed(payload: unknown, payloadPath = RELAY_PATH): OpportunityChange {
  const change = parseOpportunityChange(payload, payloadPath);
  if ('kind' in change) throw new Error(`expected a valid change, got ${JSON.stringify(change)}`);
  return change;
}

/** A gap event: a header and no values. */
function gapPayload(changeType: ChangeTypeName, recordIds: unknown[] = [EVENT_RELAY_RECORD_ID]): JsonObject {
  return {
    ChangeEventHeader: {
      entityName: 'Opportunity',
      recordIds,
      changeType,
      transactionKey: 'gap-0001',
      sequenceNumber: 3,
      commitTimestamp: 1763474530000,
    },
  };
}

function reasonOf(decision: OpportunityChangeDecision): string {
  return decision.kind === 'activate' || decision.kind === 'change'
    ? decision.kind
    : `${decision.kind}:${decision.reason}`;
}

describe('ChangeType', () => {
  it('lists every changeType Salesforce documents, gap and overflow variants included', () => {
    // Act
    const options = [...ChangeType.options].sort();

    // Assess
    expect(options).toEqual([
      'CREATE',
      'DELETE',
      'GAP_CREATE',
      'GAP_DELETE',
      'GAP_OVERFLOW',
      'GAP_UNDELETE',
      'GAP_UPDATE',
      'UNDELETE',
      'UPDATE',
    ]);
    expect(ChangeType.safeParse('MERGE').success).toBe(false);
  });
});

describe('parseOpportunityChange', () => {
  it('parses the Event Relay sample payload and keeps the fields it does not read', () => {
    // Prepare
    const payload = eventRelayPayload();

    // Act
    const change = parsed(payload);

    // Assess
    expect(change.payloadPath).toBe(RELAY_PATH);
    expect(change.header).toMatchObject({
      entityName: 'Opportunity',
      recordIds: [EVENT_RELAY_RECORD_ID],
      changeType: 'UPDATE',
      transactionKey: EVENT_RELAY_TRANSACTION_KEY,
      sequenceNumber: 1,
    });
    expect(change.fields).toMatchObject({ StageName: 'Closed Won', Amount: 486000, Probability: 100 });
  });

  it('parses the AppFlow sample payload, which carries only the stage fields', () => {
    // Act
    const change = parsed(appFlowPayload(), APPFLOW_PATH);

    // Assess
    expect(change.payloadPath).toBe(APPFLOW_PATH);
    expect(change.header.recordIds).toEqual([APPFLOW_RECORD_ID]);
    expect(change.header.changedFields).toEqual(['StageName', 'IsClosed', 'IsWon', 'LastModifiedDate']);
    expect('Amount' in change.fields).toBe(false);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'OpportunityChangeEvent'],
    ['an array', [{ ChangeEventHeader: {} }]],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects a payload that is %s at the payload path', (_label, payload) => {
    // Act
    const result = parseOpportunityChange(payload, APPFLOW_PATH);

    // Assess
    expect(result).toMatchObject({ kind: 'rejected', reason: 'InvalidChangeEvent', issues: [{ path: APPFLOW_PATH }] });
  });

  it('reports header and field problems together, each with its JSONPath', () => {
    // Prepare
    const payload = eventRelayPayload({
      header: { sequenceNumber: '1', changeType: 'MERGE' },
      fields: { Amount: '486000' },
    });

    // Act
    const result = parseOpportunityChange(payload, RELAY_PATH);

    // Assess
    expect(result).toMatchObject({ kind: 'rejected', reason: 'InvalidChangeEvent' });
    const paths = 'kind' in result ? result.issues.map((issue) => issue.path).sort() : [];
    expect(paths).toEqual([
      `${RELAY_PATH}.Amount`,
      `${RELAY_PATH}.ChangeEventHeader.changeType`,
      `${RELAY_PATH}.ChangeEventHeader.sequenceNumber`,
    ]);
  });

  it('rejects a payload without ChangeEventHeader', () => {
    // Prepare
    const { ChangeEventHeader: _header, ...fields } = eventRelayPayload();

    // Act
    const result = parseOpportunityChange(fields, RELAY_PATH);

    // Assess
    expect(result).toMatchObject({
      kind: 'rejected',
      reason: 'InvalidChangeEvent',
      issues: [{ path: `${RELAY_PATH}.ChangeEventHeader` }],
    });
  });

  it.each<[string, JsonObject, string]>([
    ['an Account change', { entityName: 'Account' }, 'ChangeEventHeader.entityName'],
    ['recordIds that is not an array', { recordIds: EVENT_RELAY_RECORD_ID }, 'ChangeEventHeader.recordIds'],
    ['a record id with bad characters', { recordIds: ['0068d00000B7k!wAAJ'] }, 'ChangeEventHeader.recordIds[0]'],
    [
      'a record id of the wrong length',
      { recordIds: [EVENT_RELAY_RECORD_ID, '0068d00000B7kQ'] },
      'ChangeEventHeader.recordIds[1]',
    ],
    ['a key prefix in an UPDATE', { recordIds: [EVENT_RELAY_RECORD_ID, '006*'] }, 'ChangeEventHeader.recordIds[1]'],
    [
      'a record id in an overflow',
      { changeType: 'GAP_OVERFLOW', recordIds: [EVENT_RELAY_RECORD_ID] },
      'ChangeEventHeader.recordIds[0]',
    ],
    ['no record ids in an UPDATE', { recordIds: [] }, 'ChangeEventHeader.recordIds'],
    ['a negative sequenceNumber', { sequenceNumber: -1 }, 'ChangeEventHeader.sequenceNumber'],
    ['an empty transactionKey', { transactionKey: '' }, 'ChangeEventHeader.transactionKey'],
    [
      'a commitTimestamp in seconds as a string',
      { commitTimestamp: '1763474530' },
      'ChangeEventHeader.commitTimestamp',
    ],
  ])('rejects a header with %s', (_label, header, path) => {
    // Prepare
    const payload = eventRelayPayload({ header });

    // Act
    const result = parseOpportunityChange(payload, RELAY_PATH);

    // Assess
    expect(result).toMatchObject({ kind: 'rejected', reason: 'InvalidChangeEvent' });
    expect('kind' in result ? result.issues.map((issue) => issue.path) : []).toContain(`${RELAY_PATH}.${path}`);
  });

  it.each<[string, unknown[]]>([
    ['a key prefix', ['006*']],
    ['no record ids', []],
  ])('accepts an overflow event naming %s', (_label, recordIds) => {
    // Act
    const change = parsed(gapPayload('GAP_OVERFLOW', recordIds));

    // Assess
    expect(change.header.changeType).toBe('GAP_OVERFLOW');
    expect(change.header.recordIds).toEqual(recordIds);
  });

  it('accepts 15-character record ids', () => {
    // Act
    const change = parsed(eventRelayPayload({ header: { recordIds: ['0068d00000B7kQw'] } }));

    // Assess
    expect(change.header.recordIds).toEqual(['0068d00000B7kQw']);
  });
});

describe('changeDedupeKey', () => {
  it('identifies a change by transactionKey, sequenceNumber and record id', () => {
    // Prepare
    const change = parsed(
      eventRelayPayload({ header: { recordIds: [EVENT_RELAY_RECORD_ID, '0068d00000B7kQxAAJ'], sequenceNumber: 7 } }),
    );

    // Act
    const keys = change.header.recordIds.map((recordId) => changeDedupeKey(change, recordId));

    // Assess
    expect(keys).toEqual([
      `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:7:${EVENT_RELAY_RECORD_ID}`,
      `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:7:0068d00000B7kQxAAJ`,
    ]);
  });
});

describe('decideOpportunityRecord', () => {
  it('activates the Event Relay sample with its canonical opportunity, reading only the account from the CRM', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(eventRelayPayload());

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toEqual({
      kind: 'activate',
      recordId: EVENT_RELAY_RECORD_ID,
      dedupeKey: `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${EVENT_RELAY_RECORD_ID}`,
      detail: {
        opportunity: {
          opportunityId: { system: 'salesforce', id: EVENT_RELAY_RECORD_ID },
          client: {
            clientId: { system: 'salesforce', id: EVENT_RELAY_ACCOUNT_ID },
            name: 'Northwind Logistics GmbH',
            region: 'EMEA',
            isNew: true,
          },
          name: 'Northwind Logistics - ERP Modernisation Phase 1',
          stage: 'Closed Won',
          amount: { amountMinor: 48_600_000, currency: 'EUR' },
          billingModel: 'time-and-materials',
          region: 'EMEA',
          practice: 'erp-advisory',
          discountPercent: 0,
          closeDate: '2026-11-18',
          startDate: '2027-01-11',
          endDate: '2027-06-30',
        },
        wonAt: '2025-11-18T14:02:10.000Z',
        dedupeKey: `salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${EVENT_RELAY_RECORD_ID}`,
      },
    });
    expect(crm.opportunityReads).toEqual([EVENT_RELAY_RECORD_ID]);
    expect(crm.accountReads).toEqual([EVENT_RELAY_ACCOUNT_ID]);
  });

  it('rejects a complete won change for an opportunity the CRM does not have as CrmRecordNotFound', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    crm.opportunities.delete(EVENT_RELAY_RECORD_ID);
    const change = parsed(eventRelayPayload());

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'rejected',
      reason: 'CrmRecordNotFound',
      recordId: EVENT_RELAY_RECORD_ID,
      issues: [{ message: `opportunity ${EVENT_RELAY_RECORD_ID} is unknown to the CRM` }],
    });
  });

  it('activates an opportunity won at creation', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(eventRelayPayload({ header: { changeType: 'CREATE', changedFields: undefined } }));

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision.kind).toBe('activate');
  });

  it.each<[ChangeTypeName]>([['CREATE'], ['UNDELETE']])(
    'activates a won %s that carries the empty changedFields Salesforce sends for anything but an update',
    async (changeType) => {
      // Prepare
      const crm = FakeCrm.withSamples();
      const change = parsed(eventRelayPayload({ header: { changeType, changedFields: [] } }));

      // Act
      const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

      // Assess
      expect(reasonOf(decision)).toBe('activate');
    },
  );

  it('activates an undeleted opportunity that is won', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(eventRelayPayload({ header: { changeType: 'UNDELETE', changedFields: undefined } }));

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'activate',
      detail: { opportunity: { opportunityId: { id: EVENT_RELAY_RECORD_ID } } },
    });
  });

  it('activates an update whose changedFields names only IsWon', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(eventRelayPayload({ header: { changedFields: ['IsWon', 'LastModifiedDate'] } }));

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision.kind).toBe('activate');
  });

  it('ignores an update without StageName as StageUnchanged, without reading the CRM', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(
      eventRelayPayload({
        fields: { StageName: undefined, IsWon: undefined, IsClosed: undefined, Amount: 500000 },
        header: { changedFields: undefined },
      }),
    );

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({ kind: 'ignored', reason: 'StageUnchanged', recordId: EVENT_RELAY_RECORD_ID });
    expect(crm.opportunityReads).toEqual([]);
    expect(crm.accountReads).toEqual([]);
  });

  it('takes changedFields as authoritative: an enriched StageName that did not change is StageUnchanged', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(
      eventRelayPayload({ header: { changedFields: ['Amount', 'LastModifiedDate'] }, fields: { Amount: 500000 } }),
    );

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({ kind: 'ignored', reason: 'StageUnchanged' });
  });

  it.each<[ChangeTypeName]>([['DELETE'], ['GAP_DELETE']])(
    'ignores a %s as Deleted without reading the CRM',
    async (changeType) => {
      // Prepare
      const crm = FakeCrm.withSamples();
      const change = parsed(
        changeType === 'DELETE' ? eventRelayPayload({ header: { changeType } }) : gapPayload(changeType),
      );

      // Act
      const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

      // Assess
      expect(decision).toMatchObject({ kind: 'ignored', reason: 'Deleted', recordId: EVENT_RELAY_RECORD_ID });
      expect(crm.opportunityReads).toEqual([]);
    },
  );

  it('ignores an opportunity closed as lost', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(eventRelayPayload({ fields: { StageName: 'Closed Lost', IsWon: false, IsClosed: true } }));

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({ kind: 'ignored', reason: 'Lost' });
    expect(decision.kind === 'ignored' ? decision.message : '').toContain('"Closed Lost"');
    expect(crm.accountReads).toEqual([]);
  });

  it('ignores a move into a stage that is not won as NotWon', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(
      appFlowPayload({ fields: { StageName: 'Negotiation', IsWon: false, IsClosed: false } }),
      APPFLOW_PATH,
    );

    // Act
    const decision = await decideOpportunityRecord(change, APPFLOW_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'ignored',
      reason: 'NotWon',
      dedupeKey: `salesforce:${APPFLOW_TRANSACTION_KEY}:1:${APPFLOW_RECORD_ID}`,
    });
    expect(decision.kind === 'ignored' ? decision.message : '').toContain('"Negotiation"');
  });

  it('reads IsWon from the CRM when a stage change does not carry it', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(
      eventRelayPayload({
        fields: { IsWon: undefined, IsClosed: undefined },
        header: { changedFields: ['StageName'] },
      }),
    );

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision.kind).toBe('activate');
    expect(crm.opportunityReads).toEqual([EVENT_RELAY_RECORD_ID]);
  });

  it('rejects a stage change without IsWon for a record the CRM does not know', async () => {
    // Prepare
    const crm = new FakeCrm();
    const change = parsed(
      eventRelayPayload({ fields: { IsWon: undefined }, header: { changedFields: ['StageName'] } }),
    );

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'rejected',
      reason: 'CrmRecordNotFound',
      issues: [{ path: `${RELAY_PATH}.ChangeEventHeader.recordIds` }],
    });
  });

  describe.each<[ChangeTypeName]>([['GAP_CREATE'], ['GAP_UPDATE'], ['GAP_UNDELETE']])(
    'for a %s event',
    (changeType) => {
      it('activates from the CRM when the CRM says the opportunity is won', async () => {
        // Prepare
        const crm = FakeCrm.withSamples();
        const change = parsed(gapPayload(changeType));

        // Act
        const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

        // Assess
        expect(decision).toMatchObject({
          kind: 'activate',
          dedupeKey: `salesforce:gap-0001:3:${EVENT_RELAY_RECORD_ID}`,
          detail: { opportunity: { practice: 'erp-advisory', amount: { amountMinor: 48_600_000, currency: 'EUR' } } },
        });
        expect(crm.opportunityReads).toEqual([EVENT_RELAY_RECORD_ID]);
      });

      it('ignores as NotWon what the CRM says is not won', async () => {
        // Prepare
        const crm = FakeCrm.withSamples();
        const change = parsed(gapPayload(changeType, [APPFLOW_RECORD_ID]));

        // Act
        const decision = await decideOpportunityRecord(change, APPFLOW_RECORD_ID, crm);

        // Assess
        expect(decision).toMatchObject({ kind: 'ignored', reason: 'NotWon' });
      });

      it('rejects a record the CRM does not know as CrmRecordNotFound', async () => {
        // Prepare
        const crm = new FakeCrm();
        const change = parsed(gapPayload(changeType));

        // Act
        const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, crm);

        // Assess
        expect(decision).toMatchObject({
          kind: 'rejected',
          reason: 'CrmRecordNotFound',
          recordId: EVENT_RELAY_RECORD_ID,
        });
      });
    },
  );

  it('ignores any values a gap event carries and trusts the CRM', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const payload = { ...gapPayload('GAP_UPDATE', [APPFLOW_RECORD_ID]), StageName: 'Closed Won', IsWon: true };
    const change = parsed(payload);

    // Act
    const decision = await decideOpportunityRecord(change, APPFLOW_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({ kind: 'ignored', reason: 'NotWon' });
  });

  it.each<[string, unknown[]]>([
    ['a key prefix', ['006*']],
    ['no record ids', []],
  ])('rejects an overflow naming %s as ReconciliationRequired', async (_label, recordIds) => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(gapPayload('GAP_OVERFLOW', recordIds));

    // Act
    const decision = await decideOpportunityRecord(change, '006*', crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'rejected',
      reason: 'ReconciliationRequired',
      issues: [{ path: `${RELAY_PATH}.ChangeEventHeader.changeType` }],
    });
    expect(decision.kind === 'rejected' ? decision.message : '').toContain('gap-0001');
    expect(crm.opportunityReads).toEqual([]);
  });

  it('completes the AppFlow sample from the CRM: event stage, CRM amount, practice, billing model and account', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const change = parsed(appFlowPayload(), APPFLOW_PATH);

    // Act
    const decision = await decideOpportunityRecord(change, APPFLOW_RECORD_ID, crm);

    // Assess
    expect(decision).toMatchObject({
      kind: 'activate',
      detail: {
        opportunity: {
          stage: 'Closed Won',
          amount: { amountMinor: 12_500_050, currency: 'EUR' },
          practice: 'erp-advisory',
          billingModel: 'fixed-fee',
          region: 'EMEA',
          client: {
            clientId: { system: 'salesforce', id: APPFLOW_ACCOUNT_ID },
            name: 'Contoso Pharma',
            region: 'AMER',
            isNew: false,
          },
        },
        wonAt: '2025-11-19T09:15:41.000Z',
      },
    });
    expect(crm.opportunityReads).toEqual([APPFLOW_RECORD_ID]);
  });

  it('gives each record of a multi-record change its own dedupe key and opportunity id', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    const second = '0068d00000B7kQxAAJ';
    crm.putOpportunity({ ...eventRelayCrmFacts(), opportunityId: second });
    const change = parsed(eventRelayPayload({ header: { recordIds: [EVENT_RELAY_RECORD_ID, second] } }));

    // Act
    const decisions = await Promise.all(
      change.header.recordIds.map((recordId) => decideOpportunityRecord(change, recordId, crm)),
    );

    // Assess
    expect(
      decisions.map((decision) =>
        decision.kind === 'activate' ? [decision.dedupeKey, decision.detail.opportunity.opportunityId.id] : [],
      ),
    ).toEqual([
      [`salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${EVENT_RELAY_RECORD_ID}`, EVENT_RELAY_RECORD_ID],
      [`salesforce:${EVENT_RELAY_TRANSACTION_KEY}:1:${second}`, second],
    ]);
  });
});

describe('amount changes on won opportunities', () => {
  const PROJECT = { system: 'psflow' as const, id: 'prj-northwind' };
  const projects = (known: boolean) => ({
    asked: [] as string[],
    async projectOf(opportunityId: { system: string; id: string }) {
      this.asked.push(opportunityId.id);
      return known ? PROJECT : undefined;
    },
  });
  const amountOnly = () =>
    parsed(
      eventRelayPayload({
        fields: { StageName: undefined, IsWon: undefined, IsClosed: undefined, Amount: 520000.5 },
        header: { changedFields: ['Amount'] },
      }),
    );

  it('routes an amount change of a won opportunity whose project exists to Change Requested, once per CDC change', async () => {
    // Prepare
    const lookup = projects(true);
    const change = amountOnly();

    // Act
    const decision = await decideOpportunityRecord(change, EVENT_RELAY_RECORD_ID, FakeCrm.withSamples(), lookup);

    // Assess
    expect(decision).toMatchObject({
      kind: 'change',
      dedupeKey: changeDedupeKey(change, EVENT_RELAY_RECORD_ID),
      detail: {
        changeId: `crm-${changeDedupeKey(change, EVENT_RELAY_RECORD_ID).replace(/[^A-Za-z0-9_.:-]/g, '_')}`,
        projectId: PROJECT,
        source: 'crm',
        opportunityId: { system: 'salesforce', id: EVENT_RELAY_RECORD_ID },
        region: 'EMEA',
        practice: 'erp-advisory',
        proposed: { budget: { amountMinor: 52_000_050, currency: 'EUR' } },
      },
    });
    expect(lookup.asked).toEqual([EVENT_RELAY_RECORD_ID]);
  });

  it('ignores an amount change of a won opportunity that has no project yet, saying so', async () => {
    // Act
    const decision = await decideOpportunityRecord(
      amountOnly(),
      EVENT_RELAY_RECORD_ID,
      FakeCrm.withSamples(),
      projects(false),
    );

    // Assess
    expect(decision).toMatchObject({
      kind: 'ignored',
      reason: 'StageUnchanged',
      message: expect.stringContaining('no project exists for it yet'),
    });
  });

  it('ignores an amount change of an opportunity that is not won, without looking for a project', async () => {
    // Prepare
    const crm = FakeCrm.withSamples();
    crm.putOpportunity({ ...eventRelayCrmFacts(), isWon: false, isClosed: false, stage: 'Negotiation' });
    const lookup = projects(true);

    // Act
    const decision = await decideOpportunityRecord(amountOnly(), EVENT_RELAY_RECORD_ID, crm, lookup);

    // Assess
    expect(reasonOf(decision)).toBe('ignored:StageUnchanged');
    expect(lookup.asked).toEqual([]);
  });
});
