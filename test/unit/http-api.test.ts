import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildEventV2,
  compileRouteKey,
  developmentIdentity,
  isTextContentType,
  mapResponseV2,
  queryStringParameters,
  type RequestFacts,
  requestTime,
  RouteTable,
} from '../../local/apigateway/http-api';
import { HttpApiService } from '../../local/apigateway/http-api-service';
import { readCloudAssembly, type TemplateResource, type TemplateValue } from '../../local/cdk/cloud-assembly';
import {
  buildResourceModel,
  type HttpApiSpec,
  type HttpRouteSpec,
  type ResourceModel,
} from '../../local/cdk/resource-model';
import type { InvocationOutcome } from '../../local/lambda/lambda-service';

function routes(...routeKeys: string[]): RouteTable<{ routeKey: string }> {
  return new RouteTable(routeKeys.map((routeKey) => ({ routeKey })));
}

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('RouteTable', () => {
  const table = routes(
    'GET /tasks/open',
    'GET /tasks/{taskId}',
    'GET /tasks/{proxy+}',
    'ANY /{proxy+}',
    'ANY /tasks/{taskId}/decision',
    'POST /tasks/{taskId}/decision',
    'GET /',
  );

  it.each([
    ['GET', '/tasks/open', 'GET /tasks/open'],
    ['GET', '/tasks/t-1', 'GET /tasks/{taskId}'],
    ['GET', '/tasks/t-1/history', 'GET /tasks/{proxy+}'],
    ['GET', '/projects/p-1', 'ANY /{proxy+}'],
    ['POST', '/tasks/t-1/decision', 'POST /tasks/{taskId}/decision'],
    ['PUT', '/tasks/t-1/decision', 'ANY /tasks/{taskId}/decision'],
    ['GET', '/', 'GET /'],
  ])('routes %s %s to the most specific route, %s', (method, rawPath, expected) => {
    // Act
    const match = table.match(method, rawPath);

    // Assess
    expect(match?.route.routeKey).toBe(expected);
  });

  it('decodes path parameters and gives a greedy parameter the rest of the path', () => {
    // Act
    const single = table.match('GET', '/tasks/caf%C3%A9%20au%20lait');
    const greedy = table.match('GET', '/tasks/a%2Fb/c%20d');

    // Assess
    expect(single?.pathParameters).toEqual({ taskId: 'café au lait' });
    expect(greedy?.pathParameters).toEqual({ proxy: 'a/b/c d' });
  });

  it('matches no route for a wrong method, an empty segment or a greedy parameter with nothing to take', () => {
    // Prepare
    const narrow = routes('GET /tasks/{taskId}', 'POST /tasks/{proxy+}');

    // Act
    const outcomes = [
      narrow.match('DELETE', '/tasks/t-1'),
      narrow.match('GET', '/tasks/'),
      narrow.match('GET', '/tasks/t-1/extra'),
      narrow.match('POST', '/tasks'),
      narrow.match('POST', '/tasks/'),
    ];

    // Assess
    expect(outcomes).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('falls back to $default only when no other route matches, without path parameters', () => {
    // Prepare
    const withDefault = routes('$default', 'GET /health');

    // Act
    const health = withDefault.match('GET', '/health');
    const other = withDefault.match('POST', '/anything/else');

    // Assess
    expect(health?.route.routeKey).toBe('GET /health');
    expect(other).toEqual({ route: { routeKey: '$default' } });
  });

  it('refuses a route key with a greedy parameter before the last segment, or no method', () => {
    // Act
    const notLast = (): unknown => compileRouteKey('GET /{proxy+}/tail');
    const noMethod = (): unknown => compileRouteKey('/tasks');

    // Assess
    expect(notLast).toThrow('a greedy {proxy+} must be the last segment');
    expect(noMethod).toThrow('is not "$default" or "METHOD /path"');
  });
});

describe('developmentIdentity', () => {
  it('takes the caller from X-Psflow-User', () => {
    // Act
    const identity = developmentIdentity({ 'x-psflow-user': 'alice' });

    // Assess
    expect(identity).toEqual({ claims: { sub: 'alice', username: 'alice' }, scopes: null });
  });

  it('decodes the claims of a Bearer token without verification, rendering every value as API Gateway does', () => {
    // Prepare
    const token = jwt({
      sub: 'bob',
      exp: 1900000000,
      email_verified: true,
      'cognito:groups': ['a', 'b'],
      address: { city: 'Oslo' },
    });

    // Act
    const identity = developmentIdentity({ authorization: `Bearer ${token}`, 'x-psflow-user': 'ignored' });

    // Assess
    expect(identity).toEqual({
      claims: {
        sub: 'bob',
        exp: '1900000000',
        email_verified: 'true',
        'cognito:groups': '[a b]',
        address: '{"city":"Oslo"}',
      },
      scopes: null,
    });
  });

  it('reports the token scopes only on a route that asks for scopes', () => {
    // Prepare
    const token = jwt({ sub: 'bob', scope: 'tasks/read tasks/write' });

    // Act
    const scoped = developmentIdentity({ authorization: token }, ['tasks/write']);
    const unscoped = developmentIdentity({ authorization: token });

    // Assess
    expect(scoped?.scopes).toEqual(['tasks/read', 'tasks/write']);
    expect(unscoped?.scopes).toBeNull();
  });

  it('finds no caller without either header or with an undecodable token', () => {
    // Act
    const outcomes = [
      developmentIdentity({}),
      developmentIdentity({ 'x-psflow-user': '  ' }),
      developmentIdentity({ authorization: 'Bearer not.a-jwt' }),
      developmentIdentity({ authorization: `Bearer a.${Buffer.from('[1,2]').toString('base64url')}.c` }),
      developmentIdentity({ authorization: 'Basic dXNlcjpwYXNz', 'x-psflow-user': 'alice' }),
    ];

    // Assess
    expect(outcomes).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('buildEventV2', () => {
  const facts: RequestFacts = {
    method: 'POST',
    rawPath: '/tasks/t%201/decision',
    rawQueryString: 'a=1&a=2&b=%C3%A9',
    headers: {
      host: ['127.0.0.1:4566'],
      'content-type': ['application/json'],
      'x-multi': ['one', 'two'],
      cookie: ['s=1; t=2', 'u=3'],
      'user-agent': ['curl/8'],
    },
    body: Buffer.from('{"decision":"approve"}'),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    requestId: 'Abc123DefGhiJ=',
    timeEpoch: Date.UTC(2026, 2, 12, 19, 3, 58, 390),
  };

  it('builds every payload format 2.0 field, with the authorizer context of a JWT route', () => {
    // Act
    const event = buildEventV2(facts, {
      accountId: '000000000000',
      apiId: 'abcdefghij',
      routeKey: 'POST /tasks/{taskId}/decision',
      pathParameters: { taskId: 't 1' },
      identity: { claims: { sub: 'alice', username: 'alice' }, scopes: null },
    });

    // Assess
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /tasks/{taskId}/decision',
      rawPath: '/tasks/t%201/decision',
      rawQueryString: 'a=1&a=2&b=%C3%A9',
      cookies: ['s=1', 't=2', 'u=3'],
      headers: {
        host: '127.0.0.1:4566',
        'content-type': 'application/json',
        'x-multi': 'one,two',
        'user-agent': 'curl/8',
      },
      queryStringParameters: { a: '1,2', b: 'é' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'abcdefghij',
        authorizer: { jwt: { claims: { sub: 'alice', username: 'alice' }, scopes: null } },
        domainName: '127.0.0.1:4566',
        domainPrefix: 'abcdefghij',
        http: {
          method: 'POST',
          path: '/tasks/t%201/decision',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'Abc123DefGhiJ=',
        routeKey: 'POST /tasks/{taskId}/decision',
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: Date.UTC(2026, 2, 12, 19, 3, 58, 390),
      },
      body: '{"decision":"approve"}',
      pathParameters: { taskId: 't 1' },
      isBase64Encoded: false,
    });
  });

  it('leaves out what a request without cookies, query, body or route parameters does not have, and the authorizer on a NONE route', () => {
    // Act
    const event = buildEventV2(
      { ...facts, method: 'GET', rawQueryString: '', headers: { host: ['h'] }, body: Buffer.alloc(0) },
      { accountId: '1', apiId: 'x', routeKey: '$default' },
    );

    // Assess
    expect(Object.keys(event)).toEqual([
      'version',
      'routeKey',
      'rawPath',
      'rawQueryString',
      'headers',
      'requestContext',
      'isBase64Encoded',
    ]);
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.requestContext.http.userAgent).toBe('');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a body whose content type is not text', () => {
    // Prepare
    const bytes = Buffer.from([0xff, 0x00, 0x10]);

    // Act
    const binary = buildEventV2(
      { ...facts, headers: { 'content-type': ['image/png'] }, body: bytes },
      { accountId: '1', apiId: 'x', routeKey: '$default' },
    );
    const untyped = buildEventV2(
      { ...facts, headers: {}, body: Buffer.from('a=b') },
      { accountId: '1', apiId: 'x', routeKey: '$default' },
    );

    // Assess
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(untyped).toMatchObject({ body: Buffer.from('a=b').toString('base64'), isBase64Encoded: true });
  });

  it.each([
    ['text/plain; charset=utf-8', true],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/xml', true],
    ['application/javascript', true],
    ['application/x-www-form-urlencoded', false],
    ['application/octet-stream', false],
    ['multipart/form-data; boundary=x', false],
    [undefined, false],
  ])('treats content type %s as text: %s', (contentType, expected) => {
    // Act
    const text = isTextContentType(contentType);

    // Assess
    expect(text).toBe(expected);
  });

  it('decodes query parameters, joins repeated ones and keeps a name without a value', () => {
    // Act
    const parameters = queryStringParameters('x=1&x=2&flag&empty=&sp%20ace=a%2Bb&bad=%E0%A4%A');

    // Assess
    expect(parameters).toEqual({ x: '1,2', flag: '', empty: '', 'sp ace': 'a+b', bad: '%E0%A4%A' });
    expect(queryStringParameters('')).toBeUndefined();
  });

  it('formats the request time as API Gateway does', () => {
    // Act
    const time = requestTime(Date.UTC(2026, 10, 5, 7, 8, 9));

    // Assess
    expect(time).toBe('05/Nov/2026:07:08:09 +0000');
  });
});

describe('mapResponseV2', () => {
  it('takes a result with statusCode as the response, cookies as set-cookie headers', () => {
    // Act
    const response = mapResponseV2({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 3 },
      cookies: ['a=1', 'b=2'],
      body: 'created',
    });

    // Assess
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-count': '3', 'set-cookie': ['a=1', 'b=2'] },
      body: Buffer.from('created'),
    });
  });

  it('decodes a base64 body and sends an empty body when there is none', () => {
    // Act
    const binary = mapResponseV2({
      statusCode: 200,
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    const empty = mapResponseV2({ statusCode: 204 });

    // Assess
    expect(binary.body).toEqual(Buffer.from([1, 2, 3]));
    expect(empty).toEqual({ statusCode: 204, headers: {}, body: Buffer.alloc(0) });
  });

  it.each([
    [{ message: 'hi' }, '{"message":"hi"}'],
    [[1, 2], '[1,2]'],
    ['Hello from Lambda!', 'Hello from Lambda!'],
    [42, '42'],
    [null, 'null'],
  ])('infers a 200 JSON response from %j', (result, body) => {
    // Act
    const response = mapResponseV2(result);

    // Assess
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body),
    });
  });

  it('answers 500 for a malformed proxy response', () => {
    // Act
    const outcomes = [
      mapResponseV2({ statusCode: '200' }),
      mapResponseV2({ statusCode: 200, body: { not: 'a string' } }),
      mapResponseV2({ statusCode: 99 }),
    ];

    // Assess
    expect(outcomes.map((outcome) => [outcome.statusCode, outcome.body.toString()])).toEqual(
      Array(3).fill([500, '{"message":"Internal Server Error"}']),
    );
  });
});

