import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { CHANGE_ROUTES } from '../../shared/change-control/changes-api';
import { CHANGES_BY_PROJECT_INDEX } from '../../shared/repositories/change-requests-table';
import { EnvVar } from '../../shared/runtime/environment';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildChangeControlDefinition } from '../../state-machines/change-control';
import type { PeopleDirectory } from '../directory/directory';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { OperationsApi } from '../operations-api/operations-api';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import type { SandboxSystems } from '../sandbox/sandbox-systems';

/** Props of {@link ChangeControl}. */
export interface ChangeControlProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  readonly operationsApi: OperationsApi;
  readonly sandbox: SandboxSystems;
  readonly directory: PeopleDirectory;
  /** Billing's PSA records (time entries), read for the hours already approved. */
  readonly billingRecordsTable: ServiceTable;
}

/**
 * The change-control workflow domain: the change-requests table (each change's impact, approvals
 * and what was applied where), a Standard state machine (it waits on approvers and must apply each
 * change once), its step functions, and the changes routes of the operations HTTP API. Ingestion starts it for each valid `Change Requested`,
 * under a name derived from the change id (see `EventIngestion.startsWorkflow`).
 */
export class ChangeControl extends Construct {
  public readonly stateMachine: WorkflowStateMachine;
  public readonly changeRequestsTable: ServiceTable;
  public readonly functions: readonly ServiceFunction[];
  public readonly changesApi: ServiceFunction;

  constructor(scope: Construct, id: string, props: ChangeControlProps) {
    super(scope, id);
    const { stage, sandbox, humanTasks } = props;
    this.changeRequestsTable = new ServiceTable(this, 'ChangeRequestsTable', {
      stage,
      name: 'change-requests',
      partitionKey: 'changeId',
      globalSecondaryIndexes: [
        { indexName: CHANGES_BY_PROJECT_INDEX, partitionKey: 'projectId', sortKey: 'requestedAt' },
      ],
    });
    const fn = (constructId: string, name: string, description: string): ServiceFunction =>
      new ServiceFunction(this, constructId, {
        stage,
        name,
        serviceName: 'change-control',
        entry: `functions/change-control/${name}.ts`,
        description,
      });
    // Every step builds the same ports (sandbox records, billing's records, the change log, the bus) when it loads.
    const changeData = (f: ServiceFunction): ServiceFunction => {
      f.bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite')
        .bindTable(this.changeRequestsTable, EnvVar.ChangeRequestsTable, 'readWrite')
        .bindTable(props.billingRecordsTable, EnvVar.SandboxBillingTable, 'read');
      f.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
      props.eventBus.bus.grantPutEventsTo(f);
      return f;
    };
    const assessChange = changeData(
      fn('AssessChangeFunction', 'assess-change', 'Analyses the impact of a project change and routes its approval'),
    );
    const routeChangeApproval = fn(
      'RouteChangeApprovalFunction',
      'route-change-approval',
      'Hands the approval chain the change policy chose to the approval pattern',
    );
    const recordChangeApproval = changeData(
      fn(
        'RecordChangeApprovalFunction',
        'record-change-approval',
        'Records the approvals and announces Change Approved',
      ),
    );
    const reviseBudget = changeData(
      fn('ReviseBudgetFunction', 'revise-budget', 'Adds the ERP budget as a new baseline version'),
    );
    const updateProjectPlan = changeData(
      fn('UpdateProjectPlanFunction', 'update-project-plan', 'Updates the PSA project end date, roles and scope'),
    );
    const updateBillingSchedule = changeData(
      fn('UpdateBillingScheduleFunction', 'update-billing-schedule', 'Updates the milestone schedule or rate card'),
    );
    const adjustBookings = changeData(
      fn('AdjustBookingsFunction', 'adjust-bookings', 'Extends, shortens or releases bookings for the new end date'),
    );
    const requestChangeResources = changeData(
      fn('RequestChangeResourcesFunction', 'request-change-resources', 'Asks staffing for the new hours'),
    );
    const announceChangeApplied = changeData(
      fn('AnnounceChangeAppliedFunction', 'announce-change-applied', 'Records the change as applied and announces it'),
    );
    const recordChangeRejected = changeData(
      fn('RecordChangeRejectedFunction', 'record-change-rejected', 'Records a rejected change and announces it'),
    );
    const compensateChange = changeData(
      fn('CompensateChangeFunction', 'compensate-change', 'Restores the previous baseline after an abort'),
    );
    this.functions = [
      assessChange,
      routeChangeApproval,
      recordChangeApproval,
      reviseBudget,
      updateProjectPlan,
      updateBillingSchedule,
      adjustBookings,
      requestChangeResources,
      announceChangeApplied,
      recordChangeRejected,
      compensateChange,
    ];
    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage,
      workflow: WorkflowName.ChangeControl,
      definitionBody: buildChangeControlDefinition(this, {
        assessChange,
        routeChangeApproval,
        recordChangeApproval,
        reviseBudget,
        updateProjectPlan,
        updateBillingSchedule,
        adjustBookings,
        requestChangeResources,
        announceChangeApplied,
        recordChangeRejected,
        compensateChange,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: props.exceptionQueue.fileException,
      }),
      timeout: Duration.days(30),
      invokes: [...this.functions, humanTasks.openApprovalTask, props.exceptionQueue.fileException],
    });
    props.operationsApi.serveWorkflow(this.stateMachine, this.stateMachine.name);

    this.changesApi = new ServiceFunction(this, 'ChangesApiFunction', {
      stage,
      name: 'changes-api',
      serviceName: 'change-control',
      entry: 'functions/change-control/changes-api.ts',
      description: "A project's change history and one change (deltas, approvals, what was applied where) over HTTP",
      timeout: Duration.seconds(29),
    }).bindTable(this.changeRequestsTable, EnvVar.ChangeRequestsTable, 'read');
    props.directory.serve(this.changesApi, 'read');
    const integration = new HttpLambdaIntegration('ChangesIntegration', this.changesApi);
    for (const routeKey of Object.keys(CHANGE_ROUTES)) {
      const [method, path] = routeKey.split(' ');
      props.operationsApi.httpApi.addRoutes({
        path,
        methods: [method === 'POST' ? HttpMethod.POST : HttpMethod.GET],
        integration,
      });
    }
  }
}
