import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StackOutput, exportNameOf, tableOutputKey } from '../shared/deployment/stack-outputs';
import type { ApiCatalogue } from '../shared/integrations/api-catalogue';
import { SANDBOX_SELECTION, type ConnectorSelection } from '../shared/integrations/connector-selection';
import { DiagnosticsProbe } from './diagnostics/diagnostics-probe';
import { AuditTrail } from './audit/audit-trail';
import { BillingReadiness } from './billing-readiness/billing-readiness';
import { ExceptionQueue } from './exceptions/exception-queue';
import { PeopleDirectory } from './directory/directory';
import { HumanTasks } from './human-tasks/human-tasks';
import { Integrations } from './integrations/integrations';
import { EventIngestion } from './ingestion/event-ingestion';
import { KpiPipeline } from './kpis/kpi-pipeline';
import { OperationsObservability } from './observability/operations-observability';
import { OperationsApi } from './operations-api/operations-api';
import { OperationsConsole } from './console/operations-console';
import { OperationsDrill } from './operations-drill/operations-drill';
import { PsflowEventBus } from './platform/event-bus';
import { EventSchemas } from './platform/event-schemas';
import { ServiceTable } from './platform/service-table';
import { ProjectActivation } from './project-activation/project-activation';
import { Procurement } from './procurement/procurement';
import { ChangeControl } from './change-control/change-control';
import { SandboxSystems } from './sandbox/sandbox-systems';
import { SlaSweep } from './sla/sla-sweep';
import { Staffing } from './staffing/staffing';
import { StaffingSystems } from './staffing/staffing-systems';
import { WorkflowStateMachine } from './platform/workflow-state-machine';
import { EnvVar } from '../shared/runtime/environment';

/** Props of {@link PsflowStack}. */
export interface PsflowStackProps extends StackProps {
  /** Stage name (dev, test, prod, a developer's name); every resource name carries it. */
  readonly stage: string;
  /** Salesforce partner buses (Event Relay or AppFlow) to ingest from and archive (context `partnerEventBuses`, comma-separated). */
  readonly partnerEventBusNames?: readonly string[];
  /** The approval decision table to check at synth (tests pass broken ones); defaults to the published one. */
  readonly approvalPolicy?: unknown;
  /** The procurement policy to check at synth (tests pass broken ones); defaults to the published one. */
  readonly procurementPolicy?: unknown;
  /** Which connector each port uses (`-c connectors=`, `shared/policies/connectors.v1.json`); defaults to the sandbox. */
  readonly connectors?: ConnectorSelection;
  /** The API catalogue to check the connectors against (tests pass broken ones); defaults to the published one. */
  readonly apiCatalogue?: ApiCatalogue;
}

/** One stage of psflow: the platform (bus, tables) plus one construct per workflow domain. */
export class PsflowStack extends Stack {
  public readonly eventBus: PsflowEventBus;
  public readonly diagnostics: DiagnosticsProbe;
  public readonly eventSchemas: EventSchemas;
  public readonly sandbox: SandboxSystems;
  public readonly projectActivation: ProjectActivation;
  public readonly ingestion: EventIngestion;
  public readonly directory: PeopleDirectory;
  public readonly humanTasks: HumanTasks;
  public readonly exceptionQueue: ExceptionQueue;
  public readonly auditTrail: AuditTrail;
  public readonly slaSweep: SlaSweep;
  public readonly operationsApi: OperationsApi;
  public readonly operationsDrill: OperationsDrill;
  public readonly kpis: KpiPipeline;
  public readonly staffingSystems: StaffingSystems;
  public readonly billingReadiness: BillingReadiness;
  public readonly procurement: Procurement;
  public readonly integrations: Integrations;
  public readonly observability: OperationsObservability;
  public readonly staffing: Staffing;
  public readonly changeControl: ChangeControl;

