import * as z from 'zod';
import { KPI_ROUTE, KpiReport } from '../../../shared/kpis/kpi-report';
import {
  ApiErrorBody,
  DecisionResult,
  DirectoryUsers,
  ExceptionOutcome,
  ExecutionDetail,
  ExecutionSummary,
  Me,
  PublicException,
  PublicTask,
  RejectedEventActed,
  RejectedEventDetail,
  RejectedEventSummary,
  type AbortBody,
  type DecisionBody,
  type DelegationBody,
  type RejectedEventBody,
  type RetryBody,
  type SkipBody,
} from '../../../shared/operations-api/operations-schemas';

/** A refusal or failure, with the API's code and message, for the page's error state. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How a request names its caller: the local development header, or a Cognito bearer token. */
export type Credentials = () => Record<string, string>;

type Query = Record<string, string | undefined>;

/**
 * The operations API, typed by the same zod schemas the API parses its requests with. Every
 * answer is checked against its schema, so a change on one side fails loudly on the other.
 */
export class OperationsClient {
  constructor(
    private readonly credentials: Credentials,
    private readonly base = '/api',
  ) {}

  me = () => this.call(Me, 'GET', '/me');
  users = () => this.call(DirectoryUsers, 'GET', '/users');
  findExecutions = (query: Query) => this.call(z.array(ExecutionSummary), 'GET', `/executions${search(query)}`);
  execution = (arn: string) => this.call(ExecutionDetail, 'GET', `/executions/${encodeURIComponent(arn)}`);
  tasks = () => this.call(z.array(PublicTask), 'GET', '/tasks');
  decide = (taskId: string, body: z.input<typeof DecisionBody>) =>
    this.call(DecisionResult, 'POST', `/tasks/${encodeURIComponent(taskId)}/decision`, body);
  delegate = (body: z.input<typeof DelegationBody>) => this.call(z.unknown(), 'POST', '/delegations', body);
  exceptions = (query: Query) => this.call(z.array(PublicException), 'GET', `/exceptions${search(query)}`);
  retry = (exceptionId: string, body: z.input<typeof RetryBody>) =>
    this.call(PublicException, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/retry`, body);
  skip = (exceptionId: string, body: z.input<typeof SkipBody>) =>
    this.call(PublicException, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/skip`, body);
  abort = (exceptionId: string, body: z.input<typeof AbortBody>) =>
    this.call(PublicException, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/abort`, body);
  outcome = (exceptionId: string) =>
    this.call(ExceptionOutcome, 'GET', `/exceptions/${encodeURIComponent(exceptionId)}/outcome`);
  kpis = (query: Query) => this.call(KpiReport, 'GET', `${KPI_ROUTE.path}${search(query)}`);
  rejectedEvents = (status: string) =>
    this.call(z.array(RejectedEventSummary), 'GET', `/rejected-events${search({ status })}`);
  rejectedEvent = (rejectionId: string) =>
    this.call(RejectedEventDetail, 'GET', `/rejected-events/${encodeURIComponent(rejectionId)}`);
  replay = (rejectionId: string, body: z.input<typeof RejectedEventBody>) =>
    this.call(RejectedEventActed, 'POST', `/rejected-events/${encodeURIComponent(rejectionId)}/replay`, body);
  resolve = (rejectionId: string, body: z.input<typeof RejectedEventBody>) =>
    this.call(RejectedEventActed, 'POST', `/rejected-events/${encodeURIComponent(rejectionId)}/resolve`, body);

  private async call<S extends z.ZodType>(
    schema: S,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...this.credentials() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, 'Unreachable', `the operations API cannot be reached (${String(error)})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(response.status, 'NotJson', `the API answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const refusal = ApiErrorBody.safeParse(parsed);
      throw refusal.success
        ? new ApiError(response.status, refusal.data.error, refusal.data.message)
        : new ApiError(response.status, 'Error', `HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success)
      throw new ApiError(
        response.status,
        'UnexpectedAnswer',
        `${method} ${path} answered something the console does not understand: ${checked.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
          .join('; ')}`,
      );
    return checked.data;
  }
}

function search(query: Query): string {
  const entries = Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]);
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : '';
}
