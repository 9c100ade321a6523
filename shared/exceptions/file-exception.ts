import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { EventPublisher } from '../events/event-publisher';
import { ExternalId } from '../model/primitives';
import { publishExceptionFiled } from './exception-events';
import { classifyFailure } from './classify-error';
import type { ExceptionStore, WorkflowException } from './workflow-exception';

/** What the guarded-step pattern passes when a step fails after its retries. */
export const FileExceptionInput = z.object({
  taskToken: z.string().min(1),
  workflow: z.string().min(1),
  executionArn: z.string().min(1),
  step: z.string().min(1),
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }),
  stepInput: z.unknown(),
  clientId: ExternalId.optional(),
  projectId: ExternalId.optional(),
});

/** How long an owner has to act before the exception is overdue. */
export const EXCEPTION_SLA_SECONDS = 24 * 3600;

/**
 * Files an exception for a failed step and hands it to its owner. Each filing of one step in
 * one execution is a new attempt; a redelivered filing of the same attempt re-arms it.
 */
export async function fileException(
  input: unknown,
  exceptions: ExceptionStore,
  now: Date,
  region: string,
  events?: EventPublisher,
): Promise<WorkflowException> {
  const request = FileExceptionInput.parse(input);
  const previous = await exceptions.latestAttempt(request.executionArn, request.step);
  // A redelivered filing finds its own attempt still open; anything else is a new failure.
  const attempt = previous === undefined ? 1 : previous.status === 'open' ? previous.attempt : previous.attempt + 1;
  const classified = classifyFailure(request.failure);
  const exception: WorkflowException = {
    exceptionId: `exc-${createHash('sha256').update(`${request.executionArn}#${request.step}#${attempt}`).digest('hex').slice(0, 24)}`,
    workflow: request.workflow,
    executionArn: request.executionArn,
    step: request.step,
    attempt,
    errorClass: classified.errorClass,
    ownerRole: classified.ownerRole,
    reasonCode: classified.reasonCode,
    message: classified.message,
    stepInput: request.stepInput,
    clientId: request.clientId,
    projectId: request.projectId,
    status: 'open',
    createdAt: now.toISOString(),
    dueAt: new Date(now.getTime() + EXCEPTION_SLA_SECONDS * 1000).toISOString(),
    slaSeconds: EXCEPTION_SLA_SECONDS,
    token: request.taskToken,
    links: {
      execution: request.executionArn,
      console: `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${request.executionArn}`,
    },
  };
  // Re-arming renews the token only (the store writes nothing else): an SLA already breached or
  // escalated stays as the sweeper left it, and the answer says so.
  const rearmed =
    previous?.status === 'open'
      ? {
          ...exception,
          createdAt: previous.createdAt,
          dueAt: previous.dueAt,
          ownerRole: previous.ownerRole,
          ...(previous.breaches ? { breaches: previous.breaches } : {}),
        }
      : exception;
  await exceptions.put(rearmed);
  // A redelivered filing announces again; consumers key on the exception id.
  if (events) await publishExceptionFiled(events, rearmed);
  return rearmed;
}
