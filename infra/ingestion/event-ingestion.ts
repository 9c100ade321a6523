import { Duration } from 'aws-cdk-lib';
import { type Archive, EventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PSFLOW_EMITTED_SOURCES, SalesforceSourcePrefix } from '../../shared/events/catalogue';
import { LEDGER_KIND_INDEX } from '../../shared/repositories/ingestion-ledger-table';
import { REJECTED_STATUS_INDEX } from '../../shared/repositories/rejected-events-table';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { EnvVar, type EnvVarName } from '../../shared/runtime/environment';

/** Props of {@link EventIngestion}. */
export interface EventIngestionProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly crmTable: ServiceTable;
  readonly projectActivation: IStateMachine;
  /**
   * Salesforce (through Event Relay or AppFlow) delivers to a partner event bus named after
   * its partner event source, not to the psflow bus; each one named here gets a rule feeding
   * the same ingestion function and an archive for replay.
   */
  readonly partnerEventBusNames?: readonly string[];
}

/** How Salesforce reaches a partner event bus; decides which sources its rule takes. */
export type SalesforceChannel = 'event-relay' | 'appflow';

/** A configured partner event bus and what its name says it carries. */
export interface SalesforcePartnerBus {
  readonly busName: string;
  readonly channel: SalesforceChannel;
  /** The `source` prefix of the events the bus receives. */
  readonly sourcePrefix: string;
}

/** Archives keep what ingestion received for a year, like the stage bus's archive. */
const PARTNER_ARCHIVE_RETENTION = Duration.days(365);

/**
 * Reads the channel from a partner bus's name, which is its partner event source's name:
 * `aws.partner/salesforce.com/<orgId>/<channelId>` (Event Relay) or
 * `aws.partner/appflow/salesforce.com/<account>/<flow>` (AppFlow). Any other name is refused,
 * because a rule on it would match nothing ingestion understands.
 */
export function classifyPartnerEventBus(busName: string): SalesforcePartnerBus {
  if (busName.startsWith(SalesforceSourcePrefix.AppFlow))
    return { busName, channel: 'appflow', sourcePrefix: SalesforceSourcePrefix.AppFlow };
  if (busName.startsWith(SalesforceSourcePrefix.EventRelay))
    return { busName, channel: 'event-relay', sourcePrefix: SalesforceSourcePrefix.EventRelay };
  throw new Error(
    `partnerEventBuses: "${busName}" is not a Salesforce partner event bus; name it after its partner event source, ` +
      `${SalesforceSourcePrefix.EventRelay}<orgId>/<channelId> (Event Relay) or ${SalesforceSourcePrefix.AppFlow}<account>/<flow> (AppFlow)`,
  );
}

/**
 * The ingestion path: one rule takes every event psflow did not emit itself, and one
 * function validates, normalises, deduplicates and starts the matching workflow, holding
 * what it cannot accept in the rejected-events table and counting what it does not know.
 */
export class EventIngestion extends Construct {
  public readonly ledgerTable: ServiceTable;
  public readonly rejectedEventsTable: ServiceTable;
  public readonly workflowExecutionsTable: ServiceTable;
  public readonly ingestFunction: ServiceFunction;
  public readonly rule: Rule;
  /** One rule per configured partner bus, in the order configured. */
  public readonly partnerRules: readonly Rule[];
  /**
   * One archive per configured partner bus. Partner events never reach the stage bus, so its
   * archive does not hold them; these are what a Salesforce event is replayed from.
   */
  public readonly partnerArchives: readonly Archive[];

  constructor(scope: Construct, id: string, props: EventIngestionProps) {
    super(scope, id);
    this.ledgerTable = new ServiceTable(this, 'LedgerTable', {
      stage: props.stage,
      name: 'ingestion-ledger',
      partitionKey: 'ledgerKey',
      globalSecondaryIndexes: [{ indexName: LEDGER_KIND_INDEX, partitionKey: 'kind', sortKey: 'ledgerKey' }],
    });
    this.rejectedEventsTable = new ServiceTable(this, 'RejectedEventsTable', {
      stage: props.stage,
      name: 'rejected-events',
      partitionKey: 'rejectionId',
      globalSecondaryIndexes: [{ indexName: REJECTED_STATUS_INDEX, partitionKey: 'status', sortKey: 'receivedAt' }],
    });
    this.workflowExecutionsTable = new ServiceTable(this, 'WorkflowExecutionsTable', {
      stage: props.stage,
      name: 'workflow-executions',
      partitionKey: 'businessKey',
      sortKey: 'workflowExecution',
    });

    this.ingestFunction = new ServiceFunction(this, 'IngestEventFunction', {
      stage: props.stage,
      name: 'ingest-event',
      serviceName: 'ingestion',
      entry: 'functions/ingestion/ingest-event.ts',
      description: 'Validates, normalises and deduplicates incoming events and starts their workflows',
      timeout: Duration.seconds(30),
    })
      .bindTable(props.crmTable, EnvVar.SandboxCrmTable, 'read')
      .bindTable(this.ledgerTable, EnvVar.IngestionLedgerTable, 'readWrite')
      .bindTable(this.rejectedEventsTable, EnvVar.RejectedEventsTable, 'readWrite')
      .bindTable(this.workflowExecutionsTable, EnvVar.WorkflowExecutionsTable, 'readWrite');
    this.ingestFunction.addEnvironment(
      EnvVar.ProjectActivationStateMachineArn,
      props.projectActivation.stateMachineArn,
    );
    props.projectActivation.grantStartExecution(this.ingestFunction);
    // Infrastructure failures (not bad events: those are held) end in the bus's dead-letter queue.
    this.ingestFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.eventBus.deadLetterQueue),
    });

    const target = (): LambdaFunction =>
      new LambdaFunction(this.ingestFunction, {
        deadLetterQueue: props.eventBus.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      });
    this.rule = new Rule(this, 'IngestRule', {
      ruleName: `psflow-${props.stage}-ingest-events`,
      description: 'Every event psflow did not emit itself goes through ingestion',
      eventBus: props.eventBus.bus,
      eventPattern: { source: Match.anythingBut(...PSFLOW_EMITTED_SOURCES) },
      targets: [target()],
    });
    const partners = (props.partnerEventBusNames ?? []).map((busName, index) => {
      const partner = classifyPartnerEventBus(busName);
      const bus = EventBus.fromEventBusName(this, `PartnerBus${index}`, busName);
      // The rule and the archive take the same events, so what ingestion saw is what replays.
      const eventPattern = { source: Match.prefix(partner.sourcePrefix) };
      const rule = new Rule(this, `PartnerIngestRule${index}`, {
        ruleName: `psflow-${props.stage}-ingest-partner-${index}`,
        description: `Salesforce change events (${partner.channel}) from the partner bus ${busName}`,
        eventBus: bus,
        eventPattern,
        targets: [target()],
      });
      const archive = bus.archive(`PartnerArchive${index}`, {
        archiveName: `psflow-${props.stage}-partner-${index}`,
        description: `What ingestion receives from the partner bus ${busName}, for replay`,
        eventPattern,
        retention: PARTNER_ARCHIVE_RETENTION,
      });
      return { rule, archive };
    });
    this.partnerRules = partners.map(({ rule }) => rule);
    this.partnerArchives = partners.map(({ archive }) => archive);
  }

  /** Lets ingestion start another workflow (one built after it), whose ARN it finds in `envVar`. */
  startsWorkflow(envVar: EnvVarName, stateMachine: IStateMachine): void {
    this.ingestFunction.addEnvironment(envVar, stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(this.ingestFunction);
  }
}
