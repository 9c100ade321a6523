import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';

/** The Lambda event of an HTTP API route in payload format 2.0; `authorizer` only on JWT routes. */
export type HttpApiEventV2 = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: APIGatewayEventRequestContextJWTAuthorizer }
>;

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

/** A route key taken apart for matching: `$default`, or a method (or ANY) and path segments. */
export type CompiledRouteKey =
  | { readonly kind: 'default' }
  | { readonly kind: 'path'; readonly method: string; readonly segments: readonly Segment[] };

/** A route the request matched, with its path parameters URL-decoded. */
export interface RouteMatch<R> {
  readonly route: R;
  readonly pathParameters?: Readonly<Record<string, string>>;
}

/**
 * Parses an HTTP API route key: `$default`, or `METHOD /path` where a segment may be `{name}`
 * and the last one `{name+}`.
 *
 * @throws Error when the key is not one API Gateway accepts
 */
export function compileRouteKey(routeKey: string): CompiledRouteKey {
  if (routeKey === '$default') return { kind: 'default' };
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match) throw new Error(`Route key "${routeKey}" is not "$default" or "METHOD /path"`);
  const rawSegments = match[2].slice(1).split('/');
  const segments = rawSegments.map((segment, index): Segment => {
    const parameter = /^\{([^{}+]+)(\+?)\}$/.exec(segment);
    if (!parameter) return { kind: 'literal', value: segment };
    if (parameter[2] && index !== rawSegments.length - 1)
      throw new Error(`Route key "${routeKey}": a greedy {${parameter[1]}+} must be the last segment`);
    return parameter[2] ? { kind: 'greedy', name: parameter[1] } : { kind: 'param', name: parameter[1] };
  });
  return { kind: 'path', method: match[1], segments };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Segment weights for "most specific wins": a literal beats `{param}`, which beats `{proxy+}`. */
const WEIGHT: Readonly<Record<Segment['kind'], number>> = { literal: 2, param: 1, greedy: 0 };

/** Positive when route key `a` is more specific than `b` (both match the same request). */
function compareSpecificity(a: CompiledRouteKey & { kind: 'path' }, b: CompiledRouteKey & { kind: 'path' }): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index++) {
    const difference = WEIGHT[a.segments[index].kind] - WEIGHT[b.segments[index].kind];
    if (difference !== 0) return difference;
  }
  if (a.segments.length !== b.segments.length) return a.segments.length - b.segments.length;
  return (a.method === 'ANY' ? 0 : 1) - (b.method === 'ANY' ? 0 : 1);
}

function matchPath(segments: readonly Segment[], pathSegments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    if (segment.kind === 'greedy') {
      const rest = pathSegments.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.name] = rest.map(decodeSegment).join('/');
      return parameters;
    }
    if (index >= pathSegments.length) return undefined;
    const decoded = decodeSegment(pathSegments[index]);
    if (segment.kind === 'literal' ? decoded !== segment.value : decoded === '') return undefined;
    if (segment.kind === 'param') parameters[segment.name] = decoded;
  }
  return segments.length === pathSegments.length ? parameters : undefined;
}

/**
 * The routes of one HTTP API, matched as API Gateway does: the method must equal the route's
 * or the route must be ANY; `{param}` takes one segment and `{proxy+}` the rest; the most specific
 * route wins (literal over `{param}` over `{proxy+}`, segment by segment, then a method over ANY);
 * `$default` catches what nothing else matches.
 */
export class RouteTable<R extends { readonly routeKey: string }> {
  private readonly compiled: ReadonlyArray<{ readonly route: R; readonly key: CompiledRouteKey & { kind: 'path' } }>;
  private readonly fallback?: R;

  constructor(routes: readonly R[]) {
    const compiled: Array<{ route: R; key: CompiledRouteKey & { kind: 'path' } }> = [];
    for (const route of routes) {
      const key = compileRouteKey(route.routeKey);
      if (key.kind === 'default') this.fallback = route;
      else compiled.push({ route, key });
    }
    this.compiled = compiled;
  }

  /** The route a request goes to, or undefined (API Gateway answers 404). */
  match(method: string, rawPath: string): RouteMatch<R> | undefined {
    const pathSegments = rawPath.replace(/^\//, '').split('/');
    let best: { route: R; key: CompiledRouteKey & { kind: 'path' }; parameters: Record<string, string> } | undefined;
    for (const { route, key } of this.compiled) {
      if (key.method !== 'ANY' && key.method !== method) continue;
      const parameters = matchPath(key.segments, pathSegments);
      if (parameters && (!best || compareSpecificity(key, best.key) > 0)) best = { route, key, parameters };
    }
    if (best)
      return {
        route: best.route,
        pathParameters: Object.keys(best.parameters).length > 0 ? best.parameters : undefined,
      };
    return this.fallback ? { route: this.fallback } : undefined;
  }
}

/** The caller of a JWT route, as the authorizer context will carry it. */
export interface CallerIdentity {
  readonly claims: Readonly<Record<string, string>>;
  readonly scopes: readonly string[] | null;
}

/** The development identity header: whoever it names is the caller of JWT routes, locally. */
export const DEVELOPMENT_USER_HEADER = 'x-psflow-user';

/**
 * Renders a claim as API Gateway's JWT authorizer hands it to the function: every value a string,
 * an array as `[a b c]`.
 */
function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimText).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The payload of a JWT, decoded without checking its signature; undefined when it is not a JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[\w-]+$/.test(parts[1])) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The development identity of a request to a JWT route. An `Authorization` header (with or without
 * `Bearer `) must hold a JWT, whose claims are taken without verification; otherwise
 * `X-Psflow-User: <name>` stands for a caller with claims `{ sub: name, username: name }`.
 * Undefined when neither gives a caller (API Gateway answers 401).
 *
 * @param headers lower-cased request headers
 * @param routeScopes the route's AuthorizationScopes; API Gateway reports the token's scopes only when the route has some
 */
