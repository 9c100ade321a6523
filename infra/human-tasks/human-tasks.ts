import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccountRecovery, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OPERATIONS_ROUTES } from '../../shared/operations-api/operations-api';
import { CURRENT_APPROVAL_POLICY, loadApprovalPolicy } from '../../shared/policies/approval-policy';
import { EXCEPTION_INDEXES } from '../../shared/repositories/exceptions-table';
import { TASKS_BY_REQUEST_INDEX, TASKS_BY_ROLE_STATUS_INDEX, TASKS_BY_STATUS_DUE_INDEX } from '../../shared/repositories/human-tasks-table';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { EnvVar } from '../../shared/runtime/environment';

/** Props of {@link HumanTasks}. */
export interface HumanTasksProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  /**
   * The approval decision table, as data. Defaults to the current published version; it is
   * checked here, so an incomplete or unreachable table fails `cdk synth`.
   */
  readonly approvalPolicy?: unknown;
}

/**
 * People in the loop: human tasks (approvals) and the business-owned exception queue, the
 * audit trail of every decision, the SLA sweeper, and the operations HTTP API that the CLI
 * and any UI use. Workflows use the step patterns in `state-machines/patterns/` with the
 * functions exposed here, then call {@link HumanTasks.serveWorkflow} so the API may answer them.
 */
export class HumanTasks extends Construct {
  public readonly tasksTable: ServiceTable;
  public readonly delegationsTable: ServiceTable;
  public readonly exceptionsTable: ServiceTable;
  public readonly auditTable: ServiceTable;
  public readonly routeApproval: ServiceFunction;
  public readonly openApprovalTask: ServiceFunction;
  public readonly fileException: ServiceFunction;
  public readonly sweepOverdueTasks: ServiceFunction;
  public readonly operationsApi: ServiceFunction;
  public readonly httpApi: HttpApi;
  public readonly userPool: UserPool;
  public readonly userPoolClient: UserPoolClient;
  public readonly sweepSchedule: Schedule;

