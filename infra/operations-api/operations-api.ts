import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnAuthorizer, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccountRecovery, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OPERATIONS_ROUTES } from '../../shared/operations-api/operations-api';
import { EnvVar } from '../../shared/runtime/environment';
import type { AuditTrail } from '../audit/audit-trail';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { EventIngestion } from '../ingestion/event-ingestion';
import { ServiceFunction } from '../platform/service-function';

/** Props of {@link OperationsApi}. */
export interface OperationsApiProps {
  readonly stage: string;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  readonly auditTrail: AuditTrail;
}

/**
 * The operations HTTP API that the CLI and any UI use (approvals, delegations, exceptions,
 * audit), behind the stage's Cognito user pool, with access logs. Workflows call
 * {@link OperationsApi.serveWorkflow} so the API may answer their task tokens.
 */
export class OperationsApi extends Construct {
  public readonly operationsApi: ServiceFunction;
  public readonly httpApi: HttpApi;
  public readonly userPool: UserPool;
  public readonly userPoolClient: UserPoolClient;
  private readonly acceptedClients: string[] = [];

  constructor(scope: Construct, id: string, props: OperationsApiProps) {
    super(scope, id);
    const { stage } = props;
    this.operationsApi = new ServiceFunction(this, 'OperationsApiFunction', {
      stage,
      name: 'operations-api',
      serviceName: 'operations-api',
      entry: 'functions/operations-api/operations-api.ts',
      description: 'Approvals, delegations, exceptions and audit over HTTP',
      timeout: Duration.seconds(29),
    })
      .bindTable(props.humanTasks.tasksTable, EnvVar.HumanTasksTable, 'readWrite')
      .bindTable(props.humanTasks.delegationsTable, EnvVar.DelegationsTable, 'readWrite')
      .bindTable(props.exceptionQueue.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite')
      .bindTable(props.auditTrail.auditTable, EnvVar.AuditLogTable, 'readAppend');

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `psflow-${stage}-operators`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPoolClient = this.userPool.addClient('CliClient', {
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/vendedlogs/apigateway/psflow-${stage}-operations`,
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.httpApi = new HttpApi(this, 'OperationsHttpApi', {
      apiName: `psflow-${stage}-operations`,
      description: 'psflow operations: approvals, delegations, exceptions, audit',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('OperatorAuthorizer', this.userPool, {
        userPoolClients: [this.userPoolClient],
      }),
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    this.acceptedClients.push(this.userPoolClient.userPoolClientId);
    const integration = new HttpLambdaIntegration('OperationsIntegration', this.operationsApi);
    for (const routeKey of Object.keys(OPERATIONS_ROUTES)) {
      const [method, path] = routeKey.split(' ');
      this.httpApi.addRoutes({ path, methods: [httpMethod(method)], integration });
    }

    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason:
          'MFA is left to each deployment: the pool has no self sign-up, an admin creates every operator (docs/deploy.md), and a stage that needs MFA turns on required TOTP or federates an identity provider that enforces it.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is a per-deployment cost decision; the pool accepts no self sign-up.',
      },
    );
  }

  /**
   * Lets the API accept tokens issued to another client of the user pool (the web console's),
   * besides the CLI's: the JWT authorizer checks each token's audience against this list.
   */
  acceptClient(client: UserPoolClient): void {
    const authorizer = this.httpApi.node.findAll().find((child) => child instanceof CfnAuthorizer);
    if (!(authorizer instanceof CfnAuthorizer)) throw new Error('the operations API has no JWT authorizer yet');
    this.acceptedClients.push(client.userPoolClientId);
    authorizer.addPropertyOverride('JwtConfiguration.Audience', [...this.acceptedClients]);
  }

  /**
   * Lets the API list, replay and resolve what ingestion rejected. A replay invokes the
   * ingestion function with the event, since a partner event's source cannot be put again.
   */
  serveRejectedEvents(ingestion: EventIngestion): void {
    this.operationsApi.bindTable(ingestion.rejectedEventsTable, EnvVar.RejectedEventsTable, 'readWrite');
    // The console's Executions page finds executions by client, project or opportunity through this index.
    this.operationsApi.bindTable(ingestion.workflowExecutionsTable, EnvVar.WorkflowExecutionsTable, 'read');
    this.operationsApi.addEnvironment(EnvVar.IngestFunctionName, ingestion.ingestFunction.functionName);
    ingestion.ingestFunction.grantInvoke(this.operationsApi);
    Validations.of(this.operationsApi).acknowledge(ingestion.ingestFunction.invokeGrantAcknowledgement());
  }

  /**
   * Lets the API answer a workflow's task tokens and read its executions (for the real
   * outcome of a retry). Every workflow using the human-task or guarded-step pattern needs it.
   */
  serveWorkflow(stateMachine: IStateMachine, stateMachineName: string): void {
    stateMachine.grantTaskResponse(this.operationsApi);
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.operationsApi.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:DescribeStateMachineForExecution'],
        resources: [executions],
      }),
    );
    // cdk-nag names unresolved parts of an ARN by their pseudo parameter.
    const part = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    Validations.of(this.operationsApi).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:execution:${stateMachineName}:*]`,
      reason: `Reading the history of ${stateMachineName}'s executions (for the real outcome of a retry) needs every execution of that one state machine.`,
    });
  }
}

/** The route key's method as the HTTP API's enum; a route key with another method is a programming error. */
function httpMethod(method: string): HttpMethod {
  const found = Object.values(HttpMethod).find((candidate) => candidate === method);
  if (!found) throw new Error(`route method ${method} is not an HTTP API method`);
  return found;
}
