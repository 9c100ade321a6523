import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseScheduleExpression, validateTimezone } from '../scheduler/schedule-expression';
import type { AssemblyStack, CloudAssembly, TemplateResource, TemplateValue } from './cloud-assembly';

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

/** Reads a template's LoggingConfiguration (already resolved) into the DescribeStateMachine shape. */
function stateMachineLogging(declared: unknown): StateMachineLogging | undefined {
  if (!isRecord(declared)) return undefined;
  const destinations = Array.isArray(declared.Destinations) ? declared.Destinations : [];
  return {
    level: typeof declared.Level === 'string' ? declared.Level : 'OFF',
    includeExecutionData: declared.IncludeExecutionData === true,
    destinations: destinations.flatMap((destination) => {
      const group = isRecord(destination) && isRecord(destination.CloudWatchLogsLogGroup) ? destination.CloudWatchLogsLogGroup.LogGroupArn : undefined;
      return typeof group === 'string' ? [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] : [];
    }),
  };
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

/** Resource types whose effect the local cloud does not need, and why. */
const NOT_EMULATED_REASONS: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'IAM is not enforced locally; CDK assertion tests check policies',
  'AWS::IAM::Policy': 'IAM is not enforced locally; CDK assertion tests check policies',
  'AWS::Logs::LogGroup': 'function output goes to .psflow/logs instead of CloudWatch Logs',
  'AWS::SQS::QueuePolicy': 'queue policies are not enforced locally',
  'AWS::Events::Archive': 'every accepted event is journalled on disk; StartReplay is not served',
  'AWS::CDK::Metadata': 'CDK bookkeeping only',
  'AWS::CloudWatch::Alarm': 'no metrics are collected locally',
  'AWS::CloudWatch::Dashboard': 'no metrics are collected locally',
  'AWS::EventSchemas::Registry': 'schemas are checked by tests, not served',
  'AWS::EventSchemas::Schema': 'schemas are checked by tests, not served',
  'AWS::Lambda::Permission': 'invoke permissions are not enforced locally',
  'AWS::Lambda::EventInvokeConfig': "a failed asynchronous invocation is retried by the bus and then dead-lettered to the rule target's queue",
  'AWS::ApiGatewayV2::Authorizer':
    'JWT signatures, issuer, audience, expiry and scopes are not verified locally; JWT routes take the development identity (X-Psflow-User header, or a Bearer token decoded without verification)',
  'AWS::ApiGatewayV2::Deployment': 'every stage is served as auto-deployed',
  'AWS::ApiGatewayV2::DomainName': 'HTTP APIs are served under /api on the local endpoint',
  'AWS::ApiGatewayV2::ApiMapping': 'HTTP APIs are served under /api on the local endpoint',
  'AWS::Scheduler::ScheduleGroup': 'a group only names its schedules locally',
};

const SERVED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Scheduler::Schedule',
]);

/** Where the HTTP APIs are mounted on the local endpoint, by `<stackName>/<logicalId>`. */
type HttpApiBasePaths = ReadonlyMap<string, string>;

/**
 * A stable stand-in for an identifier AWS generates at deploy time (API, route and integration
 * ids), so a Ref to one resolves to the same value on every start.
 */
