import type { AuditLog } from '../audit/audit-log';
import { ErrorName } from '../errors/error-names';
import type { Directory } from '../directory/demo-directory';
import { TaskActionRefused } from '../human-tasks/human-task';
import type { WorkflowTokens } from '../human-tasks/task-ports';
import type { StepContractLookup } from '../workflows/step-contract';
import { applyPatch, InvalidPatchError, parsePatch } from './json-patch';
import type { ExceptionResolution, ExceptionStatus, ExceptionStore, WorkflowException } from './workflow-exception';

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
}

/**
 * Carries out an owner's decision on an exception: retry the step (optionally with its input
 * corrected by a JSON Patch, checked against the step's input schema), skip it with evidence
 * and a supplied output (checked against its output schema), or abort the execution so its
 * compensation runs. Only a holder of the owner role may act, and only once.
 */
export async function actOnException(exceptionId: string, actor: string, request: ExceptionAction, deps: ExceptionDependencies): Promise<WorkflowException> {
  const exception = await deps.exceptions.get(exceptionId);
  if (!exception) throw new TaskActionRefused('NotFound', `no exception ${exceptionId}`);
  const user = deps.directory.find(actor);
  if (!user?.grants.some((grant) => grant.role === exception.ownerRole)) {
    throw new TaskActionRefused('NotAuthorized', `${actor} may not act on this exception: it belongs to ${exception.ownerRole}`);
  }
  if (exception.status !== 'open') {
    const done = exception.resolution;
    throw new TaskActionRefused('AlreadyDecided', `exception ${exceptionId} is ${exception.status}${done ? ` (${done.action} by ${done.by} at ${done.at})` : ''}`);
  }
  const contract = deps.contracts(exception.workflow, exception.step);
  const at = deps.now().toISOString();
  let status: Exclude<ExceptionStatus, 'open'>;
  let resolution: ExceptionResolution;
  let send: () => ReturnType<WorkflowTokens['succeed']>;
  switch (request.action) {
    case 'retry': {
      const patch = request.patch === undefined ? [] : toPatch(request.patch);
      const input = patchInput(exception.stepInput, patch);
      if (contract) {
        const checked = contract.input.safeParse(input);
        if (!checked.success) throw new TaskActionRefused('InvalidRequest', `the corrected input does not fit ${exception.step}: ${summarise(checked.error)}`);
      }
      status = 'retrying';
      resolution = { action: 'retry', by: actor, at, note: request.note ?? 'retried', patch: patch as unknown as Array<Record<string, unknown>> };
      send = () => deps.tokens.succeed(exception.token, { action: 'retry', input });
      break;
    }
    case 'skip': {
      if (!request.note?.trim() || !request.reference?.trim()) throw new TaskActionRefused('InvalidRequest', 'skipping needs evidence: a note and a reference (for example the manual booking number)');
      if (contract) {
        const checked = contract.output.safeParse(request.output);
        if (!checked.success) throw new TaskActionRefused('InvalidRequest', `the supplied output does not fit ${exception.step}: ${summarise(checked.error)}`);
      }
      status = 'skipped';
      resolution = { action: 'skip', by: actor, at, note: request.note, reference: request.reference };
      send = () => deps.tokens.succeed(exception.token, { action: 'skip', output: request.output });
      break;
    }
    case 'abort': {
      if (!request.note?.trim()) throw new TaskActionRefused('InvalidRequest', 'say why the execution is aborted with a note');
      status = 'aborted';
      resolution = { action: 'abort', by: actor, at, note: request.note };
      send = () => deps.tokens.fail(exception.token, ErrorName.Aborted, JSON.stringify({ exceptionId, by: actor, note: request.note }));
      break;
    }
  }
  if (!(await deps.exceptions.resolve(exceptionId, status, resolution))) {
    throw new TaskActionRefused('AlreadyDecided', `exception ${exceptionId} was acted on meanwhile; show it again`);
  }
  await deps.audit.append({ subjectType: 'exception', subjectId: exceptionId, action: request.action, actor, at, why: resolution.note, details: { step: exception.step, executionArn: exception.executionArn, ...(resolution.reference ? { reference: resolution.reference } : {}), ...(resolution.patch?.length ? { patch: resolution.patch } : {}) } });
  if ((await send()) === 'stale') {
    throw new TaskActionRefused('NoLongerWaiting', `the workflow no longer waits on exception ${exceptionId} (stopped or timed out); the action was recorded but has no effect`);
  }
  return { ...exception, status, resolution };
}

function toPatch(value: unknown): ReturnType<typeof parsePatch> {
  try {
    return parsePatch(value);
  } catch (error) {
    throw new TaskActionRefused('InvalidRequest', (error as Error).message);
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
