import * as z from 'zod';
import type { Directory } from '../directory/directory';
import type { HttpApiEvent, HttpApiResult } from '../operations-api/operations-api';

/**
 * The small HTTP front of a workflow domain (purchases, changes): the same identity rule as the
 * operations API (the token's subject must be in the directory), routes by route key, and every
 * refusal as a status with a message saying what is wrong and where.
 */

/** A refusal a route answers with: an HTTP status, a code and the reason. */
export class DomainRefusal extends Error {
  override readonly name = 'DomainRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One route: the acting user, the event, the parsed body. */
export type DomainRoute<Deps> = (request: {
  actor: string;
  event: HttpApiEvent;
  body: unknown;
  deps: Deps;
}) => Promise<unknown>;

function answer(statusCode: number, value: unknown): HttpApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** Serves one request against `routes`. */
export async function handleDomainRequest<Deps extends { readonly directory: Directory }>(
  routes: Readonly<Record<string, DomainRoute<Deps>>>,
  event: HttpApiEvent,
  deps: Deps,
): Promise<HttpApiResult> {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  const subject = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  if (!subject) return answer(401, { error: 'Unauthorized', message: 'no identity in the request' });
  const route = routes[event.routeKey];
  if (!route) return answer(404, { error: 'NotFound', message: `no route ${event.routeKey}` });
  const user = await deps.directory.findBySubject(subject);
  if (!user)
    return answer(403, { error: 'NotAuthorized', message: `token subject ${subject} is not in the directory` });
  try {
    let body: unknown;
    if (event.body) {
      const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      try {
        body = JSON.parse(text);
      } catch {
        throw new DomainRefusal(400, 'InvalidRequest', 'the body is not JSON');
      }
    }
    return answer(200, await route({ actor: user.userId, event, body, deps }));
  } catch (error) {
    if (error instanceof DomainRefusal) return answer(error.status, { error: error.code, message: error.message });
    if (error instanceof z.ZodError)
      return answer(400, {
        error: 'InvalidRequest',
        message: error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
      });
    throw error;
  }
}

/** A path parameter, refused when missing or longer than an id can be. */
export function pathParameter(event: HttpApiEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new DomainRefusal(400, 'InvalidRequest', `missing path parameter ${name}`);
  if (value.length > 256)
    throw new DomainRefusal(400, 'InvalidRequest', `${name} is ${value.length} characters long; at most 256`);
  return value;
}

/** `?limit=`, 1 to 500, default 100. */
export function limitOf(event: HttpApiEvent): number {
  const limit = Number(event.queryStringParameters?.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new DomainRefusal(400, 'InvalidRequest', 'limit must be 1 to 500');
  return limit;
}