function generatedId(stackName: string, logicalId: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  return Array.from(digest.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Stands for `Ref: AWS::NoValue` until the enclosing object or list drops it, as CloudFormation does. */
const NO_VALUE = '\u0000psflow:no-value\u0000';

function isRecord(value: unknown): value is Record<string, TemplateValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves CloudFormation intrinsic functions the way a deployment would, with local names. */
class IntrinsicResolver {
  constructor(
    private readonly stack: AssemblyStack,
    private readonly env: LocalEnvironment,
    private readonly httpApiBasePaths: HttpApiBasePaths = new Map(),
  ) {}

  resolve(value: TemplateValue): TemplateValue {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.', 2);
          return this.getAtt(logicalId, attribute);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, TemplateValue[]];
          return (this.resolve(parts) as TemplateValue[]).map((part) => this.asString(part)).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Select': {
          const [index, list] = arg as [TemplateValue, TemplateValue];
          const items = this.resolve(list) as TemplateValue[];
          const position = Number(this.resolve(index));
          if (!Number.isInteger(position) || position < 0 || position >= items.length) {
            throw new Error(`${this.stack.stackName}: Fn::Select index ${position} is out of range for a list of ${items.length}`);
          }
          return items[position];
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, TemplateValue];
          return this.asString(this.resolve(source)).split(separator);
        }
        case 'Fn::GetAZs':
          return [`${this.env.region}a`, `${this.env.region}b`, `${this.env.region}c`];
        default:
          if (fn.startsWith('Fn::')) throw new Error(`${this.stack.stackName}: intrinsic ${fn} is not supported by the local cloud`);
      }
    }
    return Object.fromEntries(keys.map((key) => [key, this.resolve(value[key])]).filter(([, item]) => item !== NO_VALUE));
  }

  private asString(value: TemplateValue): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`${this.stack.stackName}: expected a string, got ${JSON.stringify(value)}`);
  }

  private sub(arg: TemplateValue): string {
    const [template, variables] = Array.isArray(arg) ? (arg as [string, Record<string, TemplateValue>]) : [String(arg), {}];
    return template.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, name: string) => {
      // `${!Name}` is CloudFormation's escape for a literal `${Name}`.
      if (literal) return `\${${name}}`;
      if (Object.hasOwn(variables, name)) return this.asString(this.resolve(variables[name]));
      if (name.includes('.')) {
        const [logicalId, attribute] = name.split('.', 2);
        return this.asString(this.getAtt(logicalId, attribute));
      }
      return this.asString(this.ref(name));
    });
  }

  private resource(logicalId: string): TemplateResource {
    const resource = Object.hasOwn(this.stack.resources, logicalId) ? this.stack.resources[logicalId] : undefined;
    if (!resource) throw new Error(`${this.stack.stackName}: reference to unknown resource ${logicalId}`);
    return resource;
  }

  /** Physical name a deployment would give, or CloudFormation's generated form. */
  physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const props = resource.Properties ?? {};
    const nameProperty: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Events::EventBus': 'Name',
      'AWS::Events::Rule': 'Name',
      'AWS::Events::Archive': 'ArchiveName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::StepFunctions::StateMachine': 'StateMachineName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::ApiGatewayV2::Api': 'Name',
      'AWS::ApiGatewayV2::Stage': 'StageName',
      'AWS::ApiGatewayV2::Authorizer': 'Name',
      'AWS::Scheduler::Schedule': 'Name',
      'AWS::Scheduler::ScheduleGroup': 'Name',
    };
    const property = nameProperty[resource.Type];
    const declared = property ? props[property] : undefined;
    const resolved = declared === undefined ? NO_VALUE : this.resolve(declared);
    if (resolved !== NO_VALUE) return this.asString(resolved);
    return `${this.stack.stackName}-${logicalId}`.slice(0, 64);
  }

  ref(name: string): TemplateValue {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stack.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.env.region}:${this.env.accountId}:stack/${this.stack.stackName}/local`;
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    const resource = this.resource(name);
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
        return this.arn(name);
      case 'AWS::SQS::Queue':
        return `${this.env.endpoint}/${this.env.accountId}/${this.physicalName(name)}`;
      case 'AWS::ApiGatewayV2::Api':
        return generatedId(this.stack.stackName, name, 10);
      case 'AWS::ApiGatewayV2::Route':
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Authorizer':
        return generatedId(this.stack.stackName, name, 7);
      default:
        return this.physicalName(name);
    }
  }

  arn(logicalId: string): string {
    const { region, accountId } = this.env;
    const name = this.physicalName(logicalId);
    const type = this.resource(logicalId).Type;
    switch (type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
      case 'AWS::Events::Rule': {
        // Rules on a custom bus carry the bus in their ARN; rules on the default bus do not.
        const busName = this.ruleBusName(logicalId);
        return `arn:aws:events:${region}:${accountId}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
      }
      case 'AWS::Events::Archive':
        return `arn:aws:events:${region}:${accountId}:archive/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${accountId}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${accountId}:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${name}`;
      case 'AWS::Scheduler::Schedule':
        return `arn:aws:scheduler:${region}:${accountId}:schedule/${this.scheduleGroupName(logicalId)}/${name}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;
      default:
        return `arn:aws:${type.split('::')[1].toLowerCase()}:${region}:${accountId}:${logicalId}`;
    }
  }

  /** The bus a rule is on, by name, whether the template gives a name, an ARN or a Ref. */
  ruleBusName(logicalId: string): string {
    const declared = this.resource(logicalId).Properties?.EventBusName;
    if (declared === undefined) return 'default';
    const resolved = this.asString(this.resolve(declared));
    return resolved.startsWith('arn:') ? (resolved.split('/').pop() ?? resolved) : resolved;
  }

  /** The group a schedule is in; `default` unless GroupName says otherwise. */
  scheduleGroupName(logicalId: string): string {
    const declared = this.resource(logicalId).Properties?.GroupName;
    if (declared === undefined) return 'default';
    const resolved = this.asString(this.resolve(declared));
    return resolved.startsWith('arn:') ? (resolved.split('/').pop() ?? resolved) : resolved;
  }

  /** Path prefix an HTTP API is served under on the local endpoint. */
  httpApiBasePath(logicalId: string): string {
    return this.httpApiBasePaths.get(`${this.stack.stackName}/${logicalId}`) ?? '/api';
  }

  private getAtt(logicalId: string, attribute: string): TemplateValue {
    switch (attribute) {
      case 'ApiEndpoint':
        return `${this.env.endpoint}${this.httpApiBasePath(logicalId)}`;
      case 'ApiId':
      case 'AuthorizerId':
        return this.ref(logicalId);
      case 'Arn':
      case 'TopicArn':
        return this.arn(logicalId);
      case 'Name':
      case 'TopicName':
      case 'QueueName':
        return this.physicalName(logicalId);
      case 'QueueUrl':
        return this.ref(logicalId);
      default:
        throw new Error(`${this.stack.stackName}: Fn::GetAtt ${logicalId}.${attribute} is not supported by the local cloud`);
    }
  }
}

function toStringRecord(value: TemplateValue | undefined): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, typeof item === 'string' ? item : JSON.stringify(item)]));
}

function assetDirectory(assembly: CloudAssembly, stack: AssemblyStack, logicalId: string, resource: TemplateResource): string {
  const declaredPath = resource.Metadata?.['aws:asset:path'];
  const code = resource.Properties?.Code;
  let directory: string | undefined;
  if (typeof declaredPath === 'string') directory = path.join(assembly.directory, declaredPath);
  else if (isRecord(code) && typeof code.S3Key === 'string') directory = path.join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  if (!directory || !fs.existsSync(directory)) {
    throw new Error(`${stack.stackName}/${logicalId}: the function's bundle is not in ${assembly.directory} (inline or container code is not supported locally)`);
  }
  return directory;
}

