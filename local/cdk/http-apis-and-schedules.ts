/* HTTP APIs and Scheduler schedules of the resource model: where APIs are mounted, and how routes, integrations, stages and schedules are put together. */

import { parseScheduleExpression, validateTimezone } from '../scheduler/schedule-expression';
import type { CloudAssembly, TemplateValue } from './cloud-assembly';
import { type HttpApiBasePaths, IntrinsicResolver, isRecord } from './intrinsic-resolver';
import type {
  FunctionSpec,
  HttpApiSpec,
  HttpIntegrationSpec,
  HttpRouteSpec,
  LocalEnvironment,
  NotEmulatedResource,
  ScheduleSpec,
} from './resource-specs';

/** A served resource of the HTTP API or Scheduler family, resolved, before it is put together. */
export interface DeclaredPart {
  readonly stackName: string;
  readonly logicalId: string;
  /** The id a Ref resolves to (for a schedule: its group). */
  readonly id: string;
  readonly name: string;
  readonly props: Record<string, TemplateValue>;
}

export interface DeclaredHttpApiParts {
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
export function mountHttpApis(assembly: CloudAssembly, env: LocalEnvironment): HttpApiBasePaths {
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
    if (other)
      throw new Error(
        `HTTP APIs ${other} and ${key} are both named "${name}"; the local cloud serves several HTTP APIs at /api/<name>, so give them distinct names`,
      );
    byName.set(name, key);
  }
  return new Map(apis.map(({ key, name }) => [key, `/api/${encodeURIComponent(name)}`]));
}

/** The Lambda function ARN in an integration URI: the bare ARN, or the `apigateway:lambda:path` form. */
export function lambdaArnOf(integrationUri: string): string | undefined {
  const match = /(arn:aws[\w-]*:lambda:[^:/]+:[^:/]+:function:[^:/]+)(?::[^:/]+)?/.exec(integrationUri);
  return match?.[1];
}

export function stringList(value: TemplateValue | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export function assembleHttpApis(
  declared: DeclaredHttpApiParts,
  functions: readonly FunctionSpec[],
  env: LocalEnvironment,
  notEmulated: NotEmulatedResource[],
): HttpApiSpec[] {
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
    integrations.set(part.id, {
      spec: { logicalId: part.logicalId, integrationId: part.id, functionArn: functionArn as string, timeoutMs },
    });
  }

  const apis: HttpApiSpec[] = [];
  for (const api of declared.apis) {
    if (api.props.ProtocolType !== 'HTTP') {
      notServed(
        api,
        'AWS::ApiGatewayV2::Api',
        `${String(api.props.ProtocolType)} APIs are not served locally; only HTTP APIs are`,
      );
      continue;
    }
    if (api.props.Body !== undefined || api.props.BodyS3Location !== undefined || api.props.Target !== undefined) {
      notServed(
        api,
        'AWS::ApiGatewayV2::Api',
        'APIs defined by an OpenAPI body or quick create are not served locally; declare routes and integrations',
      );
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
      else if (authorizationType !== 'NONE' && authorizationType !== 'JWT')
        unservedReason = `authorization type ${authorizationType} is not served locally`;
      else if (!integration)
        unservedReason = target ? `target ${target} is not an integration of this API` : 'the route has no target';
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
    if (notEmulated.some((resource) => resource.stackName === part.stackName && resource.logicalId === part.logicalId))
      continue;
    notServed(part, type, `its API ${String(part.props.ApiId)} is not served`);
  }
  return apis;
}

export function assembleSchedules(
  declared: DeclaredHttpApiParts,
  servedArns: ReadonlySet<string>,
  notEmulated: NotEmulatedResource[],
): ScheduleSpec[] {
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
    if (!reason && !/^arn:aws[\w-]*:(lambda|states|sqs):/.test(targetArn))
      reason = `target ${targetArn}: only Lambda, Step Functions and SQS targets are served locally`;
    else if (!reason && !servedArns.has(targetArn))
      reason = `target ${targetArn} is not declared in the cloud assembly`;
    if (reason) {
      notEmulated.push({
        stackName: part.stackName,
        logicalId: part.logicalId,
        type: 'AWS::Scheduler::Schedule',
        reason: `${part.name}: ${reason}`,
      });
      continue;
    }
    const date = (value: TemplateValue | undefined): number | undefined =>
      typeof value === 'string' ? Date.parse(value) : undefined;
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
      target: {
        arn: targetArn,
        roleArn: String(target.RoleArn ?? ''),
        input: typeof target.Input === 'string' ? target.Input : undefined,
      },
    });
  }
  return schedules;
}
