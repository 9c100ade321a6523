/* The CloudFormation intrinsic-function resolver of the resource model. */

import { createHash } from 'node:crypto';
import type { AssemblyStack, TemplateResource, TemplateValue } from './cloud-assembly';
import type { LocalEnvironment } from './resource-specs';

/** Where the HTTP APIs are mounted on the local endpoint, by `<stackName>/<logicalId>`. */
export type HttpApiBasePaths = ReadonlyMap<string, string>;

/**
 * A stable stand-in for an identifier AWS generates at deploy time (API, route and integration
 * ids), so a Ref to one resolves to the same value on every start.
 */
export function generatedId(stackName: string, logicalId: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest();
  return Array.from(digest.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Stands for `Ref: AWS::NoValue` until the enclosing object or list drops it, as CloudFormation does. */
export const NO_VALUE = '\u0000psflow:no-value\u0000';

export function isRecord(value: unknown): value is Record<string, TemplateValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves CloudFormation intrinsic functions the way a deployment would, with local names. */
export class IntrinsicResolver {
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
            throw new Error(
              `${this.stack.stackName}: Fn::Select index ${position} is out of range for a list of ${items.length}`,
            );
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
          if (fn.startsWith('Fn::'))
            throw new Error(`${this.stack.stackName}: intrinsic ${fn} is not supported by the local cloud`);
      }
    }
    return Object.fromEntries(
      keys.map((key) => [key, this.resolve(value[key])]).filter(([, item]) => item !== NO_VALUE),
    );
  }

  private asString(value: TemplateValue): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`${this.stack.stackName}: expected a string, got ${JSON.stringify(value)}`);
  }

  private sub(arg: TemplateValue): string {
    const [template, variables] = Array.isArray(arg)
      ? (arg as [string, Record<string, TemplateValue>])
      : [String(arg), {}];
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
        throw new Error(
          `${this.stack.stackName}: Fn::GetAtt ${logicalId}.${attribute} is not supported by the local cloud`,
        );
    }
  }
}
