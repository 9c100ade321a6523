import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CrmAccountFacts,
  CrmConnector,
  CrmOpportunityFacts,
  CrmStatementOfWork,
} from '../../shared/connectors/crm/crm-connector';
import type {
  ExecutionIndex,
  ExecutionIndexEntry,
  IngestionDependencies,
  IngestionLedger,
  LedgerEntry,
  RejectedEventInput,
  RejectedEventStore,
  WorkflowLauncher,
} from '../../shared/ingestion/ingestion-ports';
import type { WorkflowName } from '../../shared/workflows/workflow-names';

/**
 * In-memory fakes of the ingestion ports, and builders of Salesforce change events based on
 * the sample events in the repository's `samples/` folder.
 */

const samplesDirectory = path.resolve(__dirname, '..', '..', 'samples');

/** A JSON object whose fields the tests read and patch. */
export type JsonObject = Record<string, unknown>;

/** The record, account and change identities of the two handbook samples. */
export const EVENT_RELAY_RECORD_ID = '0068d00000B7kQwAAJ';
export const EVENT_RELAY_ACCOUNT_ID = '0018d00000XyZ12AAB';
export const EVENT_RELAY_TRANSACTION_KEY = '00052a1c-8b7e-4c3d-a1f2-7c9e0d6b5a43';
export const APPFLOW_RECORD_ID = '0068d00000C1mNoAAJ';
export const APPFLOW_ACCOUNT_ID = '0018d00000AbC34AAB';
export const APPFLOW_TRANSACTION_KEY = '0003f9aa-41b2-77c1-0de4-5b6a7c8d9e0f';

/** The clock every ingestion test runs on. */
export const NOW = new Date('2026-11-19T10:00:00.000Z');

function readSample(file: string): JsonObject {
  const parsed: unknown = JSON.parse(fs.readFileSync(path.join(samplesDirectory, file), 'utf8'));
  if (!isObject(parsed)) throw new Error(`${file} is not a JSON object`);
  return parsed;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: unknown, label: string): JsonObject {
  if (!isObject(value)) throw new Error(`${label} is not an object`);
  return value;
}

/** A deep copy through JSON, which also drops keys patched to `undefined`. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The Event Relay sample, as delivered: the CDC payload is `detail.payload`. */
export function eventRelaySample(): JsonObject {
  return readSample('salesforce-event-relay-opportunity-won.json');
}

/** The AppFlow sample, as delivered: the CDC payload is `detail` itself. */
export function appFlowSample(): JsonObject {
  return readSample('salesforce-appflow-opportunity-won.json');
}

/** What to change in a sample: payload fields, header fields and envelope fields; `undefined` removes a key. */
export interface SamplePatch {
  readonly fields?: JsonObject;
  readonly header?: JsonObject;
  readonly envelope?: JsonObject;
}

/** The CDC payload of the Event Relay sample, patched. */
export function eventRelayPayload(patch: SamplePatch = {}): JsonObject {
  const sample = eventRelaySample();
  const payload = objectAt(objectAt(sample.detail, 'detail').payload, 'detail.payload');
  return patchPayload(payload, patch);
}

/** The CDC payload of the AppFlow sample, patched. */
export function appFlowPayload(patch: SamplePatch = {}): JsonObject {
  return patchPayload(objectAt(appFlowSample().detail, 'detail'), patch);
}

function patchPayload(payload: JsonObject, patch: SamplePatch): JsonObject {
  const header = objectAt(payload.ChangeEventHeader, 'ChangeEventHeader');
  return jsonCopy({ ...payload, ...patch.fields, ChangeEventHeader: { ...header, ...patch.header } });
}

/** The Event Relay sample with a patched payload and envelope. */
export function eventRelayEvent(patch: SamplePatch = {}): JsonObject {
  const sample = eventRelaySample();
  const detail = objectAt(sample.detail, 'detail');
  return jsonCopy({ ...sample, detail: { ...detail, payload: eventRelayPayload(patch) }, ...patch.envelope });
}

/** The AppFlow sample with a patched payload and envelope. */
export function appFlowEvent(patch: SamplePatch = {}): JsonObject {
  return jsonCopy({ ...appFlowSample(), detail: appFlowPayload(patch), ...patch.envelope });
}

