import * as z from 'zod';
import type { AuditLog } from '../audit/audit-log';
import type { Directory } from '../directory/directory';
import { Role } from '../directory/roles';
import { TaskActionRefused } from '../human-tasks/human-task';
import { IsoDateTime, Region } from '../model/primitives';
import { cycleExecutionName } from './billing-steps';
import { CycleInput } from './billing-state';

/** The roles that may start a billing cycle on demand: finance runs billing, the CFO answers for it. */
export const BILLING_RUN_ROLES: readonly Role[] = [Role.enum['finance-ops'], Role.enum.cfo];

/** The body of `POST /billing/runs`. */
export const BillingRunBody = z.object({
  region: Region,
  period: z.string().min(1).max(20),
  /** Another id reruns a cycle (it drafts nothing twice); `run-1` is the scheduled run. */
  runId: CycleInput.shape.runId,
  /** Closes at this time instead of the calendar's cut-off: to rehearse a close. */
  cutOffAt: IsoDateTime.optional(),
});
/** Typed {@link BillingRunBody}. */
export type BillingRunBody = z.input<typeof BillingRunBody>;

/** Starts the cycle's execution by name; a taken name answers `alreadyStarted`. */
export interface BillingCycleStarter {
  start(executionName: string, input: CycleInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** What starting a run needs. */
export interface BillingRunDependencies {
  readonly directory: Directory;
  readonly audit: AuditLog;
  readonly cycles: BillingCycleStarter;
  readonly now: () => Date;
}

/** What starting a run answers. */
export interface BillingRunStarted {
  readonly executionName: string;
  readonly executionArn: string;
  readonly alreadyStarted: boolean;
}

/**
 * Starts a region's billing cycle for a period on demand (`POST /billing/runs`, used by
 * `psflow billing run` against AWS). Only finance (or the CFO) may: the check sits behind the
 * API, so no client skips it. Each request is audited under the cycle, a repeated one too (it
 * starts nothing: the execution name is the region, period and run).
 */
export async function startBillingRun(
  actor: string,
  body: unknown,
  deps: BillingRunDependencies,
): Promise<BillingRunStarted> {
  const user = await deps.directory.find(actor);
  if (!user?.grants.some((grant) => BILLING_RUN_ROLES.includes(grant.role)))
    throw new TaskActionRefused(
      'NotAuthorized',
      `${actor} may not start a billing cycle; it takes one of ${BILLING_RUN_ROLES.join(', ')}`,
    );
  const request = BillingRunBody.parse(body);
  const input: CycleInput = CycleInput.parse({ ...request, trigger: 'on-demand', requestedBy: actor });
  const executionName = cycleExecutionName(input.region, input.period, input.runId);
  const started = await deps.cycles.start(executionName, input);
  await deps.audit.append({
    subjectType: 'billing-cycle',
    subjectId: `${input.region}#${input.period}`,
    action: started.alreadyStarted ? 'run-already-started' : 'start-run',
    actor,
    at: deps.now().toISOString(),
    why: `on demand, run ${input.runId}${input.cutOffAt ? `, cut-off ${input.cutOffAt}` : ''}`,
    details: { executionArn: started.executionArn, runId: input.runId },
  });
  return { executionName, ...started };
}