/**
 * Builds the model of what the local cloud serves from the synthesized templates.
 * Everything is resolved to the names a deployment would use, so code and state
 * machine definitions see the same identifiers locally as in AWS.
 */
export function buildResourceModel(assembly: CloudAssembly, env: LocalEnvironment): ResourceModel {
  const tables: TableSpec[] = [];
  const eventBuses: EventBusSpec[] = [{ name: 'default', arn: `arn:aws:events:${env.region}:${env.accountId}:event-bus/default` }];
  const rules: RuleSpec[] = [];
  const functions: FunctionSpec[] = [];
  const stateMachines: StateMachineSpec[] = [];
  const queues: QueueSpec[] = [];
  const topics: TopicSpec[] = [];
  const notEmulated: NotEmulatedResource[] = [];
  const declared: DeclaredHttpApiParts = { apis: [], routes: [], integrations: [], stages: [], schedules: [] };

  const httpApiBasePaths = mountHttpApis(assembly, env);
  for (const stack of assembly.stacks) {
    const resolver = new IntrinsicResolver(stack, env, httpApiBasePaths);
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      if (!SERVED_TYPES.has(resource.Type)) {
        notEmulated.push({
          stackName: stack.stackName,
          logicalId,
          type: resource.Type,
          reason: NOT_EMULATED_REASONS[resource.Type] ?? 'no local emulation for this resource type',
        });
        continue;
      }
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, TemplateValue>;
      const name = resolver.physicalName(logicalId);
      const arn = resolver.arn(logicalId);
      switch (resource.Type) {
        case 'AWS::DynamoDB::Table': {
          const createTableRequest: Record<string, unknown> = {
            TableName: name,
            KeySchema: props.KeySchema,
            AttributeDefinitions: props.AttributeDefinitions,
            BillingMode: 'PAY_PER_REQUEST',
          };
          if (Array.isArray(props.GlobalSecondaryIndexes)) {
            createTableRequest.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((index) => ({
              ...(index as Record<string, unknown>),
              ProvisionedThroughput: undefined,
            }));
          }
          if (Array.isArray(props.LocalSecondaryIndexes)) createTableRequest.LocalSecondaryIndexes = props.LocalSecondaryIndexes;
          tables.push({ logicalId, name, arn, createTableRequest });
          break;
        }
        case 'AWS::Events::EventBus':
          eventBuses.push({ name, arn });
          break;
        case 'AWS::Events::Rule': {
          const targets = (Array.isArray(props.Targets) ? props.Targets : []).filter(isRecord).map((target): RuleTargetSpec => {
            const transformer = isRecord(target.InputTransformer) ? target.InputTransformer : undefined;
            const retry = isRecord(target.RetryPolicy) ? target.RetryPolicy : {};
            const deadLetter = isRecord(target.DeadLetterConfig) ? target.DeadLetterConfig : {};
            return {
              id: String(target.Id),
              arn: String(target.Arn),
              input: typeof target.Input === 'string' ? target.Input : undefined,
              inputPath: typeof target.InputPath === 'string' ? target.InputPath : undefined,
              inputTransformer: transformer
                ? { inputPathsMap: toStringRecord(transformer.InputPathsMap), inputTemplate: String(transformer.InputTemplate) }
                : undefined,
              deadLetterArn: typeof deadLetter.Arn === 'string' ? deadLetter.Arn : undefined,
              maximumRetryAttempts: typeof retry.MaximumRetryAttempts === 'number' ? retry.MaximumRetryAttempts : 185,
              maximumEventAgeSeconds: typeof retry.MaximumEventAgeInSeconds === 'number' ? retry.MaximumEventAgeInSeconds : 86400,
            };
          });
          if (props.EventPattern === undefined) {
            notEmulated.push({ stackName: stack.stackName, logicalId, type: resource.Type, reason: 'scheduled rules are not served' });
            break;
          }
          rules.push({
            logicalId,
            name,
            arn,
            eventBusName: resolver.ruleBusName(logicalId),
            eventPattern: typeof props.EventPattern === 'string' ? props.EventPattern : JSON.stringify(props.EventPattern),
            enabled: props.State !== 'DISABLED',
            targets,
          });
          break;
        }
        case 'AWS::Lambda::Function': {
          const environment = isRecord(props.Environment) ? toStringRecord(props.Environment.Variables) : {};
          functions.push({
            logicalId,
            name,
            arn,
            handler: String(props.Handler ?? 'index.handler'),
            codeDirectory: assetDirectory(assembly, stack, logicalId, resource),
            runtime: String(props.Runtime ?? 'nodejs22.x'),
            timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
            memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
            environment,
          });
          break;
        }
        case 'AWS::StepFunctions::StateMachine': {
          const definition =
            typeof props.DefinitionString === 'string'
              ? props.DefinitionString
              : props.Definition !== undefined
                ? JSON.stringify(props.Definition)
                : undefined;
          if (definition === undefined) throw new Error(`${stack.stackName}/${logicalId}: state machine has no inline definition`);
          const substitutions = isRecord(props.DefinitionSubstitutions) ? props.DefinitionSubstitutions : {};
          stateMachines.push({
            logicalId,
            name,
            arn,
            type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
            roleArn: String(props.RoleArn ?? ''),
            definition: definition.replace(/\$\{([^}]+)\}/g, (match, key: string) =>
              Object.hasOwn(substitutions, key) ? String(substitutions[key]) : match,
            ),
            loggingConfiguration: stateMachineLogging(props.LoggingConfiguration),
            tracingEnabled: isRecord(props.TracingConfiguration) ? props.TracingConfiguration.Enabled === true : undefined,
          });
          break;
        }
        case 'AWS::SQS::Queue':
          queues.push({ logicalId, name, arn, url: String(resolver.ref(logicalId)) });
          break;
        case 'AWS::SNS::Topic':
          topics.push({ logicalId, name, arn });
          break;
        case 'AWS::ApiGatewayV2::Api':
          declared.apis.push({ stackName: stack.stackName, logicalId, id: String(resolver.ref(logicalId)), name, basePath: resolver.httpApiBasePath(logicalId), props });
          break;
        case 'AWS::ApiGatewayV2::Route':
        case 'AWS::ApiGatewayV2::Integration':
        case 'AWS::ApiGatewayV2::Stage': {
          const part = { stackName: stack.stackName, logicalId, id: String(resolver.ref(logicalId)), name, props };
          if (resource.Type === 'AWS::ApiGatewayV2::Route') declared.routes.push(part);
          else if (resource.Type === 'AWS::ApiGatewayV2::Integration') declared.integrations.push(part);
          else declared.stages.push(part);
          break;
        }
        case 'AWS::Scheduler::Schedule':
          declared.schedules.push({ stackName: stack.stackName, logicalId, id: resolver.scheduleGroupName(logicalId), name, arn, props });
          break;
      }
    }
  }
  const servedArns = new Set([...functions.map((fn) => fn.arn), ...stateMachines.map((machine) => machine.arn), ...queues.map((queue) => queue.arn)]);
  const httpApis = assembleHttpApis(declared, functions, env, notEmulated);
  const schedules = assembleSchedules(declared, servedArns, notEmulated);
  return { environment: env, tables, eventBuses, rules, functions, stateMachines, queues, topics, httpApis, schedules, notEmulated };
}

