import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AssemblyStack, CloudAssembly, TemplateResource, TemplateValue } from './cloud-assembly';
import {
  type DeclaredHttpApiParts,
  assembleHttpApis,
  assembleSchedules,
  mountHttpApis,
} from './http-apis-and-schedules';
import { IntrinsicResolver, isRecord } from './intrinsic-resolver';
import type {
  EventBusSpec,
  FunctionSpec,
  LocalEnvironment,
  NotEmulatedResource,
  QueueSpec,
  ResourceModel,
  RuleSpec,
  RuleTargetSpec,
  StateMachineLogging,
  StateMachineSpec,
  TableSpec,
  TopicSpec,
} from './resource-specs';

export type * from './resource-specs';

/** Reads a template's LoggingConfiguration (already resolved) into the DescribeStateMachine shape. */
function stateMachineLogging(declared: unknown): StateMachineLogging | undefined {
  if (!isRecord(declared)) return undefined;
  const destinations = Array.isArray(declared.Destinations) ? declared.Destinations : [];
  return {
    level: typeof declared.Level === 'string' ? declared.Level : 'OFF',
    includeExecutionData: declared.IncludeExecutionData === true,
    destinations: destinations.flatMap((destination) => {
      const group =
        isRecord(destination) && isRecord(destination.CloudWatchLogsLogGroup)
          ? destination.CloudWatchLogsLogGroup.LogGroupArn
          : undefined;
      return typeof group === 'string' ? [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] : [];
    }),
  };
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
  'AWS::Lambda::EventInvokeConfig':
    "a failed asynchronous invocation is retried by the bus and then dead-lettered to the rule target's queue",
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

function toStringRecord(value: TemplateValue | undefined): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, typeof item === 'string' ? item : JSON.stringify(item)]),
  );
}

function assetDirectory(
  assembly: CloudAssembly,
  stack: AssemblyStack,
  logicalId: string,
  resource: TemplateResource,
): string {
  const declaredPath = resource.Metadata?.['aws:asset:path'];
  const code = resource.Properties?.Code;
  let directory: string | undefined;
  if (typeof declaredPath === 'string') directory = path.join(assembly.directory, declaredPath);
  else if (isRecord(code) && typeof code.S3Key === 'string')
    directory = path.join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  if (!directory || !fs.existsSync(directory)) {
    throw new Error(
      `${stack.stackName}/${logicalId}: the function's bundle is not in ${assembly.directory} (inline or container code is not supported locally)`,
    );
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
  const eventBuses: EventBusSpec[] = [
    { name: 'default', arn: `arn:aws:events:${env.region}:${env.accountId}:event-bus/default` },
  ];
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
          if (Array.isArray(props.LocalSecondaryIndexes))
            createTableRequest.LocalSecondaryIndexes = props.LocalSecondaryIndexes;
          tables.push({ logicalId, name, arn, createTableRequest });
          break;
        }
        case 'AWS::Events::EventBus':
          eventBuses.push({ name, arn });
          break;
        case 'AWS::Events::Rule': {
          const targets = (Array.isArray(props.Targets) ? props.Targets : [])
            .filter(isRecord)
            .map((target): RuleTargetSpec => {
              const transformer = isRecord(target.InputTransformer) ? target.InputTransformer : undefined;
              const retry = isRecord(target.RetryPolicy) ? target.RetryPolicy : {};
              const deadLetter = isRecord(target.DeadLetterConfig) ? target.DeadLetterConfig : {};
              return {
                id: String(target.Id),
                arn: String(target.Arn),
                input: typeof target.Input === 'string' ? target.Input : undefined,
                inputPath: typeof target.InputPath === 'string' ? target.InputPath : undefined,
                inputTransformer: transformer
                  ? {
                      inputPathsMap: toStringRecord(transformer.InputPathsMap),
                      inputTemplate: String(transformer.InputTemplate),
                    }
                  : undefined,
                deadLetterArn: typeof deadLetter.Arn === 'string' ? deadLetter.Arn : undefined,
                maximumRetryAttempts: typeof retry.MaximumRetryAttempts === 'number' ? retry.MaximumRetryAttempts : 185,
                maximumEventAgeSeconds:
                  typeof retry.MaximumEventAgeInSeconds === 'number' ? retry.MaximumEventAgeInSeconds : 86400,
              };
            });
          if (props.EventPattern === undefined) {
            notEmulated.push({
              stackName: stack.stackName,
              logicalId,
              type: resource.Type,
              reason: 'scheduled rules are not served',
            });
            break;
          }
          rules.push({
            logicalId,
            name,
            arn,
            eventBusName: resolver.ruleBusName(logicalId),
            eventPattern:
              typeof props.EventPattern === 'string' ? props.EventPattern : JSON.stringify(props.EventPattern),
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
          if (definition === undefined)
            throw new Error(`${stack.stackName}/${logicalId}: state machine has no inline definition`);
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
            tracingEnabled: isRecord(props.TracingConfiguration)
              ? props.TracingConfiguration.Enabled === true
              : undefined,
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
          declared.apis.push({
            stackName: stack.stackName,
            logicalId,
            id: String(resolver.ref(logicalId)),
            name,
            basePath: resolver.httpApiBasePath(logicalId),
            props,
          });
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
          declared.schedules.push({
            stackName: stack.stackName,
            logicalId,
            id: resolver.scheduleGroupName(logicalId),
            name,
            arn,
            props,
          });
          break;
      }
    }
  }
  const servedArns = new Set([
    ...functions.map((fn) => fn.arn),
    ...stateMachines.map((machine) => machine.arn),
    ...queues.map((queue) => queue.arn),
  ]);
  const httpApis = assembleHttpApis(declared, functions, env, notEmulated);
  const schedules = assembleSchedules(declared, servedArns, notEmulated);
  return {
    environment: env,
    tables,
    eventBuses,
    rules,
    functions,
    stateMachines,
    queues,
    topics,
    httpApis,
    schedules,
    notEmulated,
  };
}
