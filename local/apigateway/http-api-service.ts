import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { HttpApiSpec, HttpRouteSpec } from '../cdk/resource-model';
import type { InvocationOutcome } from '../lambda/lambda-service';
import {
  buildEventV2,
  developmentIdentity,
  type HttpApiResponse,
  joinHeaders,
  mapResponseV2,
  messageResponse,
  type RequestFacts,
  RouteTable,
} from './http-api';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_HTTP_API_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Lambda's limit on a synchronous invocation's request payload (the whole event, not just the
 * body). A request under API Gateway's 10 MB can still exceed it; Lambda then refuses the
 * invocation and the client is answered 413 `Request Too Long`, without the function running.
 */
export const MAX_LAMBDA_REQUEST_BYTES = 6 * 1024 * 1024;

/** Headers about the connection, not the response: API Gateway sets its own. */
const HOP_BY_HOP_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** Where the HTTP APIs are mounted on the local endpoint. */
export const HTTP_API_PREFIX = '/api';

/** What the HTTP API front door needs from the rest of the local cloud. */
export interface HttpApiServiceOptions {
  readonly accountId: string;
  /** One JSON line per request. */
  readonly accessLogFile: string;
  readonly invoke: (functionArn: string, event: unknown) => Promise<InvocationOutcome>;
  readonly maxBodyBytes?: number;
  readonly maxLambdaRequestBytes?: number;
}

/** One line of the access log. */
export interface AccessLogRecord {
  readonly requestId: string;
  readonly time: string;
  readonly api: string | null;
  readonly method: string;
  /** The path as requested from the local endpoint, `/api` prefix included. */
  readonly path: string;
  readonly routeKey: string | null;
  readonly status: number;
  readonly latencyMs: number;
  /** The caller's `sub` claim on a JWT route. */
  readonly user: string | null;
  /** Why API Gateway itself answered with an error, when it did. */
  readonly error?: string;
}

/** One served API, for the startup listing. */
export interface HttpApiDescription {
  readonly name: string;
  readonly endpoint: string;
  readonly routes: number;
  readonly jwtRoutes: number;
  readonly unservedRoutes: number;
  /** Stages declaring AccessLogSettings, whose format is not applied locally. */
  readonly accessLogStages: readonly string[];
  readonly corsConfigured: boolean;
}

interface MountedApi {
  readonly spec: HttpApiSpec;
  readonly routes: RouteTable<HttpRouteSpec>;
}

/** What API Gateway concluded about a request, for the response and the access log. */
interface Handled {
  readonly response: HttpApiResponse;
  readonly api?: MountedApi;
  readonly routeKey?: string;
  readonly user?: string;
  readonly error?: string;
}

/** API Gateway-style request ids, e.g. `JKJaXmPLvHcESHA=`. */
function newRequestId(): string {
  return `${randomBytes(10).toString('base64').slice(0, 14)}=`;
}

/**
 * Reads a request body up to `limit` bytes. A longer body is read to its end and dropped, so the
 * client can still be told 413 instead of seeing its upload cut off.
 */
function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    let ended = false;
    request.on('end', () => {
      ended = true;
      resolve(size <= limit ? Buffer.concat(chunks) : undefined);
    });
    request.on('error', reject);
    // A client that hangs up mid-body sends no 'end'; without this the request would wait forever.
    request.on('close', () => {
      if (!ended) reject(new Error('the client closed the connection before sending the whole body'));
    });
  });
}

/**
 * API Gateway HTTP APIs, locally: a request under `/api` is matched to a route and handed to
 * its Lambda function as a payload format 2.0 event; the result becomes the HTTP response.
 * JWT routes take the development identity instead of verifying tokens.
 */
export class HttpApiService {
  private readonly apis: MountedApi[];
  /** Opened with the first request, so a cloud assembly without an HTTP API leaves no empty log. */
  private accessLog?: fs.WriteStream;
  private closed = false;
  private readonly maxBodyBytes: number;
  private readonly maxLambdaRequestBytes: number;