/** A served resource of the HTTP API or Scheduler family, resolved, before it is put together. */
interface DeclaredPart {
  readonly stackName: string;
  readonly logicalId: string;
  /** The id a Ref resolves to (for a schedule: its group). */
  readonly id: string;
  readonly name: string;
  readonly props: Record<string, TemplateValue>;
}

interface DeclaredHttpApiParts {
  readonly apis: Array<DeclaredPart & { readonly basePath: string }>;
  readonly routes: DeclaredPart[];
  readonly integrations: DeclaredPart[];
  readonly stages: DeclaredPart[];
  readonly schedules: Array<DeclaredPart & { readonly arn: string }>;
}

/**
 * Decides where each HTTP API is served: one API at `/api`, several at `/api/<name>`. Done before
 * anything is resolved, because `Fn::GetAtt Api.ApiEndpoint` anywhere in the assembly depends on it.
 */
function mountHttpApis(assembly: CloudAssembly, env: LocalEnvironment): HttpApiBasePaths {
  const apis: Array<{ key: string; name: string }> = [];
  for (const stack of assembly.stacks) {
    const resolver = new IntrinsicResolver(stack, env);
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      if (resource.Type !== 'AWS::ApiGatewayV2::Api' || resource.Properties?.ProtocolType !== 'HTTP') continue;
      apis.push({ key: `${stack.stackName}/${logicalId}`, name: resolver.physicalName(logicalId) });
    }
  }
  if (apis.length <= 1) return new Map(apis.map(({ key }) => [key, '/api']));
  const byName = new Map<string, string>();
  for (const { key, name } of apis) {
    const other = byName.get(name);
    if (other) throw new Error(`HTTP APIs ${other} and ${key} are both named "${name}"; the local cloud serves several HTTP APIs at /api/<name>, so give them distinct names`);
    byName.set(name, key);
  }
  return new Map(apis.map(({ key, name }) => [key, `/api/${encodeURIComponent(name)}`]));
}