export function developmentIdentity(
  headers: Readonly<Record<string, string>>,
  routeScopes: readonly string[] = [],
): CallerIdentity | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const payload = decodeJwtPayload(authorization.replace(/^Bearer\s+/i, '').trim());
    if (!payload) return undefined;
    const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, claimText(value)]));
    const scopeClaim = payload.scope ?? payload.scp;
    const tokenScopes = Array.isArray(scopeClaim)
      ? scopeClaim.map(String)
      : typeof scopeClaim === 'string'
        ? scopeClaim.split(' ').filter(Boolean)
        : [];
    return { claims, scopes: routeScopes.length > 0 ? tokenScopes : null };
  }
  const user = headers[DEVELOPMENT_USER_HEADER]?.trim();
  if (!user) return undefined;
  return { claims: { sub: user, username: user }, scopes: null };
}

/** What the local endpoint knows of one request, before it becomes an event. */
export interface RequestFacts {
  readonly method: string;
  /** The path below the API's mount point, still percent-encoded. */
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lower-cased names, each with every value the request carried, in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** e.g. `HTTP/1.1`. */
  readonly protocol: string;
  readonly requestId: string;
  readonly timeEpoch: number;
}

/** Where the request was routed, and who the caller is on a JWT route. */
export interface RouteContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly identity?: CallerIdentity;
}

/** Content types whose bodies API Gateway passes as text; any other body is base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') || /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) || type === 'application/javascript'
  );
}

/** Headers in format 2.0: repeated ones comma-joined; cookies move to their own field. */
export function joinHeaders(headers: Readonly<Record<string, readonly string[]>>): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const joined: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(headers)) {
    if (name === 'cookie') {
      for (const value of values)
        cookies.push(
          ...value
            .split(';')
            .map((cookie) => cookie.trim())
            .filter(Boolean),
        );
      continue;
    }
    joined[name] = values.join(',');
  }
  return { headers: joined, cookies };
}

/** Query string parameters in format 2.0: decoded, repeated ones comma-joined. */
export function queryStringParameters(rawQueryString: string): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeSegment(separator < 0 ? pair : pair.slice(0, separator));
    const value = separator < 0 ? '' : decodeSegment(pair.slice(separator + 1));
    parameters[name] = Object.hasOwn(parameters, name) ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, as `requestContext.time` reads. */
export function requestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * Builds the payload format 2.0 event of a request. Fields API Gateway leaves out when empty
 * (cookies, queryStringParameters, pathParameters, body) are left out here too.
 */
export function buildEventV2(request: RequestFacts, route: RouteContext): HttpApiEventV2 {
  const { headers, cookies } = joinHeaders(request.headers);
  const host = headers.host ?? '';
  const query = queryStringParameters(request.rawQueryString);
  const textBody = isTextContentType(headers['content-type']);
  const event: HttpApiEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: route.accountId,
      apiId: route.apiId,
      ...(route.identity
        ? {
            authorizer: {
              jwt: {
                claims: { ...route.identity.claims },
                scopes: route.identity.scopes ? [...route.identity.scopes] : null,
              },
            },
          }
        : {}),
      domainName: host,
      domainPrefix: route.apiId,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: requestTime(request.timeEpoch),
      timeEpoch: request.timeEpoch,
    },
    ...(request.body.length > 0
      ? { body: textBody ? request.body.toString('utf8') : request.body.toString('base64') }
      : {}),
    ...(route.pathParameters ? { pathParameters: { ...route.pathParameters } } : {}),
    isBase64Encoded: request.body.length > 0 && !textBody,
  };
  return event;
}

/** The HTTP response API Gateway sends for a function result. */
export interface HttpApiResponse {
  readonly statusCode: number;
  /** Lower-cased names; `set-cookie` may hold several values. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

/** API Gateway's own error answers: a JSON `message`. */
export function messageResponse(statusCode: number, message: string): HttpApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Maps a function result to the HTTP response, as payload format 2.0 does: an object with a
 * `statusCode` is taken as the response (headers, cookies, body, isBase64Encoded); anything else
 * is sent as a 200 JSON body (a string as it is). A malformed response is a 500, as in AWS.
 */
export function mapResponseV2(result: unknown): HttpApiResponse {
  if (!isRecord(result) || !('statusCode' in result)) {
    const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text, 'utf8') };
  }
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded } = result;
  const valid =
    typeof statusCode === 'number' &&
    Number.isInteger(statusCode) &&
    statusCode >= 100 &&
    statusCode <= 599 &&
    isRecord(headers) &&
    Array.isArray(cookies) &&
    (body === undefined || body === null || typeof body === 'string');
  if (!valid) return messageResponse(500, 'Internal Server Error');
  const mapped: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) mapped[name.toLowerCase()] = String(value);
  }
  if (cookies.length > 0) mapped['set-cookie'] = cookies.map(String);
  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers: mapped,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}
