import * as fs from 'node:fs';
import * as path from 'node:path';
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
}

/** An SQS queue (served so that dead letters can be read like in AWS). */
export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
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
};

const SERVED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
  'AWS::SQS::Queue',
]);

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
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::IAM::Role': 'RoleName',
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
        return this.arn(name);
      case 'AWS::SQS::Queue':
        return `${this.env.endpoint}/${this.env.accountId}/${this.physicalName(name)}`;
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
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${name}`;
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

  private getAtt(logicalId: string, attribute: string): TemplateValue {
    switch (attribute) {
      case 'Arn':
        return this.arn(logicalId);
      case 'Name':
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
  const notEmulated: NotEmulatedResource[] = [];

  for (const stack of assembly.stacks) {
    const resolver = new IntrinsicResolver(stack, env);
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
          });
          break;
        }
        case 'AWS::SQS::Queue':
          queues.push({ logicalId, name, arn, url: String(resolver.ref(logicalId)) });
          break;
      }
    }
  }
  return { environment: env, tables, eventBuses, rules, functions, stateMachines, queues, notEmulated };
}
