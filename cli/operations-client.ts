import type { CliContext } from './cli-context';
import { CliError } from './cli-error';

/** A refusal from the operations API, with its HTTP status and error code. */
export class ApiRefusal extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${message} (HTTP ${status} ${code})`);
  }
}

/**
 * Calls the operations HTTP API. Locally the API is served under `<endpoint>/api` and the
 * caller is named by `X-Psflow-User` (the `--as` user); against AWS, the URL comes from the
 * stage's stack outputs and the caller from a bearer token in `PSFLOW_TOKEN`.
 */
export async function callApi<T>(
  context: CliContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const local = context.options.endpoint !== 'aws';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (local) headers['x-psflow-user'] = context.options.as;
  else if (process.env.PSFLOW_TOKEN) headers.authorization = `Bearer ${process.env.PSFLOW_TOKEN}`;
  else
    throw new CliError(
      "set PSFLOW_TOKEN to a token of the stage's user pool to use the API in AWS (see docs/deploy.md)",
    );
  let response: Response;
  try {
    response = await fetch(`${context.apiUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    // fetch reports every network failure as "fetch failed"; the cause says which.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new CliError(
      `cannot reach ${context.apiUrl} (${cause}): is the local cloud running (npm start)? Or pass --endpoint`,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(
      `the API answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { error?: string; message?: string };
    throw new ApiRefusal(response.status, error.error ?? 'Error', error.message ?? text);
  }
  return parsed as T;
}