  constructor(scope: Construct, id: string, props: HumanTasksProps) {
    super(scope, id);
    const { stage } = props;
    const policy = props.approvalPolicy === undefined ? CURRENT_APPROVAL_POLICY : loadApprovalPolicy(props.approvalPolicy);
    this.tasksTable = new ServiceTable(this, 'TasksTable', {
      stage,
      name: 'human-tasks',
      partitionKey: 'taskId',
      globalSecondaryIndexes: [
        { indexName: TASKS_BY_ROLE_STATUS_INDEX, partitionKey: 'roleStatus', sortKey: 'dueAt' },
        { indexName: TASKS_BY_STATUS_DUE_INDEX, partitionKey: 'status', sortKey: 'dueAt' },
        { indexName: TASKS_BY_REQUEST_INDEX, partitionKey: 'requestId', sortKey: 'taskId' },
      ],
    });
    this.delegationsTable = new ServiceTable(this, 'DelegationsTable', { stage, name: 'delegations', partitionKey: 'delegate', sortKey: 'roleUntil' });
    this.exceptionsTable = new ServiceTable(this, 'ExceptionsTable', {
      stage,
      name: 'exceptions',
      partitionKey: 'exceptionId',
      globalSecondaryIndexes: Object.values(EXCEPTION_INDEXES).map((spec) => ({ indexName: spec.name, partitionKey: spec.partitionKey, sortKey: spec.sortKey })),
    });
    this.auditTable = new ServiceTable(this, 'AuditTable', { stage, name: 'audit-log', partitionKey: 'subjectKey', sortKey: 'entryKey' });

    this.routeApproval = new ServiceFunction(this, 'RouteApprovalFunction', {
      stage,
      name: 'route-approval',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/route-approval.ts',
      description: 'Routes an approval request through the approval decision table',
    });
    // The bundle routes with the published policy; a stack given another table must not deploy it silently.
    if (policy.version !== CURRENT_APPROVAL_POLICY.version || JSON.stringify(policy) !== JSON.stringify(CURRENT_APPROVAL_POLICY)) {
      throw new Error(`approval policy v${policy.version} differs from the published table the functions bundle; publish it under shared/policies first`);
    }
    this.routeApproval.addEnvironment(EnvVar.ApprovalPolicyVersion, String(policy.version));
    this.openApprovalTask = new ServiceFunction(this, 'OpenApprovalTaskFunction', {
      stage,
      name: 'open-approval-task',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/open-approval-task.ts',
      description: 'Opens the task of one approval level and parks its token',
    }).bindTable(this.tasksTable, EnvVar.HumanTasksTable, 'readWrite');
    this.fileException = new ServiceFunction(this, 'FileExceptionFunction', {
      stage,
      name: 'file-exception',
      serviceName: 'exceptions',
      entry: 'functions/exceptions/file-exception.ts',
      description: 'Files an exception for a step that failed after its retries',
    }).bindTable(this.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite');
    this.sweepOverdueTasks = new ServiceFunction(this, 'SweepOverdueTasksFunction', {
      stage,
      name: 'sweep-overdue-tasks',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/sweep-overdue-tasks.ts',
      description: 'Reminds and escalates human tasks and exceptions past their SLA',
      timeout: Duration.seconds(60),
    })
      .bindTable(this.tasksTable, EnvVar.HumanTasksTable, 'readWrite')
      .bindTable(this.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite')
      .bindTable(this.auditTable, EnvVar.AuditLogTable, 'append');
    this.sweepOverdueTasks.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
    props.eventBus.bus.grantPutEventsTo(this.sweepOverdueTasks);
    this.operationsApi = new ServiceFunction(this, 'OperationsApiFunction', {
      stage,
      name: 'operations-api',
      serviceName: 'operations-api',
      entry: 'functions/operations-api/operations-api.ts',
      description: 'Approvals, delegations, exceptions and audit over HTTP',
      timeout: Duration.seconds(29),
    })
      .bindTable(this.tasksTable, EnvVar.HumanTasksTable, 'readWrite')
      .bindTable(this.delegationsTable, EnvVar.DelegationsTable, 'readWrite')
      .bindTable(this.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite')
      .bindTable(this.auditTable, EnvVar.AuditLogTable, 'readAppend');

    // An own role, so its one acknowledgement (the function ARN plus ":*") sits with this construct.
    const scheduleRole = new Role(this, 'SweepScheduleRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    this.sweepSchedule = new Schedule(this, 'SweepSchedule', {
      scheduleName: `psflow-${stage}-sweep-overdue-tasks`,
      description: 'Finds human tasks past their SLA every five minutes',
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new ScheduleLambdaInvoke(this.sweepOverdueTasks, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        role: scheduleRole,
      }),
    });

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `psflow-${stage}-operators`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPoolClient = this.userPool.addClient('CliClient', { authFlows: { userSrp: true }, generateSecret: false });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/vendedlogs/apigateway/psflow-${stage}-operations`,
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.httpApi = new HttpApi(this, 'OperationsHttpApi', {
      apiName: `psflow-${stage}-operations`,
      description: 'psflow operations: approvals, delegations, exceptions, audit',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('OperatorAuthorizer', this.userPool, { userPoolClients: [this.userPoolClient] }),
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const integration = new HttpLambdaIntegration('OperationsIntegration', this.operationsApi);
    for (const routeKey of Object.keys(OPERATIONS_ROUTES)) {
      const [method, path] = routeKey.split(' ');
      this.httpApi.addRoutes({ path, methods: [HttpMethod[method as keyof typeof HttpMethod]], integration });
    }

    Validations.of(this.userPool).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-COG2', reason: 'MFA is enforced by the identity provider federated into this pool; operators never hold pool passwords in production.' },
      { id: 'AwsSolutions::AwsSolutions-COG8', reason: 'The Plus feature plan (threat protection) is a per-deployment cost decision; the pool accepts no self sign-up.' },
    );
    Validations.of(scheduleRole).acknowledge(this.sweepOverdueTasks.invokeGrantAcknowledgement());
  }

  /**
   * Lets the API answer a workflow's task tokens and read its executions (for the real
   * outcome of a retry). Every workflow using the human-task or guarded-step pattern needs it.
   */
  serveWorkflow(stateMachine: IStateMachine, stateMachineName: string): void {
    stateMachine.grantTaskResponse(this.operationsApi);
    const stack = Stack.of(this);
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.operationsApi.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [executions] }));
    // cdk-nag names unresolved parts of an ARN by their pseudo parameter.
    const part = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    Validations.of(this.operationsApi).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:execution:${stateMachineName}:*]`,
      reason: `Reading the history of ${stateMachineName}'s executions (for the real outcome of a retry) needs every execution of that one state machine.`,
    });
  }
}
