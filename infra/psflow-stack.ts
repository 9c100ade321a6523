import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DiagnosticsProbe } from './diagnostics/diagnostics-probe';
import { HumanTasks } from './human-tasks/human-tasks';
import { EventIngestion } from './ingestion/event-ingestion';
import { OperationsDrill } from './operations-drill/operations-drill';
import { PsflowEventBus } from './platform/event-bus';
import { EventSchemas } from './platform/event-schemas';
import { ProjectActivation } from './project-activation/project-activation';
import { SandboxSystems } from './sandbox/sandbox-systems';

/** Props of {@link PsflowStack}. */
export interface PsflowStackProps extends StackProps {
  /** Stage name (dev, test, prod, a developer's name); every resource name carries it. */
  readonly stage: string;
  /** Salesforce Event Relay partner buses to ingest from (context `partnerEventBuses`, comma-separated). */
  readonly partnerEventBusNames?: readonly string[];
  /** The approval decision table to check at synth (tests pass broken ones); defaults to the published one. */
  readonly approvalPolicy?: unknown;
}

/** One stage of psflow: the platform (bus, tables) plus one construct per workflow domain. */
export class PsflowStack extends Stack {
  public readonly eventBus: PsflowEventBus;
  public readonly diagnostics: DiagnosticsProbe;
  public readonly eventSchemas: EventSchemas;
  public readonly sandbox: SandboxSystems;
  public readonly projectActivation: ProjectActivation;
  public readonly ingestion: EventIngestion;
  public readonly humanTasks: HumanTasks;
  public readonly operationsDrill: OperationsDrill;

  constructor(scope: Construct, id: string, props: PsflowStackProps) {
    super(scope, id, props);
    Tags.of(this).add('psflow:stage', props.stage);
    this.eventBus = new PsflowEventBus(this, 'EventBus', { stage: props.stage });
    this.eventSchemas = new EventSchemas(this, 'EventSchemas', { stage: props.stage });
    this.diagnostics = new DiagnosticsProbe(this, 'Diagnostics', { stage: props.stage, eventBus: this.eventBus });
    this.sandbox = new SandboxSystems(this, 'Sandbox', { stage: props.stage });
    this.humanTasks = new HumanTasks(this, 'HumanTasks', { stage: props.stage, eventBus: this.eventBus, approvalPolicy: props.approvalPolicy });
    this.operationsDrill = new OperationsDrill(this, 'OperationsDrill', { stage: props.stage, humanTasks: this.humanTasks });
    this.projectActivation = new ProjectActivation(this, 'ProjectActivation', { stage: props.stage, eventBus: this.eventBus, humanTasks: this.humanTasks, sandbox: this.sandbox });
    this.ingestion = new EventIngestion(this, 'Ingestion', {
      stage: props.stage,
      eventBus: this.eventBus,
      crmTable: this.sandbox.crmTable,
      projectActivation: this.projectActivation.stateMachine,
      partnerEventBusNames: props.partnerEventBusNames,
    });
    this.humanTasks.serveRejectedEvents(this.ingestion.rejectedEventsTable);
  }
}
