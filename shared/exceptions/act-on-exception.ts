import type { AuditLog } from '../audit/audit-log';
import { ErrorName } from '../errors/error-names';
import type { Directory } from '../directory/directory';
import { TaskActionRefused } from '../human-tasks/human-task';
import type { WorkflowTokens } from '../human-tasks/task-ports';
import type { EventPublisher } from '../events/event-publisher';
import { publishExceptionResolved } from './exception-events';
import type { StepContractLookup } from '../workflows/step-contract';
import { approvedFieldsTouched } from './approved-fields';
import { DYNAMODB_MAX_NESTING, jsonBytes, jsonDepth, MAX_STATE_BYTES } from './json-limits';
import { applyPatch, InvalidPatchError, parsePatch } from './json-patch';
import type { ExceptionResolution, ExceptionStatus, ExceptionStore, WorkflowException } from './workflow-exception';
import { messageOf } from '../errors/error-message';

/** An owner's action on an exception. */
export type ExceptionAction =
  | { readonly action: 'retry'; readonly patch?: unknown; readonly note?: string }
  | { readonly action: 'skip'; readonly output: unknown; readonly note: string; readonly reference: string }
  | { readonly action: 'abort'; readonly note: string };

/** What acting needs. */
export interface ExceptionDependencies {
  readonly exceptions: ExceptionStore;
  readonly directory: Directory;
  readonly tokens: WorkflowTokens;
  readonly audit: AuditLog;
  /** The workflows' guarded-step contracts; this module knows no workflow itself. */
  readonly contracts: StepContractLookup;
  readonly now: () => Date;
  /** Announces `Exception Resolved` for the KPIs; absent where nobody listens. */
  readonly events?: EventPublisher;
}

/**
 * Carries out an owner's decision on an exception: retry the step (optionally with its input
 * corrected by a JSON Patch, checked against the step's input schema), skip it with evidence
 * and a supplied output (checked against its output schema), or abort the execution so its
 * compensation runs. Only a holder of the owner role may act, and only once.
 */
