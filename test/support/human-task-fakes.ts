import type { AuditEntry, AuditLog } from '../../shared/audit/audit-log';
import { DEMO_USERS } from '../../shared/directory/demo-directory';
import { InMemoryDirectory } from '../../shared/directory/directory';
import type { Role } from '../../shared/directory/roles';
import type {
  ExceptionFilter,
  ExceptionResolution,
  ExceptionStatus,
  ExceptionStore,
  WorkflowException,
} from '../../shared/exceptions/workflow-exception';
import type { DecideDependencies } from '../../shared/human-tasks/decide-task';
import type { HumanTask, TaskDecision, TaskStatus } from '../../shared/human-tasks/human-task';
import type { BreachPublisher, SlaBreach } from '../../shared/human-tasks/sweep-overdue-tasks';
import type {
  Delegation,
  DelegationStore,
  HumanTaskStore,
  TokenDelivery,
  WorkflowTokens,
} from '../../shared/human-tasks/task-ports';
import { businessKey } from '../../shared/workflows/workflow-names';
import type { StepContractLookup } from '../../shared/workflows/step-contract';
import { stepContract } from '../../shared/workflows/step-contracts';

/**
 * In-memory fakes of the human-task and exception ports, with the conditional-write semantics
 * of the DynamoDB tables they stand in for (shared/repositories), and builders of tasks and
 * exceptions. Every read returns a copy, so a caller holding a task sees a snapshot, as it
 * would from DynamoDB.
 */

/** The instant every human-task test starts at. */
export const NOW = new Date('2026-11-19T10:00:00.000Z');

/** The execution most tasks and exceptions belong to. */
export const EXECUTION_ARN =
  'arn:aws:states:eu-west-1:111122223333:execution:psflow-project-activation:opportunity-salesforce-0068d00000B7kQwAAJ';

/** A clock the tests move forward. */
export class FakeClock {
  private current: Date;
  constructor(start: Date = NOW) {
    this.current = new Date(start.getTime());
  }
  readonly now = (): Date => new Date(this.current.getTime());
  set(at: Date): void {
    this.current = new Date(at.getTime());
  }
  advanceHours(hours: number): void {
    this.current = new Date(this.current.getTime() + hours * 3_600_000);
  }
}

/** The instant `hours` after {@link NOW}. */
export function hoursAfterNow(hours: number): Date {
  return new Date(NOW.getTime() + hours * 3_600_000);
}

/** Tasks in memory, with the conditions of `HumanTasksTable`. */
export class InMemoryHumanTaskStore implements HumanTaskStore {
  readonly items = new Map<string, HumanTask>();
  /** Runs at the start of `recordDecision`, to let a test change the task between a read and the write. */
  beforeRecordDecision?: (store: InMemoryHumanTaskStore) => void;
  readonly breachAttempts: Array<{ taskId: string; expectedBreaches: number }> = [];

  /** Puts a task as is, bypassing the conditions (test set-up). */
  seed(...tasks: HumanTask[]): void {
    for (const task of tasks) this.items.set(task.taskId, structuredClone(task));
  }

  /** The stored task; throws when there is none. */
  peek(taskId: string): HumanTask {
    const task = this.items.get(taskId);
    if (!task) throw new Error(`no task ${taskId} in the fake store`);
    return structuredClone(task);
  }

  async get(taskId: string): Promise<HumanTask | undefined> {
    const task = this.items.get(taskId);
    return task ? structuredClone(task) : undefined;
  }

  async listByRequest(requestId: string): Promise<HumanTask[]> {
    return [...this.items.values()].filter((task) => task.requestId === requestId).map((task) => structuredClone(task));
  }

  async put(task: HumanTask): Promise<void> {
    const existing = this.items.get(task.taskId);
    if (existing && existing.status !== 'open') return;
    this.items.set(task.taskId, structuredClone(task));
  }

