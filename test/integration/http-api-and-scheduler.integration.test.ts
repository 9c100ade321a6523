import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { TemplateValue } from '../../local/cdk/cloud-assembly';
import {
  clientConfig,
  cloudAssemblyVariant,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * Serves a copy of cdk.out with an HTTP API and Scheduler schedules added, in front of a small
 * echo function written into the copy, so the exact payload 2.0 event can be asserted.
 */
const CDK_OUT = path.resolve(__dirname, '..', '..', 'cdk.out');
const TEMPLATE = 'psflow-dev.template.json';
const ECHO_FUNCTION = 'psflow-dev-http-echo';
const API_NAME = 'psflow-dev-http';
const SCHEDULE_NAME = 'psflow-dev-echo-every-minute';
const PROBE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-diagnostics-probe';
const ISO_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Echoes its event: as a proxy response by default, inferred for /plain, as an error for /fail. */
const ECHO_HANDLER = `
exports.handler = async (event) => {
  console.log(JSON.stringify({ echo: event }));
  const rawPath = event.rawPath || '';
  if (rawPath === '/fail') throw Object.assign(new Error('asked to fail'), { name: 'EchoFailure' });
  if (rawPath === '/plain') return { inferred: true, rawPath };
  const status = /^\\/status\\/(\\d+)$/.exec(rawPath);
  return {
    statusCode: status ? Number(status[1]) : 200,
    headers: { 'content-type': 'application/json', 'x-api-url': process.env.API_URL },
    cookies: ['session=abc; HttpOnly', 'theme=dark'],
    body: JSON.stringify(event),
  };
};
`;

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, TemplateValue>; Metadata?: Record<string, TemplateValue> }
>;

function logicalIdOf(resources: Resources, type: string, name?: string): string {
  const found = Object.keys(resources).find(
    (logicalId) =>
      resources[logicalId].Type === type &&
      (name === undefined || resources[logicalId].Properties.FunctionName === name),
  );
  if (!found) throw new Error(`no ${type} ${name ?? ''} in ${TEMPLATE}`);
  return found;
}

/**
 * A fresh copy of cdk.out (others may resynthesize it) with the echo function, the API and the
 * schedules, and the path the echo API is served under: `/api` when it is the only HTTP API,
 * `/api/<name>` when the app declares one of its own.
 */
function variantOfCdkOut(): { cdkOut: string; basePath: string } {
  const directory = cloudAssemblyVariant(CDK_OUT, 'cdk-out-http');
  fs.mkdirSync(path.join(directory, 'asset.http-echo'));
  fs.writeFileSync(path.join(directory, 'asset.http-echo', 'index.js'), ECHO_HANDLER);
  const templatePath = path.join(directory, TEMPLATE);
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources: Resources };
  const resources = template.Resources;
  const appHasHttpApi = Object.values(resources).some(
    (resource) => resource.Type === 'AWS::ApiGatewayV2::Api' && resource.Properties.ProtocolType === 'HTTP',
  );
  const machine = logicalIdOf(resources, 'AWS::StepFunctions::StateMachine');
  const apiId = { Ref: 'EchoApi' };
  const target = { 'Fn::Join': ['', ['integrations/', { Ref: 'EchoIntegration' }]] };
  const route = (
    routeKey: string,
    authorization: Record<string, TemplateValue> = { AuthorizationType: 'NONE' },
  ): Resources[string] => ({
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: { ApiId: apiId, RouteKey: routeKey, Target: target, ...authorization },
  });
  Object.assign(resources, {
    EchoFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: ECHO_FUNCTION,
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Timeout: 5,
        Code: { S3Bucket: 'cdk-assets', S3Key: 'http-echo.zip' },
        Environment: { Variables: { API_URL: { 'Fn::GetAtt': ['EchoApi', 'ApiEndpoint'] } } },
      },
      Metadata: { 'aws:asset:path': 'asset.http-echo' },
    },
    EchoApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: API_NAME, ProtocolType: 'HTTP' } },
    EchoStage: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: {
        ApiId: apiId,
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:api',
          Format: '$context.requestId',
        },
      },
    },
    EchoIntegration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: apiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': ['EchoFunction', 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    EchoAuthorizer: {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: apiId,
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: ['psflow'],
          Issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example',
        },
        Name: 'psflow-jwt',
      },
    },
    DecisionRoute: route('POST /tasks/{taskId}/decision', {
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: 'EchoAuthorizer' },
    }),
    PublicRoute: route('GET /public/{proxy+}'),
    StatusRoute: route('ANY /status/{code}'),
    PlainRoute: route('GET /plain'),
    FailRoute: route('GET /fail'),
    IamRoute: route('GET /iam', { AuthorizationType: 'AWS_IAM' }),
    EchoSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: SCHEDULE_NAME,
        ScheduleExpression: 'rate(1 minute)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': ['EchoFunction', 'Arn'] },
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          Input: JSON.stringify({
            source: 'schedule',
            scheduledTime: '<aws.scheduler.scheduled-time>',
            scheduleArn: '<aws.scheduler.schedule-arn>',
            executionId: '<aws.scheduler.execution-id>',
            attempt: '<aws.scheduler.attempt-number>',
          }),
        },
      },
    },
    ProbeSchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'psflow-dev-probe-every-5-minutes',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { Ref: machine },
          RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
          Input:
            '{"id": "<aws.scheduler.execution-id>", "detail": {"probeId": "scheduled-<aws.scheduler.execution-id>", "requestedAt": "<aws.scheduler.scheduled-time>", "requestedBy": "scheduler"}}',
        },
      },
    },
    NightlySchedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'psflow-dev-nightly',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'DISABLED',
        Target: { Arn: { 'Fn::GetAtt': ['EchoFunction', 'Arn'] }, RoleArn: 'arn:aws:iam::000000000000:role/scheduler' },
      },
    },
  });
  fs.writeFileSync(templatePath, JSON.stringify(template));
  return { cdkOut: directory, basePath: appHasHttpApi ? `/api/${API_NAME}` : '/api' };
}