export async function actOnException(
  exceptionId: string,
  actor: string,
  request: ExceptionAction,
  deps: ExceptionDependencies,
): Promise<WorkflowException> {
  const exception = await deps.exceptions.get(exceptionId);
  if (!exception) throw new TaskActionRefused('NotFound', `no exception ${exceptionId}`);
  const user = await deps.directory.find(actor);
  if (!user?.grants.some((grant) => grant.role === exception.ownerRole)) {
    throw new TaskActionRefused(
      'NotAuthorized',
      `${actor} may not act on this exception: it belongs to ${exception.ownerRole}`,
    );
  }
  if (exception.status !== 'open') {
    const done = exception.resolution;
    throw new TaskActionRefused(
      'AlreadyDecided',
      `exception ${exceptionId} is ${exception.status}${done ? ` (${done.action} by ${done.by} at ${done.at})` : ''}`,
    );
  }
  const contract = deps.contracts(exception.workflow, exception.step);
  const at = deps.now().toISOString();
  let status: Exclude<ExceptionStatus, 'open'>;
  let resolution: ExceptionResolution;
  let send: () => ReturnType<WorkflowTokens['succeed']>;
  switch (request.action) {
    case 'retry': {
      // The patch is kept under `resolution` (one level down), and the corrected input becomes the
      // stored input of any later exception, so both must fit DynamoDB's nesting and the state limit.
      checkLimits('the patch', request.patch, DYNAMODB_MAX_NESTING - 1);
      const patch = request.patch === undefined ? [] : toPatch(request.patch);
      const touched = approvedFieldsTouched(contract?.approvedFields ?? [], patch);
      if (touched.length > 0) {
        throw new TaskActionRefused(
          'ChangesApprovedFields',
          `the patch changes what was approved, which a retry may not: ${touched.join('; ')}. Retry without changing approved fields, or abort and have the change approved (docs/human-tasks.md lists what each step lets you patch)`,
        );
      }
      const input = patchInput(exception.stepInput, patch);
      checkLimits('the corrected input', input, DYNAMODB_MAX_NESTING);
      if (contract) {
        const checked = contract.input.safeParse(input);
        if (!checked.success)
          throw new TaskActionRefused(
            'InvalidRequest',
            `the corrected input does not fit ${exception.step}: ${summarise(checked.error)}`,
          );
      }
      status = 'retrying';
      resolution = {
        action: 'retry',
        by: actor,
        at,
        note: request.note ?? 'retried',
        patch: [...patch],
      };
      send = () => deps.tokens.succeed(exception.token, { action: 'retry', input });
      break;
    }
    case 'skip': {
      if (!request.note?.trim() || !request.reference?.trim())
        throw new TaskActionRefused(
          'InvalidRequest',
          'skipping needs evidence: a note and a reference (for example the manual booking number)',
        );
      checkLimits('the supplied output', request.output, DYNAMODB_MAX_NESTING);
      if (contract) {
        const checked = contract.output.safeParse(request.output);
        if (!checked.success)
          throw new TaskActionRefused(
            'InvalidRequest',
            `the supplied output does not fit ${exception.step}: ${summarise(checked.error)}`,
          );
      }
      status = 'skipped';
      resolution = { action: 'skip', by: actor, at, note: request.note, reference: request.reference };
      send = () => deps.tokens.succeed(exception.token, { action: 'skip', output: request.output });
      break;
    }
    case 'abort': {
      if (!request.note?.trim())
        throw new TaskActionRefused('InvalidRequest', 'say why the execution is aborted with a note');
      status = 'aborted';
      resolution = { action: 'abort', by: actor, at, note: request.note };
      send = () =>
        deps.tokens.fail(
          exception.token,
          ErrorName.Aborted,
          JSON.stringify({ exceptionId, by: actor, note: request.note }),
        );
      break;
    }
  }
  if (!(await deps.exceptions.resolve(exceptionId, status, resolution))) {
    throw new TaskActionRefused('AlreadyDecided', `exception ${exceptionId} was acted on meanwhile; show it again`);
  }
  await deps.audit.append({
    subjectType: 'exception',
    subjectId: exceptionId,
    action: request.action,
    actor,
    at,
    why: resolution.note,
    details: {
      step: exception.step,
      executionArn: exception.executionArn,
      ...(resolution.reference ? { reference: resolution.reference } : {}),
      ...(resolution.patch?.length ? { patch: resolution.patch } : {}),
    },
  });
  if ((await send()) === 'stale') {
    throw new TaskActionRefused(
      'NoLongerWaiting',
      `the workflow no longer waits on exception ${exceptionId} (stopped or timed out); the action was recorded but has no effect`,
    );
  }
  // After the workflow was told: the action is done and cannot be repeated, so a failure to announce
  // it is reported as such, never as a failed action.
  if (deps.events) {
    try {
      await publishExceptionResolved(deps.events, exception, resolution);
    } catch (error) {
      throw new Error(
        `exception ${exceptionId} was ${status} and the workflow was told, but its Exception Resolved event could not be published: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { ...exception, status, resolution };
}

/** Refuses a document nested deeper than `maxDepth` or larger than a state may be, before anything uses it. */
function checkLimits(what: string, value: unknown, maxDepth: number): void {
  if (value === undefined) return;
  const depth = jsonDepth(value, maxDepth);
  if (depth > maxDepth)
    throw new TaskActionRefused(
      'InvalidRequest',
      `${what} nests more than ${maxDepth} levels deep; DynamoDB stores at most ${DYNAMODB_MAX_NESTING} levels`,
    );
  const bytes = jsonBytes(value);
  if (bytes > MAX_STATE_BYTES)
    throw new TaskActionRefused(
      'InvalidRequest',
      `${what} is ${bytes} bytes; a workflow state holds at most ${MAX_STATE_BYTES} bytes (256 KB)`,
    );
}

function toPatch(value: unknown): ReturnType<typeof parsePatch> {
  try {
    return parsePatch(value);
  } catch (error) {
    throw new TaskActionRefused('InvalidRequest', messageOf(error));
  }
}

function patchInput(input: unknown, patch: ReturnType<typeof parsePatch>): unknown {
  try {
    return applyPatch(input, patch);
  } catch (error) {
    if (error instanceof InvalidPatchError) throw new TaskActionRefused('InvalidRequest', error.message);
    throw error;
  }
}

function summarise(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.map((issue) => `/${issue.path.map(String).join('/')}: ${issue.message}`).join('; ');
}