/** A valid `psflow.crm` / `Opportunity Won` detail (the example of the event-contracts test). */
export function canonicalOpportunityWonDetail(): JsonObject {
  return {
    opportunity: {
      opportunityId: { system: 'salesforce', id: '006Dn000004ABCDIA2' },
      client: {
        clientId: { system: 'salesforce', id: '001Dn000001XYZAIA4' },
        name: 'Müller & Söhne GmbH',
        region: 'EMEA',
      },
      name: 'Data platform modernisation',
      stage: 'Closed Won',
      amount: { amountMinor: 31_250_000, currency: 'EUR' },
      billingModel: 'fixed-fee',
      region: 'EMEA',
      practice: 'data-engineering',
      closeDate: '2026-11-20',
    },
    wonAt: '2026-11-20T10:15:00Z',
    dedupeKey: '0002-a7c1:12:006Dn000004ABCDIA2',
  };
}

/** A `psflow.crm` / `Opportunity Won` envelope around `detail`. */
export function canonicalEvent(
  detail: unknown = canonicalOpportunityWonDetail(),
  id = 'b7e1c2d3-0000-4000-8000-000000000001',
): JsonObject {
  return {
    version: '0',
    id,
    source: 'psflow.crm',
    'detail-type': 'Opportunity Won',
    time: '2026-11-20T10:15:01Z',
    account: '111122223333',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/** The CRM's view of the Event Relay sample's opportunity (the event carries all of it). */
export function eventRelayCrmFacts(): CrmOpportunityFacts {
  return {
    opportunityId: EVENT_RELAY_RECORD_ID,
    accountId: EVENT_RELAY_ACCOUNT_ID,
    name: 'Northwind Logistics - ERP Modernisation Phase 1',
    stage: 'Closed Won',
    isWon: true,
    isClosed: true,
    amount: 486000,
    currency: 'EUR',
    closeDate: '2026-11-18',
    region: 'EMEA',
    practice: 'ERP Advisory',
    billingModel: 'Time and Materials',
    startDate: '2027-01-11',
    endDate: '2027-06-30',
    dealType: 'New Business',
  };
}

/** The CRM's view of the AppFlow sample's opportunity: the event carries only the stage fields. */
export function appFlowCrmFacts(): CrmOpportunityFacts {
  return {
    opportunityId: APPFLOW_RECORD_ID,
    accountId: APPFLOW_ACCOUNT_ID,
    name: 'Contoso Pharma - SAP Carve-out',
    // Stale: the CRM was read before the stage change reached it; the event's stage wins.
    stage: 'Negotiation',
    isWon: false,
    isClosed: false,
    amount: 125000.5,
    currency: 'EUR',
    closeDate: '2026-11-19',
    region: 'emea',
    practice: 'ERP Advisory',
    billingModel: 'Fixed Fee',
    startDate: '2027-01-04',
    endDate: '2027-03-31',
    discountPercent: 5,
    dealType: 'Existing Business',
    ownerEmail: 'dana.reyes@example.com',
  };
}

/** A CRM backed by maps, counting every read. */
export class FakeCrm implements CrmConnector {
  readonly system = 'salesforce' as const;
  readonly opportunities = new Map<string, CrmOpportunityFacts>();
  readonly accounts = new Map<string, CrmAccountFacts>();
  readonly statementsOfWork = new Map<string, CrmStatementOfWork>();
  readonly opportunityReads: string[] = [];
  readonly accountReads: string[] = [];

  /** A CRM that knows both samples' opportunities and accounts. */
  static withSamples(): FakeCrm {
    const crm = new FakeCrm();
    crm.putOpportunity(eventRelayCrmFacts());
    crm.putOpportunity(appFlowCrmFacts());
    crm.putAccount({
      accountId: EVENT_RELAY_ACCOUNT_ID,
      name: 'Northwind Logistics GmbH',
      region: 'EMEA',
      isNewClient: false,
    });
    crm.putAccount({ accountId: APPFLOW_ACCOUNT_ID, name: '  Contoso Pharma  ', region: 'amer', isNewClient: true });
    return crm;
  }

  putOpportunity(facts: CrmOpportunityFacts): void {
    this.opportunities.set(facts.opportunityId, facts);
  }

  putAccount(facts: CrmAccountFacts): void {
    this.accounts.set(facts.accountId, facts);
  }

  async getStatementOfWork(opportunityId: string): Promise<CrmStatementOfWork | undefined> {
    return this.statementsOfWork.get(opportunityId);
  }

  async getOpportunity(opportunityId: string): Promise<CrmOpportunityFacts | undefined> {
    this.opportunityReads.push(opportunityId);
    const facts = this.opportunities.get(opportunityId);
    return facts === undefined ? undefined : jsonCopy(facts);
  }

  async getAccount(accountId: string): Promise<CrmAccountFacts | undefined> {
    this.accountReads.push(accountId);
    const facts = this.accounts.get(accountId);
    return facts === undefined ? undefined : jsonCopy(facts);
  }
}

/** One call of {@link IngestionLedger.countUnknown}. */
export interface UnknownCount {
  readonly source: string;
  readonly detailType: string;
  readonly eventId: string;
  readonly at: string;
}

/** A ledger backed by a map keyed by dedupe key. */
export class FakeLedger implements IngestionLedger {
  readonly entries = new Map<string, LedgerEntry>();
  readonly unknown: UnknownCount[] = [];

  async find(dedupeKey: string): Promise<LedgerEntry | undefined> {
    return this.entries.get(dedupeKey);
  }

  async remember(entry: LedgerEntry): Promise<void> {
    this.entries.set(entry.dedupeKey, entry);
  }

  async countUnknown(source: string, detailType: string, eventId: string, at: string): Promise<void> {
    this.unknown.push({ source, detailType, eventId, at });
  }
}

/** A held rejection with its id. */
export interface HeldRejection extends RejectedEventInput {
  readonly rejectionId: string;
}

/** A rejected-event store backed by a map keyed by fingerprint: holding the same rejection twice keeps one item. */
export class FakeRejectedStore implements RejectedEventStore {
  readonly items = new Map<string, HeldRejection>();
  holds = 0;

  async hold(rejection: RejectedEventInput): Promise<string> {
    this.holds += 1;
    const existing = this.items.get(rejection.fingerprint);
    if (existing) return existing.rejectionId;
    const rejectionId = `rejection-${this.items.size + 1}`;
    this.items.set(rejection.fingerprint, { ...rejection, rejectionId });
    return rejectionId;
  }

  all(): HeldRejection[] {
    return [...this.items.values()];
  }
}

/** One execution the fake launcher started. */
export interface StartedExecution {
  readonly workflow: WorkflowName;
  readonly executionName: string;
  readonly input: unknown;
}

/** A launcher that remembers the names it started and reports reuse as `alreadyStarted`. */
export class FakeLauncher implements WorkflowLauncher {
  readonly started = new Map<string, StartedExecution>();
  readonly calls: string[] = [];
  /** When set, every start throws it (an infrastructure failure). */
  failure: Error | undefined;

  async start(
    workflow: WorkflowName,
    executionName: string,
    input: unknown,
  ): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    this.calls.push(executionName);
    if (this.failure) throw this.failure;
    const executionArn = `arn:aws:states:eu-west-1:111122223333:execution:psflow-${workflow}:${executionName}`;
    if (this.started.has(executionName)) return { executionArn, alreadyStarted: true };
    this.started.set(executionName, { workflow, executionName, input: jsonCopy(input) });
    return { executionArn, alreadyStarted: false };
  }
}

/** An execution index that records every entry. */
export class FakeExecutionIndex implements ExecutionIndex {
  readonly entries: ExecutionIndexEntry[] = [];

  async record(entry: ExecutionIndexEntry): Promise<void> {
    this.entries.push(entry);
  }
}

/** Fresh fakes, wired as ingestion dependencies. */
export interface FakeWorld {
  readonly crm: FakeCrm;
  readonly ledger: FakeLedger;
  readonly rejections: FakeRejectedStore;
  readonly launcher: FakeLauncher;
  readonly executions: FakeExecutionIndex;
  readonly deps: IngestionDependencies;
}

/** A world whose CRM knows both samples. */
export function fakeWorld(crm: FakeCrm = FakeCrm.withSamples()): FakeWorld {
  const ledger = new FakeLedger();
  const rejections = new FakeRejectedStore();
  const launcher = new FakeLauncher();
  const executions = new FakeExecutionIndex();
  return {
    crm,
    ledger,
    rejections,
    launcher,
    executions,
    deps: { crm, ledger, rejections, launcher, executions, now: () => NOW },
  };
}