  constructor(
    apis: readonly HttpApiSpec[],
    private readonly options: HttpApiServiceOptions,
  ) {
    this.apis = apis.map((spec) => {
      try {
        return { spec, routes: new RouteTable(spec.routes) };
      } catch (error) {
        throw new Error(`HTTP API ${spec.name}: ${(error as Error).message}`);
      }
    });
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_HTTP_API_BODY_BYTES;
    this.maxLambdaRequestBytes = options.maxLambdaRequestBytes ?? MAX_LAMBDA_REQUEST_BYTES;
  }

  /** Whether a request path belongs to the HTTP APIs (only when the assembly declares one). */
  serves(pathname: string): boolean {
    return this.apis.length > 0 && (pathname === HTTP_API_PREFIX || pathname.startsWith(`${HTTP_API_PREFIX}/`));
  }

  /** Every API served, for the startup listing. */
  describe(): HttpApiDescription[] {
    return this.apis.map(({ spec }) => ({
      name: spec.name,
      endpoint: spec.endpoint,
      routes: spec.routes.length,
      jwtRoutes: spec.routes.filter((route) => route.authorizationType === 'JWT').length,
      unservedRoutes: spec.routes.filter((route) => route.unservedReason !== undefined).length,
      accessLogStages: spec.accessLogStages,
      corsConfigured: spec.corsConfigured,
    }));
  }

  /** Where one JSON line per request goes. */
  get accessLogFile(): string {
    return this.options.accessLogFile;
  }