  async recordDecision(task: HumanTask, decision: TaskDecision): Promise<boolean> {
    this.beforeRecordDecision?.(this);
    const current = this.items.get(task.taskId);
    if (
      !current ||
      current.status !== 'open' ||
      current.token !== task.token ||
      current.assigneeRole !== task.assigneeRole ||
      current.decision
    )
      return false;
    this.items.set(task.taskId, { ...current, status: decision.outcome, decision: structuredClone(decision) });
    return true;
  }

  async markDelivered(taskId: string): Promise<void> {
    const current = this.items.get(taskId);
    if (current?.decision) this.items.set(taskId, { ...current, decision: { ...current.decision, delivered: true } });
  }

  async setStatus(taskId: string, status: TaskStatus): Promise<void> {
    const current = this.items.get(taskId);
    if (current) this.items.set(taskId, { ...current, status });
  }

  async listOverdue(now: string, limit: number): Promise<HumanTask[]> {
    return this.sorted((task) => task.status === 'open' && task.dueAt <= now).slice(0, limit);
  }

  async listOpenByRole(role: Role, limit: number): Promise<HumanTask[]> {
    return this.sorted((task) => task.status === 'open' && task.assigneeRole === role).slice(0, limit);
  }

  async recordBreach(
    taskId: string,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    this.breachAttempts.push({ taskId, expectedBreaches });
    const current = this.items.get(taskId);
    if (!current || current.status !== 'open' || current.breaches !== expectedBreaches) return false;
    this.items.set(taskId, { ...current, assigneeRole: next.assigneeRole, dueAt: next.dueAt, breaches: next.breaches });
    return true;
  }

  private sorted(keep: (task: HumanTask) => boolean): HumanTask[] {
    return [...this.items.values()]
      .filter(keep)
      .sort((left, right) => left.dueAt.localeCompare(right.dueAt))
      .map((task) => structuredClone(task));
  }
}

/** Delegations in memory: in force from `from` (inclusive) until `until` (exclusive). */
export class InMemoryDelegationStore implements DelegationStore {
  readonly items: Delegation[] = [];

  async put(delegation: Delegation): Promise<void> {
    this.items.push({ ...delegation });
  }

  async activeFor(delegate: string, role: Role, at: string): Promise<Delegation[]> {
    return this.items
      .filter(
        (delegation) =>
          delegation.delegate === delegate &&
          delegation.role === role &&
          delegation.from <= at &&
          at < delegation.until,
      )
      .map((delegation) => ({ ...delegation }));
  }
}

/** One call to the workflow tokens. */
export type TokenCall =
  | { readonly kind: 'succeed'; readonly token: string; readonly output: unknown }
  | { readonly kind: 'fail'; readonly token: string; readonly error: string; readonly cause: string };

/** Records every token completion; answers `stale` for tokens listed in `staleTokens`. */
export class RecordingWorkflowTokens implements WorkflowTokens {
  readonly calls: TokenCall[] = [];
  readonly staleTokens = new Set<string>();
  /** How many of the next calls fail with a network error before reaching Step Functions. */
  failNextCalls = 0;

  async succeed(token: string, output: unknown): Promise<TokenDelivery> {
    return this.answer({ kind: 'succeed', token, output: structuredClone(output) });
  }

  async fail(token: string, error: string, cause: string): Promise<TokenDelivery> {
    return this.answer({ kind: 'fail', token, error, cause });
  }

  private answer(call: TokenCall): TokenDelivery {
    if (this.failNextCalls > 0) {
      this.failNextCalls -= 1;
      throw new Error('connect ECONNRESET states.eu-west-1.amazonaws.com');
    }
    this.calls.push(call);
    return this.staleTokens.has(call.token) ? 'stale' : 'delivered';
  }
}

/** An append-only audit log in memory. */
export class InMemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async append(entry: AuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
  }

  async list(subjectType: AuditEntry['subjectType'], subjectId: string): Promise<AuditEntry[]> {
    return this.entries.filter((entry) => entry.subjectType === subjectType && entry.subjectId === subjectId);
  }
}

/** Records what the SLA sweep publishes. */
export class RecordingBreachPublisher implements BreachPublisher {
  readonly batches: SlaBreach[][] = [];