/** The Lambda function ARN in an integration URI: the bare ARN, or the `apigateway:lambda:path` form. */
function lambdaArnOf(integrationUri: string): string | undefined {
  const match = /(arn:aws[\w-]*:lambda:[^:/]+:[^:/]+:function:[^:/]+)(?::[^:/]+)?/.exec(integrationUri);
  return match?.[1];
}

function stringList(value: TemplateValue | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function assembleHttpApis(declared: DeclaredHttpApiParts, functions: readonly FunctionSpec[], env: LocalEnvironment, notEmulated: NotEmulatedResource[]): HttpApiSpec[] {
  const notServed = (part: DeclaredPart, type: string, reason: string): void => {
    notEmulated.push({ stackName: part.stackName, logicalId: part.logicalId, type, reason });
  };
  const integrations = new Map<string, { spec?: HttpIntegrationSpec; reason?: string }>();
  for (const part of declared.integrations) {
    const { props } = part;
    const functionArn = lambdaArnOf(String(props.IntegrationUri ?? ''));
    let reason: string | undefined;
    if (props.IntegrationType !== 'AWS_PROXY' || props.IntegrationSubtype !== undefined || !functionArn) {
      reason = `only Lambda proxy integrations are served locally (this one is ${String(props.IntegrationType)}${props.IntegrationSubtype ? ` ${String(props.IntegrationSubtype)}` : ''})`;
    } else if (String(props.PayloadFormatVersion ?? '1.0') !== '2.0') {
      reason = `payload format ${String(props.PayloadFormatVersion ?? '1.0')} is not served locally; only 2.0 is`;
    } else if (!functions.some((fn) => fn.arn === functionArn)) {
      reason = `function ${functionArn} is not declared in the cloud assembly`;
    }
    if (reason) {
      notServed(part, 'AWS::ApiGatewayV2::Integration', reason);
      integrations.set(part.id, { reason });
      continue;
    }
    const timeoutMs = typeof props.TimeoutInMillis === 'number' ? Math.min(props.TimeoutInMillis, 30_000) : 30_000;
    integrations.set(part.id, { spec: { logicalId: part.logicalId, integrationId: part.id, functionArn: functionArn as string, timeoutMs } });
  }

  const apis: HttpApiSpec[] = [];
  for (const api of declared.apis) {
    if (api.props.ProtocolType !== 'HTTP') {
      notServed(api, 'AWS::ApiGatewayV2::Api', `${String(api.props.ProtocolType)} APIs are not served locally; only HTTP APIs are`);
      continue;
    }
    if (api.props.Body !== undefined || api.props.BodyS3Location !== undefined || api.props.Target !== undefined) {
      notServed(api, 'AWS::ApiGatewayV2::Api', 'APIs defined by an OpenAPI body or quick create are not served locally; declare routes and integrations');
      continue;
    }
    const ofThisApi = (part: DeclaredPart): boolean => String(part.props.ApiId) === api.id;
    const routes = declared.routes.filter(ofThisApi).map((part): HttpRouteSpec => {
      const { props } = part;
      const authorizationType = String(props.AuthorizationType ?? 'NONE');
      const target = typeof props.Target === 'string' ? props.Target : '';
      const integration = integrations.get(target.replace(/^integrations\//, ''));
      let unservedReason: string | undefined;
      if (authorizationType === 'AWS_IAM') unservedReason = 'AWS_IAM authorization is not emulated locally';
      else if (authorizationType === 'CUSTOM') unservedReason = 'Lambda authorizers are not invoked locally';
      else if (authorizationType !== 'NONE' && authorizationType !== 'JWT') unservedReason = `authorization type ${authorizationType} is not served locally`;
      else if (!integration) unservedReason = target ? `target ${target} is not an integration of this API` : 'the route has no target';
      else if (integration.reason) unservedReason = `its integration is not served: ${integration.reason}`;
      if (unservedReason) notServed(part, 'AWS::ApiGatewayV2::Route', `${String(props.RouteKey)}: ${unservedReason}`);
      return {
        logicalId: part.logicalId,
        routeId: part.id,
        routeKey: String(props.RouteKey),
        authorizationType,
        authorizationScopes: stringList(props.AuthorizationScopes),
        integration: integration?.spec,
        unservedReason,
      };
    });
    const stages = declared.stages.filter(ofThisApi);
    apis.push({
      logicalId: api.logicalId,
      stackName: api.stackName,
      apiId: api.id,
      name: api.name,
      basePath: api.basePath,
      endpoint: `${env.endpoint}${api.basePath}`,
      routes,
      stageNames: stages.map((stage) => stage.name),
      accessLogStages: stages.filter((stage) => stage.props.AccessLogSettings !== undefined).map((stage) => stage.name),
      corsConfigured: api.props.CorsConfiguration !== undefined,
    });
  }
  // The parts of an API that is not served (a WebSocket API, say) are listed too, so that every resource shows up once.
  const served = new Set(apis.map((api) => api.apiId));
  const orphans: Array<[DeclaredPart, string]> = [
    ...declared.routes.map((part): [DeclaredPart, string] => [part, 'AWS::ApiGatewayV2::Route']),
    ...declared.integrations.map((part): [DeclaredPart, string] => [part, 'AWS::ApiGatewayV2::Integration']),
    ...declared.stages.map((part): [DeclaredPart, string] => [part, 'AWS::ApiGatewayV2::Stage']),
  ];
  for (const [part, type] of orphans) {
    if (served.has(String(part.props.ApiId))) continue;
    if (notEmulated.some((resource) => resource.stackName === part.stackName && resource.logicalId === part.logicalId)) continue;
    notServed(part, type, `its API ${String(part.props.ApiId)} is not served`);
  }
  return apis;
}

function assembleSchedules(declared: DeclaredHttpApiParts, servedArns: ReadonlySet<string>, notEmulated: NotEmulatedResource[]): ScheduleSpec[] {
  const schedules: ScheduleSpec[] = [];
  for (const part of declared.schedules) {
    const { props } = part;
    const target = isRecord(props.Target) ? props.Target : {};
    const expression = String(props.ScheduleExpression ?? '');
    const timezone = String(props.ScheduleExpressionTimezone ?? 'UTC');
    const targetArn = String(target.Arn ?? '');
    let reason: string | undefined;
    try {
      parseScheduleExpression(expression);
      validateTimezone(timezone);
    } catch (error) {
      reason = (error as Error).message;
    }
    if (!reason && !/^arn:aws[\w-]*:(lambda|states|sqs):/.test(targetArn)) reason = `target ${targetArn}: only Lambda, Step Functions and SQS targets are served locally`;
    else if (!reason && !servedArns.has(targetArn)) reason = `target ${targetArn} is not declared in the cloud assembly`;
    if (reason) {
      notEmulated.push({ stackName: part.stackName, logicalId: part.logicalId, type: 'AWS::Scheduler::Schedule', reason: `${part.name}: ${reason}` });
      continue;
    }
    const date = (value: TemplateValue | undefined): number | undefined => (typeof value === 'string' ? Date.parse(value) : undefined);
    schedules.push({
      logicalId: part.logicalId,
      name: part.name,
      groupName: part.id,
      arn: part.arn,
      expression,
      timezone,
      enabled: props.State !== 'DISABLED',
      startDate: date(props.StartDate),
      endDate: date(props.EndDate),
      target: { arn: targetArn, roleArn: String(target.RoleArn ?? ''), input: typeof target.Input === 'string' ? target.Input : undefined },
    });
  }
  return schedules;
}
