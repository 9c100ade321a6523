import * as z from 'zod';
import { DirectoryUser } from '../directory/directory';
import { ExceptionStatus, WorkflowException } from '../exceptions/workflow-exception';
import { HumanTask } from '../human-tasks/human-task';

// The operations API's wire contract: request bodies the routes parse and the answers they send.
// The API (shared/operations-api/operations-api.ts) and the web console (console/) both import
// these, so a field renamed here breaks the console's build instead of its pages. This module
// imports zod and the domain schemas only, so it bundles for a browser.

/** `POST /tasks/{taskId}/decision`. */
export const DecisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).default(''),
  token: z.string().optional(),
});
/** `POST /delegations`. */
export const DelegationBody = z.object({
  delegate: z.string().min(1),
  role: z.string().min(1),
  from: z.string().min(1),
  until: z.string().min(1),
});
/** `POST /exceptions/{exceptionId}/retry`: an optional RFC 6902 JSON Patch of the step input. */
export const RetryBody = z.object({ patch: z.unknown().optional(), note: z.string().max(2000).optional() });
/** `POST /exceptions/{exceptionId}/skip`: the step's output and the evidence for skipping it. */
export const SkipBody = z.object({ output: z.unknown(), note: z.string().max(2000), reference: z.string().max(500) });
/** `POST /exceptions/{exceptionId}/abort`. */
export const AbortBody = z.object({ note: z.string().max(2000) });
/** `POST /rejected-events/{rejectionId}/replay|resolve`. */
export const RejectedEventBody = z.object({ note: z.string().max(2000).optional() });

/** Every refusal: a code (`NotAuthorized`, `InvalidRequest`, ...) and a message saying what is wrong. */
export const ApiErrorBody = z.object({ error: z.string(), message: z.string() });
/** Typed {@link ApiErrorBody}. */
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** A task as the API shows it: its token stays on the server. */
export const PublicTask = HumanTask.omit({ token: true });
/** Typed {@link PublicTask}. */
export type PublicTask = z.infer<typeof PublicTask>;

/** `POST /tasks/{taskId}/decision` answers. */
export const DecisionResult = z.object({ repeated: z.boolean(), task: PublicTask });

/** An exception as the API shows it: its token stays on the server. */
export const PublicException = WorkflowException.omit({ token: true });
/** Typed {@link PublicException}. */
export type PublicException = z.infer<typeof PublicException>;

/** `GET /exceptions/{exceptionId}/outcome`: what really became of an exception after its owner acted. */
export const ExceptionOutcome = z.object({
  exceptionId: z.string(),
  outcome: z.string(),
  detail: z.string().optional(),
  nextExceptionId: z.string().optional(),
});
/** Typed {@link ExceptionOutcome}. */
export type ExceptionOutcome = z.infer<typeof ExceptionOutcome>;

/** `GET /me`: the caller's directory entry (no grants for an identity the directory does not know). */
export const Me = DirectoryUser.partial().extend({ userId: z.string(), grants: DirectoryUser.shape.grants });
/** The directory as `GET /users` answers it. */
export const DirectoryUsers = z.array(DirectoryUser);

/** Life cycle of a rejected event. */
export const RejectedEventStatus = z.enum(['open', 'replayed', 'resolved']);

/** One rejected event as `GET /rejected-events` lists it (the raw event only on `GET /rejected-events/{id}`). */
export const RejectedEventSummary = z.object({
  rejectionId: z.string(),
  status: RejectedEventStatus,
  reason: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() }).loose()),
  source: z.string(),
  detailType: z.string(),
  eventId: z.string(),
  recordId: z.string().optional(),
  receivedAt: z.string(),
  lastSeenAt: z.string(),
  occurrences: z.number(),
  actedBy: z.string().optional(),
  actedAt: z.string().optional(),
  note: z.string().optional(),
});
/** Typed {@link RejectedEventSummary}. */
export type RejectedEventSummary = z.infer<typeof RejectedEventSummary>;
/** `GET /rejected-events/{rejectionId}`: the summary with the raw event as received. */
export const RejectedEventDetail = RejectedEventSummary.extend({
  rawEvent: z.string(),
  rawEventBytes: z.number(),
  rawEventTruncated: z.boolean(),
});
/** Typed {@link RejectedEventDetail}. */
export type RejectedEventDetail = z.infer<typeof RejectedEventDetail>;
/** What replaying or resolving a rejected event answers. */
export const RejectedEventActed = z.object({
  rejectionId: z.string(),
  status: z.enum(['replayed', 'resolved']),
  eventId: z.string().optional(),
});

/** The business keys an execution can be found by (`GET /executions?opportunity=...`). */
export const ExecutionQuery = z
  .object({
    opportunity: z.string().min(1).max(256).optional(),
    client: z.string().min(1).max(256).optional(),
    project: z.string().min(1).max(256).optional(),
    system: z.string().min(1).max(64).optional(),
    workflow: z.string().min(1).max(64).optional(),
  })
  .refine(
    (query) => [query.opportunity, query.client, query.project].filter((value) => value !== undefined).length === 1,
    { message: 'name exactly one of opportunity, client or project' },
  );
/** Typed {@link ExecutionQuery}. */
export type ExecutionQuery = z.infer<typeof ExecutionQuery>;

/** One execution found under a business key. */
export const ExecutionSummary = z.object({
  workflow: z.string(),
  executionName: z.string(),
  executionArn: z.string(),
  startedAt: z.string(),
  status: z.string(),
});
/** Typed {@link ExecutionSummary}. */
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

/** One event of an execution's history, with the details the Step Functions console shows. */
export const ExecutionHistoryEvent = z.object({
  id: z.number(),
  type: z.string(),
  at: z.string(),
  stateName: z.string().optional(),
  /** Input, output, error or cause, as the history carries them (JSON text, cut to a readable length). */
  detail: z.string().optional(),
});
/** Typed {@link ExecutionHistoryEvent}. */
export type ExecutionHistoryEvent = z.infer<typeof ExecutionHistoryEvent>;

/** `GET /executions/{executionArn}`: status, the ASL definition to draw and the history. */
export const ExecutionDetail = z.object({
  executionArn: z.string(),
  name: z.string(),
  stateMachineArn: z.string(),
  status: z.string(),
  startedAt: z.string(),
  stoppedAt: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  /** The state machine's Amazon States Language definition, as JSON text. */
  definition: z.string(),
  /** The state the execution is in now (running) or was in when it stopped. */
  currentState: z.string().optional(),
  /** States whose task failed (caught or not): drawn in red. */
  failedStates: z.array(z.string()),
  /** Every state entered at least once: drawn as visited. */
  visitedStates: z.array(z.string()),
  events: z.array(ExecutionHistoryEvent),
});
/** Typed {@link ExecutionDetail}. */
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

/** The exception filters `GET /exceptions` accepts; each is served by an index. */
export const ExceptionListQuery = z.object({
  status: ExceptionStatus.optional(),
  owner: z.string().optional(),
  workflow: z.string().optional(),
  client: z.string().optional(),
  project: z.string().optional(),
});