  async publish(breaches: readonly SlaBreach[]): Promise<void> {
    this.batches.push([...breaches]);
  }

  get all(): SlaBreach[] {
    return this.batches.flat();
  }
}

/** Exceptions in memory, with the conditions of `ExceptionsTable`. */
export class InMemoryExceptionStore implements ExceptionStore {
  readonly items = new Map<string, WorkflowException>();
  /** Runs at the start of `resolve`, to let a test act on the exception between a read and the write. */
  beforeResolve?: (store: InMemoryExceptionStore) => void;

  /** Puts an exception as is, bypassing the conditions (test set-up). */
  seed(...exceptions: WorkflowException[]): void {
    for (const exception of exceptions) this.items.set(exception.exceptionId, structuredClone(exception));
  }

  /** The stored exception; throws when there is none. */
  peek(exceptionId: string): WorkflowException {
    const exception = this.items.get(exceptionId);
    if (!exception) throw new Error(`no exception ${exceptionId} in the fake store`);
    return structuredClone(exception);
  }

  async get(exceptionId: string): Promise<WorkflowException | undefined> {
    const exception = this.items.get(exceptionId);
    return exception ? structuredClone(exception) : undefined;
  }

  async put(exception: WorkflowException): Promise<void> {
    const existing = this.items.get(exception.exceptionId);
    if (!existing) this.items.set(exception.exceptionId, structuredClone(exception));
    else if (existing.status === 'open') this.items.set(exception.exceptionId, { ...existing, token: exception.token });
  }

  async resolve(
    exceptionId: string,
    status: Exclude<ExceptionStatus, 'open'>,
    resolution: ExceptionResolution,
  ): Promise<boolean> {
    this.beforeResolve?.(this);
    const current = this.items.get(exceptionId);
    if (!current || current.status !== 'open') return false;
    this.items.set(exceptionId, { ...current, status, resolution: structuredClone(resolution) });
    return true;
  }

  async list(filter: ExceptionFilter, limit: number): Promise<WorkflowException[]> {
    const status = filter.status ?? 'open';
    return [...this.items.values()]
      .filter(
        (exception) =>
          exception.status === status &&
          (!filter.ownerRole || exception.ownerRole === filter.ownerRole) &&
          (!filter.workflow || exception.workflow === filter.workflow) &&
          (!filter.clientKey ||
            (exception.clientId !== undefined && businessKey('client', exception.clientId) === filter.clientKey)) &&
          (!filter.projectKey ||
            (exception.projectId !== undefined && businessKey('project', exception.projectId) === filter.projectKey)),
      )
      .sort((left, right) => left.createdAt.localeCompare(right.createdAt))
      .slice(0, limit)
      .map((exception) => structuredClone(exception));
  }

  async latestAttempt(executionArn: string, step: string): Promise<WorkflowException | undefined> {
    const attempts = [...this.items.values()]
      .filter((exception) => exception.executionArn === executionArn && exception.step === step)
      .sort((left, right) => right.attempt - left.attempt);
    return attempts[0] ? structuredClone(attempts[0]) : undefined;
  }

  async listOverdue(now: string, limit: number): Promise<WorkflowException[]> {
    return [...this.items.values()]
      .filter((exception) => exception.status === 'open' && exception.dueAt <= now)
      .sort((left, right) => left.dueAt.localeCompare(right.dueAt))
      .slice(0, limit)
      .map((exception) => structuredClone(exception));
  }

