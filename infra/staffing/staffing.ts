import { Duration, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { EnvVar } from '../../shared/runtime/environment';
import { currentStaffingPolicy, loadStaffingPolicy } from '../../shared/staffing/staffing-policy';
import { STAFFING_REQUESTS_BY_STATUS_INDEX } from '../../shared/staffing/staffing-request-store';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildStaffingDefinition } from '../../state-machines/staffing';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { OperationsApi } from '../operations-api/operations-api';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import type { SandboxSystems } from '../sandbox/sandbox-systems';
import type { StaffingSystems } from './staffing-systems';

/** Props of {@link Staffing}. */
export interface StaffingProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  readonly operationsApi: OperationsApi;
  readonly sandbox: SandboxSystems;
  readonly systems: StaffingSystems;
  /** The staffing policy to check at synth (tests pass broken ones); defaults to the published one. */
  readonly staffingPolicy?: unknown;
}

/**
 * The request-to-staffing workflow domain: a Standard state machine (it waits on people and
 * books exactly once per request), started by `Resource Requested` on the bus or ad hoc through
 * the API and CLI; its step functions; the staffing requests table operators read; and a
 * schedule that releases lapsed holds.
 */
export class Staffing extends Construct {
  public readonly stateMachine: WorkflowStateMachine;
  public readonly requestsTable: ServiceTable;
  public readonly functions: readonly ServiceFunction[];
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: StaffingProps) {
    super(scope, id);
    const { stage, humanTasks, sandbox, systems } = props;
    // Checked here so that a broken policy fails the synth, not the first request.
    const policy =
      props.staffingPolicy === undefined ? currentStaffingPolicy() : loadStaffingPolicy(props.staffingPolicy);
    this.requestsTable = new ServiceTable(this, 'RequestsTable', {
      stage,
      name: 'staffing-requests',
      partitionKey: 'requestId',
      globalSecondaryIndexes: [
        { indexName: STAFFING_REQUESTS_BY_STATUS_INDEX, partitionKey: 'status', sortKey: 'updatedAt' },
      ],
    });
    const stepFunction = (constructId: string, functionName: string, description: string): ServiceFunction => {
      const fn = new ServiceFunction(this, constructId, {
        stage,
        name: functionName,
        serviceName: 'staffing',
        entry: `functions/staffing/${functionName}.ts`,
        description,
      })
        .bindTable(this.requestsTable, EnvVar.StaffingRequestsTable, 'readWrite')
        .bindTable(systems.hrisTable, EnvVar.SandboxHrisTable, 'readWrite')
        .bindTable(systems.bookingsTable, EnvVar.SandboxBookingsTable, 'readWrite');
      fn.addEnvironment('STAFFING_POLICY_VERSION', String(policy.version));
      return fn;
    };
    const withEvents = (fn: ServiceFunction): ServiceFunction => {
      fn.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
      props.eventBus.bus.grantPutEventsTo(fn);
      return fn;
    };
    const prepareRequest = stepFunction(
      'PrepareStaffingRequestFunction',
      'prepare-staffing-request',
      'Builds a staffing request from a role line, finds its project and region, and holds bad input',
    )
      .bindTable(sandbox.crmTable, EnvVar.SandboxCrmTable, 'read')
      .bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'read');
    const recommendCandidates = withEvents(
      stepFunction('RecommendCandidatesFunction', 'recommend-candidates', 'Ranks and explains candidates for a role'),
    );
    const placeSoftHolds = stepFunction(
      'PlaceSoftHoldsFunction',
      'place-soft-holds',
      'Holds the proposed people in the PSA',
    );
    const bookAssignment = withEvents(
      stepFunction('BookAssignmentFunction', 'book-assignment', 'Books the approved people hard and announces it'),
    );
    const closeRequest = withEvents(
      stepFunction(
        'CloseStaffingRequestFunction',
        'close-staffing-request',
        'Closes an unstaffed request: subcontractor, requisition or rejection',
      ),
    );
    const releaseHolds = stepFunction(
      'ReleaseExpiredHoldsFunction',
      'release-expired-holds',
      'Releases soft holds whose expiry passed',
    );
    this.functions = [prepareRequest, recommendCandidates, placeSoftHolds, bookAssignment, closeRequest, releaseHolds];

    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage,
      workflow: WorkflowName.Staffing,
      definitionBody: buildStaffingDefinition(this, {
        prepareRequest,
        recommendCandidates,
        placeSoftHolds,
        bookAssignment,
        closeRequest,
        routeApproval: humanTasks.routeApproval,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: props.exceptionQueue.fileException,
      }),
      timeout: Duration.days(30),
      invokes: [
        prepareRequest,
        recommendCandidates,
        placeSoftHolds,
        bookAssignment,
        closeRequest,
        humanTasks.routeApproval,
        humanTasks.openApprovalTask,
        props.exceptionQueue.fileException,
      ],
    });
    props.operationsApi.serveWorkflow(this.stateMachine, this.stateMachine.name);
    props.operationsApi.operationsApi.bindTable(this.requestsTable, EnvVar.StaffingRequestsTable, 'read');
    this.rule = new Rule(this, 'ResourceRequestedRule', {
      ruleName: `psflow-${stage}-resource-requested`,
      eventBus: props.eventBus.bus,
      eventPattern: { source: [PsflowSource.Workflow], detailType: [WorkflowDetailType.ResourceRequested] },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          deadLetterQueue: props.eventBus.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    const scheduleRole = new Role(this, 'ReleaseHoldsScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    new Schedule(this, 'ReleaseHoldsSchedule', {
      scheduleName: `psflow-${stage}-release-expired-holds`,
      description: 'Releases lapsed staffing holds every fifteen minutes',
      schedule: ScheduleExpression.rate(Duration.minutes(15)),
      target: new ScheduleLambdaInvoke(releaseHolds, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        role: scheduleRole,
      }),
    });
    Validations.of(scheduleRole).acknowledge(releaseHolds.invokeGrantAcknowledgement());
  }
}