const STACK = 'psflow-test';
const ENV = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };

/** A cloud assembly of one stack with an echo function bundle beside it. */
function modelOf(resources: Record<string, TemplateResource>): ResourceModel {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-http-api-model-'));
  try {
    fs.writeFileSync(path.join(directory, `${STACK}.template.json`), JSON.stringify({ Resources: resources }));
    fs.writeFileSync(
      path.join(directory, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          [STACK]: { type: 'aws:cloudformation:stack', properties: { templateFile: `${STACK}.template.json` } },
        },
      }),
    );
    fs.mkdirSync(path.join(directory, 'asset.echo'));
    return buildResourceModel(readCloudAssembly(directory), ENV);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function echoFunction(environment: Record<string, TemplateValue> = {}): TemplateResource {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: 'echo',
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Code: { S3Bucket: 'b', S3Key: 'echo.zip' },
      Environment: { Variables: environment },
    },
    Metadata: { 'aws:asset:path': 'asset.echo' },
  };
}

function httpApi(
  logicalId: string,
  name: string,
  routeKeys: Record<string, string>,
  integration: Record<string, TemplateValue> = {},
): Record<string, TemplateResource> {
  const apiId = { Ref: logicalId };
  const resources: Record<string, TemplateResource> = {
    [logicalId]: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: name, ProtocolType: 'HTTP' } },
    [`${logicalId}Stage`]: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: { ApiId: apiId, StageName: '$default', AutoDeploy: true },
    },
    [`${logicalId}Integration`]: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: apiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': ['Echo', 'Arn'] },
        PayloadFormatVersion: '2.0',
        ...integration,
      },
    },
  };
  for (const [routeLogicalId, routeKey] of Object.entries(routeKeys)) {
    resources[routeLogicalId] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: apiId,
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: `${logicalId}Integration` }]] },
      },
    };
  }
  return resources;
}