  /** Answers one request under `/api`, as API Gateway would, and appends its access log line. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = newRequestId();
    const [pathname, ...query] = (request.url ?? '/').split('?');
    const method = request.method ?? 'GET';
    let handled: Handled;
    try {
      handled = await this.process(request, { pathname, rawQueryString: query.join('?'), method, requestId, started });
    } catch (error) {
      handled = { response: messageResponse(500, 'Internal Server Error'), error: (error as Error).message };
    }
    handled = this.send(response, handled, requestId);
    const statusCode = handled.response.statusCode;
    const record: AccessLogRecord = {
      requestId,
      time: new Date(started).toISOString(),
      api: handled.api?.spec.name ?? null,
      method,
      path: pathname,
      routeKey: handled.routeKey ?? null,
      status: statusCode,
      latencyMs: Date.now() - started,
      user: handled.user ?? null,
      ...(handled.error ? { error: handled.error } : {}),
    };
    this.appendAccessLog(record);
  }

  /** Writes the response; one Node refuses (a header value with a line break) becomes a 500. */
  private send(response: ServerResponse, handled: Handled, requestId: string): Handled {
    if (response.headersSent) return handled;
    const { statusCode, headers, body } = handled.response;
    const sendable = Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP_HEADERS.has(name)));
    try {
      response.writeHead(statusCode, { ...sendable, 'content-length': body.length, 'apigw-requestid': requestId });
    } catch (error) {
      const fallback = messageResponse(500, 'Internal Server Error');
      response.writeHead(500, {
        ...fallback.headers,
        'content-length': fallback.body.length,
        'apigw-requestid': requestId,
      });
      response.end(fallback.body);
      return {
        ...handled,
        response: fallback,
        error: `the function's response could not be sent: ${(error as Error).message}`,
      };
    }
    response.end(body);
    return handled;
  }

  private appendAccessLog(record: AccessLogRecord): void {
    if (this.closed) return;
    if (!this.accessLog) {
      fs.mkdirSync(path.dirname(this.options.accessLogFile), { recursive: true });
      this.accessLog = fs.createWriteStream(this.options.accessLogFile, { flags: 'a' });
    }
    // Through the stream's buffer, never synced: the log must not slow the response.
    this.accessLog.write(`${JSON.stringify(record)}\n`);
  }

  private mountFor(pathname: string): { api: MountedApi; rawPath: string } | undefined {
    const below = pathname.slice(HTTP_API_PREFIX.length);
    if (this.apis.length === 1) return { api: this.apis[0], rawPath: below === '' ? '/' : below };
    const [, name = '', ...rest] = below.split('/');
    let decodedName = name;
    try {
      decodedName = decodeURIComponent(name);
    } catch {
      // A malformed escape names no API; the lookup below finds none and the answer is 404.
    }
    const api = this.apis.find(
      (candidate) => candidate.spec.basePath === `${HTTP_API_PREFIX}/${name}` || candidate.spec.name === decodedName,
    );
    return api ? { api, rawPath: `/${rest.join('/')}` } : undefined;
  }

  private async process(
    request: IncomingMessage,
    call: { pathname: string; rawQueryString: string; method: string; requestId: string; started: number },
  ): Promise<Handled> {
    const body = await readBodyWithin(request, this.maxBodyBytes);
    if (!body)
      return {
        response: messageResponse(413, 'Request Entity Too Large'),
        error: `the body exceeds the HTTP API payload limit of ${this.maxBodyBytes} bytes`,
      };
    const mounted = this.mountFor(call.pathname);
    if (!mounted) return { response: messageResponse(404, 'Not Found') };
    const { api, rawPath } = mounted;
    const match = api.routes.match(call.method, rawPath);
    if (!match) return { response: messageResponse(404, 'Not Found'), api };
    const route = match.route;
    const routeKey = route.routeKey;
    if (route.unservedReason || !route.integration) {
      return {
        response: messageResponse(500, 'Internal Server Error'),
        api,
        routeKey,
        error: `route not served locally: ${route.unservedReason ?? 'no integration'}`,
      };
    }
    const facts = this.requestFacts(request, { ...call, rawPath, body });
    let identity: ReturnType<typeof developmentIdentity> = undefined;
    if (route.authorizationType === 'JWT') {
      identity = developmentIdentity(joinHeaders(facts.headers).headers, route.authorizationScopes);
      if (!identity) return { response: messageResponse(401, 'Unauthorized'), api, routeKey };
    }
    const user = identity?.claims.sub;
    const event = buildEventV2(facts, {
      accountId: this.options.accountId,
      apiId: api.spec.apiId,
      routeKey,
      pathParameters: match.pathParameters,
      identity,
    });
    const eventBytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
    if (eventBytes > this.maxLambdaRequestBytes) {
      return {
        response: messageResponse(413, 'Request Too Long'),
        api,
        routeKey,
        user,
        error: `the event of ${eventBytes} bytes exceeds Lambda's request payload limit of ${this.maxLambdaRequestBytes} bytes`,
      };
    }
    const outcome = await this.invokeWithin(route.integration.functionArn, event, route.integration.timeoutMs);
    if (outcome === 'timeout')
      return {
        response: messageResponse(503, 'Service Unavailable'),
        api,
        routeKey,
        user,
        error: 'integration timed out',
      };
    if (!outcome.ok) {
      return {
        response: messageResponse(500, 'Internal Server Error'),
        api,
        routeKey,
        user,
        error: `${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      };
    }
    return { response: mapResponseV2(outcome.value), api, routeKey, user };
  }

  private requestFacts(
    request: IncomingMessage,
    call: { method: string; rawPath: string; rawQueryString: string; requestId: string; started: number; body: Buffer },
  ): RequestFacts {
    const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const headers: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(request.headersDistinct)) if (values) headers[name] = values;
    // What API Gateway adds on its way to the function.
    headers['x-forwarded-for'] = [[...(headers['x-forwarded-for'] ?? []), sourceIp].join(', ')];
    headers['x-forwarded-port'] = [String(request.socket.localPort ?? '')];
    headers['x-forwarded-proto'] = ['http'];
    headers['x-amzn-trace-id'] = [
      `Root=1-${Math.floor(call.started / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    ];
    return {
      method: call.method,
      rawPath: call.rawPath,
      rawQueryString: call.rawQueryString,
      headers,
      body: call.body,
      sourceIp,
      protocol: `HTTP/${request.httpVersion}`,
      requestId: call.requestId,
      timeEpoch: call.started,
    };
  }

  private async invokeWithin(
    functionArn: string,
    event: unknown,
    timeoutMs: number,
  ): Promise<InvocationOutcome | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      return await Promise.race([this.options.invoke(functionArn, event), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the access log once every line written so far is flushed to the file. */
  async close(): Promise<void> {
    this.closed = true;
    const log = this.accessLog;
    if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
  }
}