/** An unsigned JWT: the local cloud decodes the claims without verifying anything. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'local' })}.${part(claims)}.${Buffer.from('not-a-signature').toString('base64url')}`;
}

interface EchoedEvent {
  readonly version: string;
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly requestContext: Record<string, unknown> & {
    readonly requestId: string;
    readonly authorizer?: unknown;
    readonly http: Record<string, unknown>;
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** Lines the echo function logged, parsed. */
function loggedEvents(dataDirectory: string): Array<Record<string, unknown>> {
  const file = path.join(dataDirectory, 'logs', `${ECHO_FUNCTION}.log`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"echo":'))
    .map((line) => (JSON.parse(line) as { echo: Record<string, unknown> }).echo);
}

function jsonLines(file: string): Array<Record<string, unknown>> {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('an HTTP API and Scheduler schedules in the cloud assembly', () => {
  let cloud: LocalCloudProcess;
  let sfn: SFNClient;
  let cdkOut: string;
  let dataDirectory: string;
  let basePath: string;
  let api: string;

  beforeAll(async () => {
    const variant = variantOfCdkOut();
    cdkOut = variant.cdkOut;
    basePath = variant.basePath;
    dataDirectory = temporaryDataDirectory('http-api');
    cloud = await startLocalCloud(dataDirectory, ['--cdk-out', cdkOut, '--no-seed', '--schedule-interval', '1']);
    sfn = new SFNClient(clientConfig(cloud.url));
    api = `${cloud.url}${basePath}`;
  });

  afterAll(async () => {
    sfn?.destroy();
    await cloud?.stop();
    for (const directory of [cdkOut, dataDirectory])
      if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('lists the API, its development identity, the schedules and what it does not emulate', () => {
    // Assess
    const output = cloud.output();
    expect(output).toMatch(
      new RegExp(
        `http api\\s+${API_NAME} at http://127\\.0\\.0\\.1:\\d+${basePath} \\(6 routes, 1 not served \\(see below\\)\\)`,
      ),
    );
    expect(output).toContain(
      'JWT routes take the development identity: X-Psflow-User: <name>, or a Bearer token decoded without verification',
    );
    expect(output).toContain(
      `access log ${path.join(cloud.dataDirectory, 'logs', 'api-access.log')} (the stage's AccessLogSettings format is not applied)`,
    );
    expect(output).toMatch(
      new RegExp(`schedules\\s+.*${SCHEDULE_NAME} rate\\(1 minute\\) every 1 s \\(--schedule-interval\\)`),
    );
    expect(output).toContain('psflow-dev-nightly cron(0 2 * * ? *) (disabled)');
    expect(output).toMatch(
      /AWS::ApiGatewayV2::Authorizer x\d+: JWT signatures, issuer, audience, expiry and scopes are not verified locally/,
    );
    expect(output).toContain('AWS::ApiGatewayV2::Route x1: GET /iam: AWS_IAM authorization is not emulated locally');
  });

  it('answers 401 on a JWT route without an identity, without invoking the function', async () => {
    // Act
    const anonymous = await fetch(`${api}/tasks/t-1/decision`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    const garbled = await fetch(`${api}/tasks/t-1/decision`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: 'Bearer not-a-jwt' },
    });
    const requestIds = [anonymous.headers.get('apigw-requestid'), garbled.headers.get('apigw-requestid')];

    // Assess
    expect([anonymous.status, garbled.status]).toEqual([401, 401]);
    expect(await anonymous.json()).toEqual({ message: 'Unauthorized' });
    expect(await garbled.json()).toEqual({ message: 'Unauthorized' });
    expect(requestIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    const invoked = loggedEvents(cloud.dataDirectory).map(
      (event) => (event.requestContext as { requestId?: string } | undefined)?.requestId,
    );
    expect(invoked).not.toContain(requestIds[0]);
    expect(invoked).not.toContain(requestIds[1]);
  });

  it('hands a JWT route the X-Psflow-User identity, path parameters and body in payload format 2.0', async () => {
    // Prepare
    const taskId = `task ${randomUUID()}`;
    const body = JSON.stringify({ decision: 'approve' });

    // Act
    const response = await fetch(`${api}/tasks/${encodeURIComponent(taskId)}/decision`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-psflow-user': 'alice',
        'X-Custom': 'one',
        'user-agent': 'psflow-test',
      },
    });
    const event = (await response.json()) as EchoedEvent;

    // Assess
    expect(response.status).toBe(200);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /tasks/{taskId}/decision',
      rawPath: `/tasks/${encodeURIComponent(taskId)}/decision`,
      rawQueryString: '',
      pathParameters: { taskId },
      body,
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-custom': 'one',
      'x-psflow-user': 'alice',
      'x-forwarded-proto': 'http',
    });
    expect(event.requestContext).toEqual({
      accountId: '000000000000',
      apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
      authorizer: { jwt: { claims: { sub: 'alice', username: 'alice' }, scopes: null } },
      domainName: new URL(cloud.url).host,
      domainPrefix: expect.stringMatching(/^[a-z0-9]{10}$/),
      http: {
        method: 'POST',
        path: `/tasks/${encodeURIComponent(taskId)}/decision`,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'psflow-test',
      },
      requestId: response.headers.get('apigw-requestid'),
      routeKey: 'POST /tasks/{taskId}/decision',
      stage: '$default',
      time: expect.stringMatching(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
      timeEpoch: expect.any(Number),
    });
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
  });

  it('takes the claims of a Bearer token without verifying it, as API Gateway renders them', async () => {
    // Prepare
    const token = unsignedJwt({
      sub: 'bob',
      'cognito:groups': ['approvers', 'finance'],
      exp: 1900000000,
      email_verified: true,
    });

    // Act
    const response = await fetch(`${api}/tasks/t-2/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const event = (await response.json()) as EchoedEvent;

    // Assess
    expect(response.status).toBe(200);
    expect(event.requestContext.authorizer).toEqual({
      jwt: {
        claims: { sub: 'bob', 'cognito:groups': '[approvers finance]', exp: '1900000000', email_verified: 'true' },
        scopes: null,
      },
    });
    expect(event).not.toHaveProperty('body');
  });

  it('decodes a greedy path parameter and joins repeated query parameters, without authorizer context on a NONE route', async () => {
    // Act
    const response = await fetch(`${api}/public/reports/q%203/summary?region=emea&region=apac&name=caf%C3%A9&flag`, {
      headers: { cookie: 'a=1; b=2', 'x-psflow-user': 'carol' },
    });
    const event = (await response.json()) as EchoedEvent;

    // Assess
    expect(event.routeKey).toBe('GET /public/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'reports/q 3/summary' });
    expect(event.rawQueryString).toBe('region=emea&region=apac&name=caf%C3%A9&flag');
    expect(event.queryStringParameters).toEqual({ region: 'emea,apac', name: 'café', flag: '' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('maps a proxy response: status, headers, cookies, and the API endpoint the template resolved', async () => {
    // Act
    const response = await fetch(`${api}/status/201`, {
      method: 'PUT',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    const event = (await response.json()) as EchoedEvent;

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-api-url')).toBe(api);
    expect(response.headers.getSetCookie()).toEqual(['session=abc; HttpOnly', 'theme=dark']);
    expect(response.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(event).toMatchObject({
      routeKey: 'ANY /status/{code}',
      pathParameters: { code: '201' },
      body: 'hello',
      isBase64Encoded: false,
    });
  });

  it('base64-encodes a binary body', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);

    // Act
    const response = await fetch(`${api}/status/200`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const event = (await response.json()) as EchoedEvent;

    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('infers a 200 JSON response from a result without statusCode', async () => {
    // Act
    const response = await fetch(`${api}/plain`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ inferred: true, rawPath: '/plain' });
  });

  it('answers 404 when no route matches, 500 when the function throws or the route is not served, 413 above 10 MB', async () => {
    // Act
    const missing = await fetch(`${api}/nowhere`);
    const wrongMethod = await fetch(`${api}/plain`, { method: 'DELETE' });
    const failing = await fetch(`${api}/fail`);
    const unserved = await fetch(`${api}/iam`);
    const tooLarge = await fetch(`${api}/status/200`, {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1, 97),
      headers: { 'content-type': 'text/plain' },
    });

    // Assess
    expect([missing.status, wrongMethod.status, failing.status, unserved.status, tooLarge.status]).toEqual([
      404, 404, 500, 500, 413,
    ]);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
    expect(await wrongMethod.json()).toEqual({ message: 'Not Found' });
    expect(await failing.json()).toEqual({ message: 'Internal Server Error' });
    expect(await unserved.json()).toEqual({ message: 'Internal Server Error' });
    expect(await tooLarge.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(missing.headers.get('apigw-requestid')).toBeTruthy();
  });

  it('appends one access log line per request', async () => {
    // Prepare
    const accessLog = path.join(cloud.dataDirectory, 'logs', 'api-access.log');

    // Act
    const response = await fetch(`${api}/tasks/t-3/decision`, { method: 'POST', headers: { 'x-psflow-user': 'dave' } });
    const requestId = response.headers.get('apigw-requestid');
    const line = await eventually(
      async () => jsonLines(accessLog).find((record) => record.requestId === requestId),
      10_000,
      'the access log line',
    );

    // Assess
    expect(line).toEqual({
      requestId,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      api: API_NAME,
      method: 'POST',
      path: `${basePath}/tasks/t-3/decision`,
      routeKey: 'POST /tasks/{taskId}/decision',
      status: 200,
      latencyMs: expect.any(Number),
      user: 'dave',
    });
  });

  it('fires a rate() schedule at the --schedule-interval with the context attributes substituted', async () => {
    // Prepare
    const startedAt = Date.now();

    // Act
    const fired = await eventually(
      async () =>
        loggedEvents(cloud.dataDirectory).find(
          (event) => event.source === 'schedule' && Date.parse(String(event.scheduledTime)) >= startedAt - 1000,
        ),
      15_000,
      'a scheduled invocation',
    );
    const schedulerLog = await eventually(
      async () =>
        jsonLines(path.join(cloud.dataDirectory, 'logs', 'scheduler.log')).find(
          (record) => record.executionId === fired.executionId && record.outcome === 'delivered',
        ),
      10_000,
      'the scheduler log line',
    );

    // Assess
    expect(fired).toEqual({
      source: 'schedule',
      scheduledTime: expect.stringMatching(ISO_SECOND),
      scheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${SCHEDULE_NAME}`,
      executionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      attempt: '1',
    });
    expect(Math.abs(Date.parse(String(fired.scheduledTime)) - Date.now())).toBeLessThan(15_000);
    expect(schedulerLog).toMatchObject({
      schedule: SCHEDULE_NAME,
      scheduledTime: fired.scheduledTime,
      target: `arn:aws:lambda:us-east-1:000000000000:function:${ECHO_FUNCTION}`,
    });
  });

  it('starts a state machine from a schedule under a unique execution name', async () => {
    // Act
    const execution = await eventually(
      async () => {
        const { executions = [] } = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: PROBE_MACHINE_ARN, maxResults: 1000 }),
        );
        const candidates = await Promise.all(
          executions.map((item) => sfn.send(new DescribeExecutionCommand({ executionArn: item.executionArn }))),
        );
        return candidates.find(
          (candidate) =>
            (JSON.parse(candidate.input ?? '{}') as { detail?: { requestedBy?: string } }).detail?.requestedBy ===
            'scheduler',
        );
      },
      15_000,
      'a scheduled execution',
    );

    // Assess
    const input = JSON.parse(execution.input ?? '{}') as {
      id: string;
      detail: { probeId: string; requestedAt: string };
    };
    expect(execution.name).toBe(input.id);
    expect(execution.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(input.detail.probeId).toBe(`scheduled-${input.id}`);
    expect(input.detail.requestedAt).toMatch(ISO_SECOND);
  });
});