describe('buildResourceModel for HTTP APIs', () => {
  it('serves a single API at /api and resolves Ref and ApiEndpoint to it', () => {
    // Act
    const model = modelOf({
      Echo: echoFunction({ API_URL: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] }, API_ID: { Ref: 'Api' } }),
      ...httpApi('Api', 'tasks', { TasksRoute: 'GET /tasks' }),
    });
    const [api] = model.httpApis;

    // Assess
    expect(api).toMatchObject({
      name: 'tasks',
      basePath: '/api',
      endpoint: 'http://127.0.0.1:4566/api',
      stageNames: ['$default'],
      apiId: expect.stringMatching(/^[a-z0-9]{10}$/),
    });
    expect(api.routes).toEqual([
      {
        logicalId: 'TasksRoute',
        routeId: expect.stringMatching(/^[a-z0-9]{7}$/),
        routeKey: 'GET /tasks',
        authorizationType: 'NONE',
        authorizationScopes: [],
        integration: {
          logicalId: 'ApiIntegration',
          integrationId: expect.stringMatching(/^[a-z0-9]{7}$/),
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
          timeoutMs: 30_000,
        },
        unservedReason: undefined,
      },
    ]);
    expect(model.functions[0].environment).toEqual({ API_URL: 'http://127.0.0.1:4566/api', API_ID: api.apiId });
  });

  it('serves several APIs at /api/<name>', () => {
    // Act
    const second = httpApi('Second', 'admin', { B: 'GET /b' });
    second.Second = {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: {
        Name: 'admin',
        ProtocolType: 'HTTP',
        CorsConfiguration: { AllowOrigins: ['http://localhost:3000'] },
      },
    };
    const model = modelOf({
      Echo: echoFunction({ URL: { 'Fn::GetAtt': ['Second', 'ApiEndpoint'] } }),
      ...httpApi('First', 'tasks', { A: 'GET /a' }),
      ...second,
    });

    // Assess
    expect(model.httpApis.map((api) => [api.name, api.basePath, api.corsConfigured])).toEqual([
      ['tasks', '/api/tasks', false],
      ['admin', '/api/admin', true],
    ]);
    expect(model.functions[0].environment.URL).toBe('http://127.0.0.1:4566/api/admin');
  });

  it('keeps routes it cannot serve, with the reason, and lists them as not emulated', () => {
    // Act
    const model = modelOf({
      Echo: echoFunction(),
      ...httpApi('Api', 'tasks', { OldFormat: 'GET /old' }, { PayloadFormatVersion: '1.0' }),
      Authorizer: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: { ApiId: { Ref: 'Api' }, AuthorizerType: 'JWT', Name: 'jwt' },
      },
    });

    // Assess
    expect(model.httpApis[0].routes[0].unservedReason).toBe(
      'its integration is not served: payload format 1.0 is not served locally; only 2.0 is',
    );
    expect(model.notEmulated.map((resource) => [resource.logicalId, resource.reason])).toEqual(
      expect.arrayContaining([
        ['ApiIntegration', 'payload format 1.0 is not served locally; only 2.0 is'],
        ['OldFormat', 'GET /old: its integration is not served: payload format 1.0 is not served locally; only 2.0 is'],
        ['Authorizer', expect.stringContaining('JWT routes take the development identity')],
      ]),
    );
  });

  it('lists a WebSocket API and its routes as not emulated', () => {
    // Act
    const model = modelOf({
      Echo: echoFunction(),
      Socket: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: { Name: 'socket', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
      },
      Connect: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Socket' }, RouteKey: '$connect' } },
    });

    // Assess
    expect(model.httpApis).toEqual([]);
    expect(
      model.notEmulated
        .filter((resource) => resource.type.startsWith('AWS::ApiGatewayV2::'))
        .map((resource) => [resource.logicalId, resource.reason]),
    ).toEqual([
      ['Socket', 'WEBSOCKET APIs are not served locally; only HTTP APIs are'],
      ['Connect', expect.stringMatching(/^its API [a-z0-9]{10} is not served$/)],
    ]);
  });

  it('reads an integration URI in the apigateway lambda:path form', () => {
    // Act
    const model = modelOf({
      Echo: echoFunction(),
      ...httpApi(
        'Api',
        'tasks',
        { R: 'ANY /{proxy+}' },
        {
          IntegrationUri: {
            'Fn::Sub': 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Echo.Arn}/invocations',
          },
        },
      ),
    });

    // Assess
    expect(model.httpApis[0].routes[0].integration?.functionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:echo',
    );
  });
});

