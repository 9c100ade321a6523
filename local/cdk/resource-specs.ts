/* The resources the local cloud serves, as the resource model describes them. */

/** Where the local cloud pretends to live; CDK apps are environment-agnostic by default. */
export interface LocalEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Base URL of the local endpoint, used for SQS queue URLs. */
  readonly endpoint: string;
}

/** A DynamoDB table as declared in the template, in CreateTable request shape. */
export interface TableSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly createTableRequest: Record<string, unknown>;
}

/** An event bus. The `default` bus always exists. */
export interface EventBusSpec {
  readonly name: string;
  readonly arn: string;
}

/** How a rule target wants its input shaped (exactly one or none is set). */
export interface TargetInputSpec {
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly inputPathsMap: Record<string, string>; readonly inputTemplate: string };
}

/** One target of a rule. */
export interface RuleTargetSpec extends TargetInputSpec {
  readonly id: string;
  readonly arn: string;
  readonly deadLetterArn?: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

/** An EventBridge rule with its raw event pattern (validated when the bus loads it). */
export interface RuleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly eventPattern: string;
  readonly enabled: boolean;
  readonly targets: readonly RuleTargetSpec[];
}

/** A Lambda function and the bundle cdk.out holds for it. */
export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly handler: string;
  readonly codeDirectory: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
}

/** A state machine with its definition already resolved to ASL. */
export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly roleArn: string;
  readonly definition: string;
  /** The template's LoggingConfiguration in the DescribeStateMachine shape; absent means logging OFF. */
  readonly loggingConfiguration?: StateMachineLogging;
  /** The template's TracingConfiguration.Enabled; absent means tracing off. */
  readonly tracingEnabled?: boolean;
}

/** A state machine's logging settings, as DescribeStateMachine answers them. */
export interface StateMachineLogging {
  readonly level: string;
  readonly includeExecutionData: boolean;
  readonly destinations: ReadonlyArray<{ readonly cloudWatchLogsLogGroup: { readonly logGroupArn: string } }>;
}

/** An SNS topic (served so that `sns:publish` tasks are dispatched and their messages can be read). */
export interface TopicSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/** An SQS queue (served so that dead letters can be read like in AWS). */
export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

/** What an HTTP API route hands the request to: a Lambda function, in payload format 2.0. */
export interface HttpIntegrationSpec {
  readonly logicalId: string;
  readonly integrationId: string;
  readonly functionArn: string;
  /** API Gateway answers 503 when the integration takes longer (at most 30 s). */
  readonly timeoutMs: number;
}

/** One route of an HTTP API. */
export interface HttpRouteSpec {
  readonly logicalId: string;
  readonly routeId: string;
  /** `METHOD /path` (METHOD may be ANY; path may hold `{param}` and a last `{proxy+}`) or `$default`. */
  readonly routeKey: string;
  /** `NONE`, `JWT`, `AWS_IAM` or `CUSTOM`. */
  readonly authorizationType: string;
  readonly authorizationScopes: readonly string[];
  readonly integration?: HttpIntegrationSpec;
  /**
   * Why requests matched to this route cannot be served locally (they are answered with 500, as a
   * broken integration is in AWS). The route is also listed in `notEmulated` with this reason.
   */
  readonly unservedReason?: string;
}

/** An API Gateway HTTP API (ApiGatewayV2, protocol HTTP) with its routes. */
export interface HttpApiSpec {
  readonly logicalId: string;
  readonly stackName: string;
  readonly apiId: string;
  readonly name: string;
  /** Path prefix on the local endpoint: `/api`, or `/api/<name>` when the assembly declares several HTTP APIs. */
  readonly basePath: string;
  /** What `Fn::GetAtt Api.ApiEndpoint` resolves to. */
  readonly endpoint: string;
  readonly routes: readonly HttpRouteSpec[];
  readonly stageNames: readonly string[];
  /** Stages that declare AccessLogSettings; locally one JSON line per request goes to logs/api-access.log instead. */
  readonly accessLogStages: readonly string[];
  /** Whether the API declares CorsConfiguration, which is not applied locally. */
  readonly corsConfigured: boolean;
}

/** What an EventBridge Scheduler schedule runs. */
export interface ScheduleTargetSpec {
  readonly arn: string;
  readonly roleArn: string;
  /** The target input before context attributes (`<aws.scheduler.*>`) are substituted. */
  readonly input?: string;
}

/** An EventBridge Scheduler schedule (`AWS::Scheduler::Schedule`). */
export interface ScheduleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  /** `rate(...)`, `at(...)` or `cron(...)`, already checked to be servable. */
  readonly expression: string;
  /** IANA time zone `at()` and `cron()` are read in. */
  readonly timezone: string;
  readonly enabled: boolean;
  readonly startDate?: number;
  readonly endDate?: number;
  readonly target: ScheduleTargetSpec;
}

/** A declared resource the local cloud does not serve, with the reason. */
export interface NotEmulatedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** Everything the local cloud serves, resolved from the cloud assembly. */
export interface ResourceModel {
  readonly environment: LocalEnvironment;
  readonly tables: readonly TableSpec[];
  readonly eventBuses: readonly EventBusSpec[];
  readonly rules: readonly RuleSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly queues: readonly QueueSpec[];
  readonly topics: readonly TopicSpec[];
  readonly httpApis: readonly HttpApiSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly notEmulated: readonly NotEmulatedResource[];
}
