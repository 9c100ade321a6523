import * as z from 'zod';
import type { EventPublisher } from '../events/event-publisher';
import { WorkflowDetailType, PsflowSource } from '../events/catalogue';
import { IsoDateTime } from '../model/primitives';
import type { WorkflowException } from './workflow-exception';

/** Where an exception happened, as the KPIs slice it: the failing system and the deal's region and practice. */
const EXCEPTION_FACTS = {
  exceptionId: z.string().min(1),
  workflow: z.string().min(1),
  executionArn: z.string().min(1),
  step: z.string().min(1),
  attempt: z.number().int().positive(),
  errorClass: z.string().min(1),
  reasonCode: z.string().min(1),
  /** The system whose failure filed it (`erp`, `psa`, ...), or `psflow` for psflow's own checks. */
  system: z.string().min(1),
  /** Region and practice of the deal, when the failed step's input names them. */
  region: z.string().min(1).optional(),
  practice: z.string().min(1).optional(),
  filedAt: IsoDateTime,
};

/** Detail of `Exception Filed`: a step failed after its retries and waits for its owner. */
export const ExceptionFiledDetail = z.object({ ...EXCEPTION_FACTS, ownerRole: z.string().min(1) });
/** Typed {@link ExceptionFiledDetail}. */
export type ExceptionFiledDetail = z.infer<typeof ExceptionFiledDetail>;

/** Detail of `Exception Resolved`: the owner retried, skipped with evidence or aborted. */
export const ExceptionResolvedDetail = z.object({
  ...EXCEPTION_FACTS,
  action: z.enum(['retry', 'skip', 'abort']),
  resolvedBy: z.string().min(1),
  resolvedAt: IsoDateTime,
});
/** Typed {@link ExceptionResolvedDetail}. */
export type ExceptionResolvedDetail = z.infer<typeof ExceptionResolvedDetail>;

/**
 * The owning system of an exception: connector errors say `<connector>.<operation>: ...`
 * (see classify-error.ts); anything else failed in psflow's own code or checks.
 */
export function owningSystem(exception: Pick<WorkflowException, 'message'>): string {
  return /^([a-z]+)\.[A-Za-z]+: /.exec(exception.message)?.[1] ?? 'psflow';
}

const DimensionValue = z.string().min(1).max(64);
const Dimensions = z.object({ region: DimensionValue, practice: DimensionValue });

/**
 * Region and practice named by a step input, looked for at the top and one level down
 * (`engagement`, `opportunity`, `project`, ...), because each workflow shapes its state its own way.
 */
export function dimensionsOf(stepInput: unknown): { region?: string; practice?: string } {
  const candidates: unknown[] = [stepInput];
  if (typeof stepInput === 'object' && stepInput !== null) candidates.push(...Object.values(stepInput));
  for (const candidate of candidates) {
    const parsed = Dimensions.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return {};
}

function facts(exception: WorkflowException): z.infer<z.ZodObject<typeof EXCEPTION_FACTS>> {
  return {
    exceptionId: exception.exceptionId,
    workflow: exception.workflow,
    executionArn: exception.executionArn,
    step: exception.step,
    attempt: exception.attempt,
    errorClass: exception.errorClass,
    reasonCode: exception.reasonCode,
    system: owningSystem(exception),
    ...dimensionsOf(exception.stepInput),
    filedAt: exception.createdAt,
  };
}

/** Announces a filed exception. */
export async function publishExceptionFiled(events: EventPublisher, exception: WorkflowException): Promise<void> {
  const detail: ExceptionFiledDetail = { ...facts(exception), ownerRole: exception.ownerRole };
  await events.publish([{ source: PsflowSource.Workflow, detailType: WorkflowDetailType.ExceptionFiled, detail }]);
}

/** Announces an owner's action on an exception. */
export async function publishExceptionResolved(
  events: EventPublisher,
  exception: WorkflowException,
  resolution: { action: 'retry' | 'skip' | 'abort'; by: string; at: string },
): Promise<void> {
  const detail: ExceptionResolvedDetail = {
    ...facts(exception),
    action: resolution.action,
    resolvedBy: resolution.by,
    resolvedAt: resolution.at,
  };
  await events.publish([{ source: PsflowSource.Workflow, detailType: WorkflowDetailType.ExceptionResolved, detail }]);
}