describe('HttpApiService', () => {
  let directory: string;
  let server: http.Server | undefined;
  let service: HttpApiService | undefined;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-http-api-'));
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await service?.close();
    server = undefined;
    service = undefined;
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function api(name: string, basePath: string, routeList: HttpRouteSpec[]): HttpApiSpec {
    return {
      logicalId: name,
      stackName: STACK,
      apiId: `${name}0000000`.slice(0, 10),
      name,
      basePath,
      endpoint: `${ENV.endpoint}${basePath}`,
      routes: routeList,
      stageNames: ['$default'],
      accessLogStages: [],
      corsConfigured: false,
    };
  }

  function route(routeKey: string, functionArn: string, timeoutMs = 30_000): HttpRouteSpec {
    return {
      logicalId: routeKey,
      routeId: 'r',
      routeKey,
      authorizationType: 'NONE',
      authorizationScopes: [],
      integration: { logicalId: 'i', integrationId: 'i', functionArn, timeoutMs },
    };
  }

  async function serve(
    apis: HttpApiSpec[],
    invoke: (functionArn: string, event: unknown) => Promise<InvocationOutcome>,
  ): Promise<string> {
    const httpApi = new HttpApiService(apis, {
      accountId: '000000000000',
      accessLogFile: path.join(directory, 'logs', 'api-access.log'),
      invoke,
    });
    service = httpApi;
    const listening = http.createServer((request, response) => void httpApi.handle(request, response));
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  }

  it('serves several APIs each under /api/<name>, with the path below it as rawPath', async () => {
    // Prepare
    const invoked: Array<[string, unknown]> = [];
    const url = await serve(
      [
        api('tasks', '/api/tasks', [route('GET /items/{id}', 'arn:tasks')]),
        api('admin', '/api/admin', [route('GET /items/{id}', 'arn:admin')]),
      ],
      async (functionArn, event) => {
        invoked.push([functionArn, event]);
        return { ok: true, value: { statusCode: 200, body: functionArn } };
      },
    );

    // Act
    const tasks = await fetch(`${url}/api/tasks/items/1`);
    const admin = await fetch(`${url}/api/admin/items/2`);
    const unknown = await fetch(`${url}/api/other/items/3`);

    // Assess
    expect([await tasks.text(), await admin.text(), unknown.status]).toEqual(['arn:tasks', 'arn:admin', 404]);
    expect(invoked.map(([, event]) => (event as { rawPath: string }).rawPath)).toEqual(['/items/1', '/items/2']);
    expect(service?.serves('/api')).toBe(true);
    expect(service?.serves('/apis')).toBe(false);
  });

  it('answers 503 when the integration times out and 500 when the function fails', async () => {
    // Prepare
    const url = await serve(
      [api('tasks', '/api', [route('GET /slow', 'arn:slow', 50), route('GET /broken', 'arn:broken')])],
      (functionArn) =>
        functionArn === 'arn:slow'
          ? new Promise<InvocationOutcome>(() => undefined)
          : Promise.resolve({
              ok: false,
              error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds', trace: [] },
            }),
    );

    // Act
    const slow = await fetch(`${url}/api/slow`);
    const broken = await fetch(`${url}/api/broken`);

    // Assess
    expect([slow.status, await slow.json()]).toEqual([503, { message: 'Service Unavailable' }]);
    expect([broken.status, await broken.json()]).toEqual([500, { message: 'Internal Server Error' }]);
  });

  it("answers 413 without invoking the function when the event exceeds Lambda's 6 MB request limit, and above 10 MB", async () => {
    // Prepare
    const invoked: string[] = [];
    const url = await serve([api('tasks', '/api', [route('POST /items', 'arn:items')])], async (functionArn) => {
      invoked.push(functionArn);
      return { ok: true, value: { statusCode: 200, body: 'ok' } };
    });
    const post = (bytes: number): Promise<Response> =>
      fetch(`${url}/api/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ patch: 'a'.repeat(bytes) }),
      });

    // Act
    const fits = await post(5 * 1024 * 1024);
    const overLambda = await post(7.7 * 1024 * 1024);
    const overGateway = await post(11 * 1024 * 1024);

    // Assess
    expect(fits.status).toBe(200);
    expect([overLambda.status, await overLambda.json()]).toEqual([413, { message: 'Request Too Long' }]);
    expect([overGateway.status, await overGateway.json()]).toEqual([413, { message: 'Request Entity Too Large' }]);
    expect(invoked).toEqual(['arn:items']);
  });

  it('answers 500 for response headers Node cannot send, and drops connection headers', async () => {
    // Prepare
    const url = await serve(
      [api('tasks', '/api', [route('GET /bad', 'arn:bad'), route('GET /chunked', 'arn:chunked')])],
      async (functionArn) => ({
        ok: true,
        value:
          functionArn === 'arn:bad'
            ? { statusCode: 200, headers: { 'x-bad': 'line\nbreak' }, body: 'x' }
            : { statusCode: 200, headers: { 'transfer-encoding': 'chunked', connection: 'close' }, body: 'whole' },
      }),
    );

    // Act
    const bad = await fetch(`${url}/api/bad`);
    const chunked = await fetch(`${url}/api/chunked`);

    // Assess
    expect([bad.status, await bad.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    expect([chunked.status, chunked.headers.get('content-length'), await chunked.text()]).toEqual([200, '5', 'whole']);
  });
});
