import type { OpportunityProjects } from './salesforce/opportunity-change';
import type { CrmConnector } from '../connectors/crm/crm-connector';
import type { WorkflowName } from '../workflows/workflow-names';
import type { RejectionIssue, RejectionReason } from './ingestion-outcomes';

/**
 * The ports ingestion talks to: the CRM it enriches from, the ledger of processed changes,
 * the store of rejected events, the workflow launcher and the execution index. The
 * implementations live in `shared/repositories/`, `shared/connectors/` and `shared/workflows/`.
 */

/** A processed change, remembered so a redelivery or replay is recognised. */
export interface LedgerEntry {
  readonly dedupeKey: string;
  readonly outcome: RecordOutcome['outcome'];
  readonly reason?: string;
  readonly eventId: string;
  readonly executionArn?: string;
  readonly rejectionId?: string;
}

/** Remembers processed changes and counts events no one consumes. */
export interface IngestionLedger {
  find(dedupeKey: string): Promise<LedgerEntry | undefined>;
  remember(entry: LedgerEntry): Promise<void>;
  countUnknown(source: string, detailType: string, eventId: string, at: string): Promise<void>;
}

/** An event held for an operator: what is wrong, where, and the event itself. */
export interface RejectedEventInput {
  readonly reason: RejectionReason;
  readonly message: string;
  readonly issues: readonly RejectionIssue[];
  readonly source: string;
  readonly detailType: string;
  readonly eventId: string;
  readonly recordId?: string;
  readonly dedupeKey?: string;
  readonly rawEvent: string;
  readonly receivedAt: string;
  /**
   * Identity of the rejection: the reason, the record and the event's content without its
   * id and time, so a redelivery or a re-put of the same bad event is one item.
   */
  readonly fingerprint: string;
}

/** Where rejected events wait for an operator; holding the same rejection twice keeps one item. */
export interface RejectedEventStore {
  /** @returns the rejection's id */
  hold(rejection: RejectedEventInput): Promise<string>;
}

/** Starts workflows by name; a name already used is reported, not thrown. */
export interface WorkflowLauncher {
  start(
    workflow: WorkflowName,
    executionName: string,
    input: unknown,
  ): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** Records executions under the business keys operators search by. */
export interface ExecutionIndex {
  record(entry: ExecutionIndexEntry): Promise<void>;
}

/** One execution, findable by each of its business keys. */
export interface ExecutionIndexEntry {
  readonly workflow: WorkflowName;
  readonly executionName: string;
  readonly executionArn: string;
  readonly businessKeys: readonly string[];
  readonly dedupeKey: string;
  readonly startedAt: string;
}

/** What ingestion needs from the outside world. */
export interface IngestionDependencies {
  readonly crm: CrmConnector;
  readonly ledger: IngestionLedger;
  readonly rejections: RejectedEventStore;
  readonly launcher: WorkflowLauncher;
  readonly executions: ExecutionIndex;
  /** Finds the project of a won opportunity, so an amount change becomes a change request; without it, amount changes start nothing. */
  readonly projects?: OpportunityProjects;
  readonly now: () => Date;
}

/** The outcome for one record of an event. */
export interface RecordOutcome {
  readonly outcome: 'started' | 'already-started' | 'ignored' | 'rejected' | 'unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly recordId?: string;
  readonly dedupeKey?: string;
  readonly executionArn?: string;
  readonly rejectionId?: string;
}

/** What happened to one event. */
export interface IngestionReport {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly outcomes: readonly RecordOutcome[];
}
