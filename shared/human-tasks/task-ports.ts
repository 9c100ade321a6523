import * as z from 'zod';
import { Role } from '../directory/roles';
import type { HumanTask, TaskDecision, TaskStatus } from './human-task';

/** Storage of human tasks. */
export interface HumanTaskStore {
  get(taskId: string): Promise<HumanTask | undefined>;
  /** Every level of one approval request. */
  listByRequest(requestId: string): Promise<HumanTask[]>;
  /** Creates or, for a retried request step, re-arms an open task with a new token. */
  put(task: HumanTask): Promise<void>;
  /** Records a decision if the task is still open, under the same token and assignee; false if not. */
  recordDecision(task: HumanTask, decision: TaskDecision): Promise<boolean>;
  markDelivered(taskId: string): Promise<void>;
  setStatus(taskId: string, status: TaskStatus): Promise<void>;
  /** Open tasks whose due time has passed. */
  listOverdue(now: string, limit: number): Promise<HumanTask[]>;
  /** Open tasks waiting on a role, soonest due first. */
  listOpenByRole(role: Role, limit: number): Promise<HumanTask[]>;
  /** Records an SLA breach: optionally a new assignee, the next due time, the breach count. */
  recordBreach(
    taskId: string,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean>;
}

/** A time-boxed handover of one role's decisions to another holder of the role. */
export const Delegation = z.object({
  delegationId: z.string(),
  delegator: z.string(),
  delegate: z.string(),
  role: Role,
  from: z.string(),
  until: z.string(),
  createdAt: z.string(),
});
/** Typed {@link Delegation}. */
export type Delegation = z.infer<typeof Delegation>;

/** Storage of delegations. */
export interface DelegationStore {
  put(delegation: Delegation): Promise<void>;
  /** Delegations to `delegate` for `role` in force at `at`. */
  activeFor(delegate: string, role: Role, at: string): Promise<Delegation[]>;
}

/** What happened when a waiting workflow was told the outcome. */
export type TokenDelivery = 'delivered' | 'stale';

/** Completes the task tokens workflows wait on. */
export interface WorkflowTokens {
  succeed(token: string, output: unknown): Promise<TokenDelivery>;
  fail(token: string, error: string, cause: string): Promise<TokenDelivery>;
}
