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
 * caller is named by `X-Psflow-User` (the `--as` user); against AWS, `PSFLOW_API_URL` and a
 * bearer token in `PSFLOW_TOKEN` are used instead.
 */
export async function callApi<T>(context: CliContext, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const local = context.options.endpoint !== 'aws';
  const base = local ? `${context.options.endpoint}/api` : process.env.PSFLOW_API_URL;
  if (!base) throw new CliError('set PSFLOW_API_URL (the stage\'s HTTP API URL) and PSFLOW_TOKEN to use the API in AWS');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (local) headers['x-psflow-user'] = context.options.as;
  else if (process.env.PSFLOW_TOKEN) headers.authorization = `Bearer ${process.env.PSFLOW_TOKEN}`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    // fetch reports every network failure as "fetch failed"; the cause says which.
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach ${local ? context.options.endpoint : base} (${cause}): is the local cloud running (npm start)? Or pass --endpoint`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`the API answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { error?: string; message?: string };
    throw new ApiRefusal(response.status, error.error ?? 'Error', error.message ?? text);
  }
  return parsed as T;
}
