import * as z from 'zod';
import { Role, type ErrorClass } from '../directory/roles';
import { ExternalId } from '../model/primitives';

/** Life cycle of an exception: open until its owner acts, then the action taken. */
export const ExceptionStatus = z.enum(['open', 'retrying', 'skipped', 'aborted']);
/** Typed {@link ExceptionStatus}. */
export type ExceptionStatus = z.infer<typeof ExceptionStatus>;

/** What the owner did. */
export const ExceptionResolution = z.object({
  action: z.enum(['retry', 'skip', 'abort']),
  by: z.string(),
  at: z.string(),
  note: z.string(),
  reference: z.string().optional(),
  /** The JSON Patch applied to the step input for a retry. */
  patch: z.array(z.record(z.string(), z.unknown())).optional(),
});
/** Typed {@link ExceptionResolution}. */
export type ExceptionResolution = z.infer<typeof ExceptionResolution>;

/** A failed step waiting for its owner (design decision 6). */
export const WorkflowException = z.object({
  exceptionId: z.string(),
  workflow: z.string(),
  executionArn: z.string(),
  step: z.string(),
  /** 1 for the first filing of this step in this execution; a retry that fails again files attempt 2. */
  attempt: z.number().int().positive(),
  errorClass: z.enum(['finance', 'delivery', 'staffing', 'integration']),
  ownerRole: Role,
  reasonCode: z.string(),
  message: z.string(),
  stepInput: z.unknown(),
  clientId: ExternalId.optional(),
  projectId: ExternalId.optional(),
  status: ExceptionStatus,
  createdAt: z.string(),
  dueAt: z.string(),
  slaSeconds: z.number().positive(),
  /** SLA breaches so far: the first reminds the owner role, later ones escalate it (absent: none). */
  breaches: z.number().int().nonnegative().optional(),
  token: z.string(),
  links: z.object({ execution: z.string(), console: z.string() }),
  resolution: ExceptionResolution.optional(),
});
/** Typed {@link WorkflowException}. */
export type WorkflowException = z.infer<typeof WorkflowException>;

/** Filters for listing exceptions; each is served by an index, never a scan. */
export interface ExceptionFilter {
  readonly status?: ExceptionStatus;
  readonly ownerRole?: Role;
  readonly workflow?: string;
  readonly clientKey?: string;
  readonly projectKey?: string;
}

/** Storage of exceptions. */
export interface ExceptionStore {
  get(exceptionId: string): Promise<WorkflowException | undefined>;
  /** Files an exception; filing the same attempt again, while it is open, only renews its token. */
  put(exception: WorkflowException): Promise<void>;
  /** Records the owner's action if the exception is still open; false otherwise. */
  resolve(
    exceptionId: string,
    status: Exclude<ExceptionStatus, 'open'>,
    resolution: ExceptionResolution,
  ): Promise<boolean>;
  list(filter: ExceptionFilter, limit: number): Promise<WorkflowException[]>;
  /** The newest attempt filed for a step of an execution. */
  latestAttempt(executionArn: string, step: string): Promise<WorkflowException | undefined>;
  /** Open exceptions due at or before `now`, soonest due first. */
  listOverdue(now: string, limit: number): Promise<WorkflowException[]>;
  /**
   * Records an SLA breach if the exception is still open with `expectedBreaches` breaches, so two
   * overlapping sweeps record it once; false otherwise.
   */
  recordBreach(
    exceptionId: string,
    expectedBreaches: number,
    next: { ownerRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean>;
}

/** Exported for the HTTP API: the error class an owner role answers for. */
export type { ErrorClass };