  async recordBreach(
    exceptionId: string,
    expectedBreaches: number,
    next: { ownerRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    const current = this.items.get(exceptionId);
    if (!current || current.status !== 'open' || (current.breaches ?? 0) !== expectedBreaches) return false;
    this.items.set(exceptionId, { ...current, ...next });
    return true;
  }
}

/** Everything deciding, delegating and acting on exceptions needs, in memory. */
export interface TaskWorld {
  readonly clock: FakeClock;
  readonly tasks: InMemoryHumanTaskStore;
  readonly delegations: InMemoryDelegationStore;
  readonly exceptions: InMemoryExceptionStore;
  readonly tokens: RecordingWorkflowTokens;
  readonly audit: InMemoryAuditLog;
  readonly directory: InMemoryDirectory;
  readonly deps: DecideDependencies & {
    readonly exceptions: InMemoryExceptionStore;
    readonly audit: InMemoryAuditLog;
    readonly contracts: StepContractLookup;
  };
}

/** A fresh world on the demo directory, its clock at {@link NOW}. */
export function taskWorld(): TaskWorld {
  const clock = new FakeClock();
  const tasks = new InMemoryHumanTaskStore();
  const delegations = new InMemoryDelegationStore();
  const exceptions = new InMemoryExceptionStore();
  const tokens = new RecordingWorkflowTokens();
  const audit = new InMemoryAuditLog();
  const directory = new InMemoryDirectory(DEMO_USERS);
  return {
    clock,
    tasks,
    delegations,
    exceptions,
    tokens,
    audit,
    directory,
    deps: { tasks, delegations, exceptions, directory, tokens, audit, contracts: stepContract, now: clock.now },
  };
}

/** What to change in a built task. */
export type TaskOverrides = Partial<Omit<HumanTask, 'subject'>> & { readonly subject?: Partial<HumanTask['subject']> };

/**
 * An open level-1 practice-lead task about an erp-advisory deal in EMEA, requested by Sally,
 * due 24 hours after {@link NOW}.
 */
export function approvalTask(overrides: TaskOverrides = {}): HumanTask {
  const { subject, ...rest } = overrides;
  const level = rest.level ?? 1;
  return {
    taskId: `task-level-${level}`,
    requestId: `${EXECUTION_ARN}#CollectActivationApprovals`,
    workflow: 'project-activation',
    executionArn: EXECUTION_ARN,
    step: 'CollectActivationApprovals',
    level,
    levelCount: 2,
    subject: {
      title: 'Activate Contoso Pharma - SAP Carve-out',
      amount: { amountMinor: 30_000_000, currency: 'EUR' },
      region: 'EMEA',
      practice: 'erp-advisory',
      reasons: ['Over 250k EUR in EMEA: the practice lead, then the CFO'],
      ...subject,
    },
    requestedBy: 'sally.sales',
    candidateRoles: ['practice-lead'],
    assigneeRole: 'practice-lead',
    status: 'open',
    createdAt: NOW.toISOString(),
    dueAt: hoursAfterNow(24).toISOString(),
    slaSeconds: 24 * 3600,
    breaches: 0,
    token: `token-level-${level}`,
    policy: {
      version: 1,
      ruleId: 'activation-emea-over-250k',
      reason: 'Over 250k EUR in EMEA: the practice lead, then the CFO',
    },
    ...rest,
  };
}

/** The drill's guarded step input that fails permanently. */
export function drillStepInput(): {
  drillId: string;
  amount: { amountMinor: number; currency: string };
  failWith: string;
} {
  return { drillId: 'drill-0001', amount: { amountMinor: 1_234_500, currency: 'EUR' }, failWith: 'permanent' };
}

/** An open attempt-1 finance exception of the drill's PostDrillEntry step. */
export function drillException(overrides: Partial<WorkflowException> = {}): WorkflowException {
  const executionArn = 'arn:aws:states:eu-west-1:111122223333:execution:psflow-operations-drill:drill-0001';
  return {
    exceptionId: 'exc-drill-0001-1',
    workflow: 'operations-drill',
    executionArn,
    step: 'PostDrillEntry',
    attempt: 1,
    errorClass: 'finance',
    ownerRole: 'finance-ops',
    reasonCode: 'PermanentConnectorError',
    message: 'erp.postJournalEntry: the period 2026-11 is closed',
    stepInput: drillStepInput(),
    status: 'open',
    createdAt: NOW.toISOString(),
    dueAt: hoursAfterNow(24).toISOString(),
    slaSeconds: 24 * 3600,
    token: 'exception-token-1',
    links: {
      execution: executionArn,
      console: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
    },
    ...overrides,
  };
}