  constructor(scope: Construct, id: string, props: PsflowStackProps) {
    super(scope, id, props);
    Tags.of(this).add('psflow:stage', props.stage);
    this.eventBus = new PsflowEventBus(this, 'EventBus', { stage: props.stage });
    this.eventSchemas = new EventSchemas(this, 'EventSchemas', { stage: props.stage });
    this.diagnostics = new DiagnosticsProbe(this, 'Diagnostics', { stage: props.stage, eventBus: this.eventBus });
    this.sandbox = new SandboxSystems(this, 'Sandbox', { stage: props.stage });
    this.staffingSystems = new StaffingSystems(this, 'StaffingSystems', { stage: props.stage });
    this.auditTrail = new AuditTrail(this, 'AuditTrail', { stage: props.stage });
    this.humanTasks = new HumanTasks(this, 'HumanTasks', {
      stage: props.stage,
      auditTrail: this.auditTrail,
      approvalPolicy: props.approvalPolicy,
    });
    this.exceptionQueue = new ExceptionQueue(this, 'ExceptionQueue', { stage: props.stage });
    const peopleInTheLoop = {
      humanTasks: this.humanTasks,
      exceptionQueue: this.exceptionQueue,
      auditTrail: this.auditTrail,
    };
    this.slaSweep = new SlaSweep(this, 'SlaSweep', { stage: props.stage, eventBus: this.eventBus, ...peopleInTheLoop });
    this.operationsApi = new OperationsApi(this, 'OperationsApi', { stage: props.stage, ...peopleInTheLoop });
    const workflowPatterns = {
      humanTasks: this.humanTasks,
      exceptionQueue: this.exceptionQueue,
      operationsApi: this.operationsApi,
    };
    this.operationsDrill = new OperationsDrill(this, 'OperationsDrill', { stage: props.stage, ...workflowPatterns });
    this.projectActivation = new ProjectActivation(this, 'ProjectActivation', {
      stage: props.stage,
      eventBus: this.eventBus,
      sandbox: this.sandbox,
      ...workflowPatterns,
    });
    this.ingestion = new EventIngestion(this, 'Ingestion', {
      stage: props.stage,
      eventBus: this.eventBus,
      crmTable: this.sandbox.crmTable,
      projectActivation: this.projectActivation.stateMachine,
      partnerEventBusNames: props.partnerEventBusNames,
    });
    this.operationsApi.serveRejectedEvents(this.ingestion);
    this.billingReadiness = new BillingReadiness(this, 'BillingReadiness', {
      stage: props.stage,
      eventBus: this.eventBus,
      sandbox: this.sandbox,
      slaSweep: this.slaSweep,
      ...workflowPatterns,
    });
    this.staffing = new Staffing(this, 'Staffing', {
      stage: props.stage,
      eventBus: this.eventBus,
      sandbox: this.sandbox,
      systems: this.staffingSystems,
      ...workflowPatterns,
    });
    this.directory = new PeopleDirectory(this, 'Directory', { stage: props.stage });
    this.directory.serve(this.humanTasks.openApprovalTask, 'read');
    this.directory.serve(this.operationsApi.operationsApi, 'readWrite');
    this.kpis = new KpiPipeline(this, 'Kpis', {
      stage: props.stage,
      eventBus: this.eventBus,
      announcers: [this.exceptionQueue.fileException, this.operationsApi.operationsApi],
      readers: [this.operationsApi.operationsApi],
    });
    this.procurement = new Procurement(this, 'Procurement', {
      stage: props.stage,
      eventBus: this.eventBus,
      sandbox: this.sandbox,
      directory: this.directory,
      procurementPolicy: props.procurementPolicy,
      ...workflowPatterns,
    });
    this.changeControl = new ChangeControl(this, 'ChangeControl', {
      stage: props.stage,
      eventBus: this.eventBus,
      sandbox: this.sandbox,
      directory: this.directory,
      billingRecordsTable: this.billingReadiness.sandboxBillingTable,
      ...workflowPatterns,
    });
    this.ingestion.startsWorkflow(EnvVar.ChangeControlStateMachineArn, this.changeControl.stateMachine);
    this.integrations = new Integrations(this, 'Integrations', {
      stage: props.stage,
      eventBus: this.eventBus,
      connectors: props.connectors ?? SANDBOX_SELECTION,
      catalogue: props.apiCatalogue,
      httpApi: this.operationsApi.httpApi,
    });
    new OperationsConsole(this, 'OperationsConsole', { stage: props.stage, operationsApi: this.operationsApi });
    // Keep this last among the workflows: it finds every workflow state machine made before it.
    this.observability = new OperationsObservability(this, 'Observability', {
      stage: props.stage,
      workflows: this.node
        .findAll()
        .filter((construct): construct is WorkflowStateMachine => construct instanceof WorkflowStateMachine)
        .map((stateMachine) => ({
          workflow: stateMachine.name.replace(`psflow-${props.stage}-`, ''),
          stateMachine,
        })),
      deadLetterQueue: this.eventBus.deadLetterQueue,
      exceptionsTable: this.exceptionQueue.exceptionsTable,
    });
    this.addClientOutputs(props.stage);
  }

  /**
   * Everything a client of the stage needs, as outputs the CLI reads with DescribeStacks.
   * They sit at stack scope so that each output key is exactly its id, and every table found
   * in the stack gets one, so a domain's new table needs no change here.
   */
  private addClientOutputs(stage: string): void {
    const output = (key: string, value: string, description: string): CfnOutput =>
      new CfnOutput(this, key, { value, description, exportName: exportNameOf(stage, key) });
    output(StackOutput.ApiUrl, this.operationsApi.httpApi.apiEndpoint, 'Base URL of the operations HTTP API');
    output(StackOutput.UserPoolId, this.operationsApi.userPool.userPoolId, 'Cognito user pool of the operators');
    output(
      StackOutput.UserPoolClientId,
      this.operationsApi.userPoolClient.userPoolClientId,
      'App client the CLI signs in with',
    );
    output(StackOutput.EventBusName, this.eventBus.bus.eventBusName, 'The stage bus');
    const tables = this.node
      .findAll()
      .filter((construct): construct is ServiceTable => construct instanceof ServiceTable);
    for (const table of tables)
      output(tableOutputKey(table.shortName), table.tableName, `The ${table.shortName} table`);
  }
}
