import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildProjectActivationDefinition } from '../../state-machines/project-activation';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { OperationsApi } from '../operations-api/operations-api';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import type { SandboxSystems } from '../sandbox/sandbox-systems';
import { EnvVar } from '../../shared/runtime/environment';

/** Props of {@link ProjectActivation}. */
export interface ProjectActivationProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  /** Answers the workflow's task tokens for approvers and exception owners. */
  readonly operationsApi: OperationsApi;
  readonly sandbox: SandboxSystems;
}

/**
 * The quote-to-project workflow domain: a Standard state machine (it waits on people and
 * must run exactly once per won opportunity), its step functions, and the activations table
 * that records each activation with its stage times.
 */
export class ProjectActivation extends Construct {
  public readonly stateMachine: WorkflowStateMachine;
  public readonly activationsTable: ServiceTable;
  public readonly functions: readonly ServiceFunction[];

  constructor(scope: Construct, id: string, props: ProjectActivationProps) {
    super(scope, id);
    const { stage, humanTasks, sandbox } = props;
    this.activationsTable = new ServiceTable(this, 'ActivationsTable', {
      stage,
      name: 'activations',
      partitionKey: 'projectId',
    });
    const stepFunction = (constructId: string, functionName: string, description: string): ServiceFunction =>
      new ServiceFunction(this, constructId, {
        stage,
        name: functionName,
        serviceName: 'project-activation',
        entry: `functions/project-activation/${functionName}.ts`,
        description,
      });
    const prepareEngagement = stepFunction(
      'PrepareEngagementFunction',
      'prepare-engagement',
      'Loads, validates and classifies the engagement of a won opportunity',
    ).bindTable(sandbox.crmTable, EnvVar.SandboxCrmTable, 'read');
    const provisionErpProject = stepFunction(
      'ProvisionErpProjectFunction',
      'provision-erp-project',
      'Creates the ERP project with its cost structure and budget baseline',
    ).bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const provisionPsaProject = stepFunction(
      'ProvisionPsaProjectFunction',
      'provision-psa-project',
      'Creates the PSA project with its roles',
    ).bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const setUpBilling = stepFunction(
      'SetUpBillingFunction',
      'set-up-billing',
      'Sets the rate card or milestone schedule in the ERP',
    ).bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const requestResources = stepFunction(
      'RequestResourcesFunction',
      'request-resources',
      'Emits one Resource Requested event per role line',
    );
    requestResources.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
    props.eventBus.bus.grantPutEventsTo(requestResources);
    const onboardClient = stepFunction(
      'OnboardClientFunction',
      'onboard-client',
      'Files the contract and SOW and creates kickoff tasks',
    ).bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const compensateActivation = stepFunction(
      'CompensateActivationFunction',
      'compensate-activation',
      'Closes and voids what an aborted activation created',
    ).bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const recordActivation = stepFunction(
      'RecordActivationFunction',
      'record-activation',
      'Records the activation and its cycle time',
    ).bindTable(this.activationsTable, EnvVar.ActivationsTable, 'readWrite');
    this.functions = [
      prepareEngagement,
      provisionErpProject,
      provisionPsaProject,
      setUpBilling,
      requestResources,
      onboardClient,
      compensateActivation,
      recordActivation,
    ];

    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage,
      workflow: WorkflowName.ProjectActivation,
      definitionBody: buildProjectActivationDefinition(this, {
        prepareEngagement,
        provisionErpProject,
        provisionPsaProject,
        setUpBilling,
        requestResources,
        onboardClient,
        compensateActivation,
        routeApproval: humanTasks.routeApproval,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: props.exceptionQueue.fileException,
        recordActivation,
        eventBus: props.eventBus.bus,
      }),
      timeout: Duration.days(30),
      invokes: [
        ...this.functions,
        humanTasks.routeApproval,
        humanTasks.openApprovalTask,
        props.exceptionQueue.fileException,
      ],
    });
    props.operationsApi.serveWorkflow(this.stateMachine, this.stateMachine.name);
  }
}
