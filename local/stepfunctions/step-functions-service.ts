import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineLogging, StateMachineSpec } from '../cdk/resource-model';
import { AwsError, optionalString, requireString } from '../http/aws-json';
import { AppendLog } from '../store/append-log';
import { prepareDefinition, type PreparedDefinition, UnsupportedDefinitionError } from './definition';
import { ExecutionHistory, type HistoryEvent } from './history';
import { HISTORY_LIMIT_REACHED, MAX_PAYLOAD_BYTES, payloadBytes, resultTooLarge, type TerminalFailure } from './limits';
import type { ChildExecutionStarter, ChildOutcome, ExecutionHandle, TaskRunner } from './task-dispatcher';
import type { TaskTokenRegistry } from './task-tokens';

/** A JSON value as the interpreter types it. */
type JsonValue = Parameters<StateMachine['run']>[0];

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface LoadedStateMachine {
  readonly spec: StateMachineSpec;
  readonly prepared: PreparedDefinition;
  readonly interpreter: StateMachine;
  readonly creationDate: number;
}

interface ExecutionRecord extends ExecutionHandle {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly startDate: number;
  readonly parentArn?: string;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
  history: ExecutionHistory;
  abort?: () => void;
  stopRequested?: { error?: string; cause?: string };
  terminalFailure?: TerminalFailure;
  redriveCount: number;
  redriveDate?: number;
  /** Where a redrive restarts: the state that failed, with the input it had entered with. */
  redriveFrom?: { readonly startAt: string; readonly input: string };
  closedWaiters: Array<() => void>;
}

type ExecutionLogRecord =
  | { readonly t: 'machine'; readonly spec: StateMachineSpec; readonly creationDate: number }
  | {
      readonly t: 'started';
      readonly arn: string;
      readonly name: string;
      readonly stateMachineArn: string;
      readonly input: string;
      readonly startDate: number;
      readonly parentArn?: string;
    }
  | {
      readonly t: 'redriven';
      readonly arn: string;
      readonly redriveCount: number;
      readonly redriveDate: number;
      readonly startAt: string;
      readonly input: string;
    }
  | {
      readonly t: 'closed';
      readonly arn: string;
      readonly status: ExecutionStatus;
      readonly output?: string;
      readonly error?: string;
      readonly cause?: string;
      readonly stopDate: number;
      readonly history: readonly HistoryEvent[];
    };

/** Characters Step Functions refuses in execution and state machine names. */
/** AWS redrives an execution within 14 days of its stop, at most 1,000 times. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
const MAX_REDRIVES = 1000;
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/** What aws-local-stepfunctions puts in a Fail state's error when the state declares none. */
const INTERPRETER_FAIL_ERROR = 'FailStateError';
const INTERPRETER_FAIL_CAUSE = 'Execution failed because of a Fail state';

/**
 * Reads a reference path (`$`, `$.a.b`, `$['a']`, `$.a[0]`) from a state's input, for the
 * MapStateStarted length; anything it cannot follow reads as undefined.
 */
function selectPath(input: unknown, referencePath: string): unknown {
  if (!referencePath.startsWith('$') || referencePath.startsWith('$$')) return undefined;
  const steps = referencePath.slice(1).match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]/g) ?? [];
  let current: unknown = input;
  for (const step of steps) {
    const key = step.startsWith('.')
      ? step.slice(1)
      : step.startsWith("['")
        ? step.slice(2, -2)
        : Number(step.slice(1, -1));
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A CreateStateMachine loggingConfiguration, kept as DescribeStateMachine will answer it. */
function loggingOf(value: unknown): StateMachineLogging | undefined {
  if (!isJsonObject(value)) return undefined;
  const destinations = Array.isArray(value.destinations) ? value.destinations : [];
  return {
    level: typeof value.level === 'string' ? value.level : 'OFF',
    includeExecutionData: value.includeExecutionData === true,
    destinations: destinations.flatMap((destination: unknown) => {
      const group =
        isJsonObject(destination) && isJsonObject(destination.cloudWatchLogsLogGroup)
          ? destination.cloudWatchLogsLogGroup.logGroupArn
          : undefined;
      return typeof group === 'string' ? [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] : [];
    }),
  };
}

/** What a pagination token carries: the listing it belongs to and the key of the last item served. */
interface PageCursor {
  readonly listing: string;
  readonly after: string;
}

function encodePageToken(cursor: PageCursor): string {
  return `psflow1.${Buffer.from(JSON.stringify(cursor)).toString('base64url')}`;
}

function decodePageToken(token: unknown): PageCursor | undefined {
  if (typeof token !== 'string' || !token.startsWith('psflow1.') || token.length > 4096) return undefined;
  try {
    const cursor: unknown = JSON.parse(Buffer.from(token.slice('psflow1.'.length), 'base64url').toString('utf8'));
    if (typeof cursor !== 'object' || cursor === null) return undefined;
    const { listing, after } = cursor as Record<string, unknown>;
    return typeof listing === 'string' && typeof after === 'string' ? { listing, after } : undefined;
  } catch {
    return undefined;
  }
}

/** A fixed-width text that sorts as the number does, or in reverse when `descending`. */
function sortable(value: number, descending = false): string {
  return (descending ? Number.MAX_SAFE_INTEGER - value : value).toString().padStart(16, '0');
}

const seconds = (epochMs: number | undefined): number | undefined =>
  epochMs === undefined ? undefined : epochMs / 1000;

function stateTypeEvent(stateType: string, phase: 'Entered' | 'Exited' | 'Failed'): string {
  return `${stateType}State${phase}`;
}

/**
 * Step Functions, locally: state machines from the template run on aws-local-stepfunctions,
 * with our dispatcher behind every Task, AWS history event types, execution-name
 * idempotency and an on-disk log of executions.
 *
 * Crash recovery: an execution that was RUNNING when the process died is started again
 * from its original input when the local cloud restarts (its partial history is lost).
 */
export class StepFunctionsService implements ChildExecutionStarter {
  private readonly machines = new Map<string, LoadedStateMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly log: AppendLog<ExecutionLogRecord>;
  private readonly dispatcher: TaskRunner;
  private readonly interrupted: ExecutionRecord[] = [];
  private shutDown = false;
  private readonly statusCounts: Record<ExecutionStatus, number> = {
    RUNNING: 0,
    SUCCEEDED: 0,
    FAILED: 0,
    TIMED_OUT: 0,
    ABORTED: 0,
  };

  constructor(
    specs: readonly StateMachineSpec[],
    private readonly options: {
      readonly dataDirectory: string;
      readonly region: string;
      readonly accountId: string;
      /** Builds the Task runner, given this service for the `states:startExecution` integration. */
      readonly dispatcher: (children: ChildExecutionStarter) => TaskRunner;
      readonly tokens: TaskTokenRegistry;
    },
  ) {
    this.dispatcher = options.dispatcher(this);
    const { log, records } = AppendLog.open<ExecutionLogRecord>(path.join(options.dataDirectory, 'executions.log'));
    this.log = log;
    // Every machine is checked before refusing, so one start names every state to fix.
    const refusals: string[] = [];
    for (const spec of specs) {
      try {
        this.load(spec, Date.now());
      } catch (error) {
        if (!(error instanceof UnsupportedDefinitionError)) throw error;
        refusals.push(error.message);
      }
    }
    if (refusals.length > 0) throw new UnsupportedDefinitionError(refusals.join('\n'));
    for (const record of records) this.replay(record);
  }

  private load(spec: StateMachineSpec, creationDate: number): LoadedStateMachine {
    const prepared = prepareDefinition(spec.name, spec.definition);
    let interpreter: StateMachine;
    try {
      interpreter = new StateMachine(prepared.executable as unknown as ConstructorParameters<typeof StateMachine>[0], {
        validationOptions: { checkArn: true, checkPaths: true },
      });
    } catch (error) {
      throw new UnsupportedDefinitionError(`State machine ${spec.name}: ${(error as Error).message}`);
    }
    const loaded: LoadedStateMachine = { spec, prepared, interpreter, creationDate };
    this.machines.set(spec.arn, loaded);
    return loaded;
  }

  private replay(record: ExecutionLogRecord): void {
    switch (record.t) {
      case 'machine':
        if (!this.machines.has(record.spec.arn)) this.load(record.spec, record.creationDate);
        break;
      case 'started': {
        const execution = this.newRecord(
          record.arn,
          record.name,
          record.stateMachineArn,
          record.input,
          record.startDate,
          record.parentArn,
        );
        this.executions.set(execution.arn, execution);
        this.statusCounts.RUNNING++;
        break;
      }
      case 'redriven': {
        const execution = this.executions.get(record.arn);
        if (!execution || execution.status === 'RUNNING') break;
        this.statusCounts[execution.status]--;
        this.statusCounts.RUNNING++;
        Object.assign(execution, {
          status: 'RUNNING',
          output: undefined,
          error: undefined,
          cause: undefined,
          stopDate: undefined,
          redriveCount: record.redriveCount,
          redriveDate: record.redriveDate,
          redriveFrom: { startAt: record.startAt, input: record.input },
        });
        break;
      }
      case 'closed': {
        const execution = this.executions.get(record.arn);
        if (!execution) break;
        this.statusCounts.RUNNING--;
        this.statusCounts[record.status]++;
        Object.assign(execution, {
          status: record.status,
          output: record.output,
          error: record.error,
          cause: record.cause,
          stopDate: record.stopDate,
        });
        // A redriven execution's record carries its whole history again.
        execution.history = ExecutionHistory.restored(record.history);
        break;
      }
    }
  }

  /** Starts again, from their input, the executions a crash left RUNNING. Returns how many. */
  resumeInterrupted(): number {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING' && this.machines.has(execution.stateMachineArn))
        this.interrupted.push(execution);
    }
    for (const execution of this.interrupted) this.run(execution);
    return this.interrupted.length;
  }

  /** State machine names, for the startup listing. */
  get stateMachineNames(): string[] {
    return [...this.machines.values()].map((machine) => machine.spec.name);
  }

  /** Execution counts by status. */
  statistics(): Readonly<Record<ExecutionStatus, number>> {
    return { ...this.statusCounts };
  }

  private newRecord(
    arn: string,
    name: string,
    stateMachineArn: string,
    input: string,
    startDate: number,
    parentArn?: string,
  ): ExecutionRecord {
    return {
      arn,
      name,
      stateMachineArn,
      input,
      startDate,
      parentArn,
      status: 'RUNNING',
      history: new ExecutionHistory(),
      children: new Set(),
      closedWaiters: [],
      redriveCount: 0,
    };
  }

  private machine(arn: unknown): LoadedStateMachine {
    if (typeof arn !== 'string' || arn === '')
      throw new AwsError(
        'ValidationException',
        "Value at 'stateMachineArn' failed to satisfy constraint: Member must not be null",
      );
    if (!/^arn:aws[\w-]*:states:[^:]+:\d+:stateMachine:[^:]+$/.test(arn))
      throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.machines.get(arn);
    if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: unknown): ExecutionRecord {
    if (typeof arn !== 'string' || arn === '')
      throw new AwsError(
        'ValidationException',
        "Value at 'executionArn' failed to satisfy constraint: Member must not be null",
      );
    if (!/^arn:aws[\w-]*:states:[^:]+:\d+:execution:[^:]+:[^:]+$/.test(arn))
      throw new AwsError('InvalidArn', `Invalid Arn: '${arn}'`);
    const execution = this.executions.get(arn);
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /**
   * StartExecution with AWS's name idempotency: the same name and input while RUNNING
   * returns the running execution; any other reuse of a name is ExecutionAlreadyExists.
   */
  async startExecution(request: {
    stateMachineArn: unknown;
    name?: unknown;
    input?: unknown;
    parentArn?: string;
  }): Promise<{ executionArn: string; startDate: number }> {
    const machine = this.machine(request.stateMachineArn);
    const name = request.name === undefined || request.name === null ? randomUUID() : request.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      throw new AwsError(
        'InvalidName',
        `Invalid Name: '${String(name)}' (1-80 characters, no whitespace, brackets, wildcards or punctuation like : / $ ,)`,
      );
    }
    const input = request.input === undefined || request.input === null ? '{}' : request.input;
    if (typeof input !== 'string')
      throw new AwsError('InvalidExecutionInput', 'Invalid Execution Input: input must be a JSON text');
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
      throw new AwsError(
        'InvalidExecutionInput',
        `Invalid Execution Input: ${Buffer.byteLength(input)} bytes exceeds the maximum of ${MAX_PAYLOAD_BYTES} bytes`,
      );
    }
    try {
      JSON.parse(input);
    } catch (error) {
      throw new AwsError('InvalidExecutionInput', `Invalid Execution Input: ${(error as Error).message}`);
    }
    const arn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machine.spec.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input)
        return { executionArn: arn, startDate: existing.startDate };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = this.newRecord(arn, name, machine.spec.arn, input, Date.now(), request.parentArn);
    this.executions.set(arn, execution);
    this.statusCounts.RUNNING++;
    try {
      await this.log.append({
        t: 'started',
        arn,
        name,
        stateMachineArn: machine.spec.arn,
        input,
        startDate: execution.startDate,
        parentArn: request.parentArn,
      });
    } catch (error) {
      this.executions.delete(arn);
      this.statusCounts.RUNNING--;
      throw error;
    }
    this.run(execution);
    return { executionArn: arn, startDate: execution.startDate };
  }

  /** Starts a child execution for `states:startExecution`. */
  startChild(request: {
    stateMachineArn: string;
    input: string;
    name?: string;
    parentArn: string;
  }): Promise<{ executionArn: string; startDate: number }> {
    return this.startExecution(request);
  }

  /** Resolves with the closed execution in DescribeExecution shape. */
  async awaitClosed(executionArn: string): Promise<ChildOutcome> {
    const execution = this.execution(executionArn);
    if (execution.status === 'RUNNING') await new Promise<void>((resolve) => execution.closedWaiters.push(resolve));
    return {
      ExecutionArn: execution.arn,
      StateMachineArn: execution.stateMachineArn,
      Name: execution.name,
      Status: execution.status,
      StartDate: execution.startDate,
      StopDate: execution.stopDate ?? Date.now(),
      Input: execution.input,
      Output: execution.output,
      Error: execution.error,
      Cause: execution.cause,
    };
  }

  private run(execution: ExecutionRecord): void {
    const machine = this.machines.get(execution.stateMachineArn) as LoadedStateMachine;
    execution.terminalFailure = undefined;
    const onLimit = (): void => this.failTerminally(execution, HISTORY_LIMIT_REACHED);
    const redrive = execution.redriveFrom;
    if (redrive) {
      // The history of a redrive goes on after the earlier run's terminal event; after a crash,
      // the history on disk is the one the redrive started from, so the redrive runs again.
      execution.history = new ExecutionHistory(onLimit, execution.history.events);
      execution.history.record('ExecutionRedriven', { redriveCount: execution.redriveCount });
    } else {
      execution.history = new ExecutionHistory(onLimit);
      execution.history.record('ExecutionStarted', {
        input: execution.input,
        inputDetails: { truncated: false },
        roleArn: machine.spec.roleArn,
      });
    }
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const task of machine.prepared.tasks.values()) {
      // Integration results are JSON by construction: API responses and Lambda payloads.
      handlers[task.name] = (input) => this.dispatcher.run(task, input, execution) as Promise<JsonValue>;
    }
    const startTime = new Date(execution.startDate).toISOString();
    const interpreter = redrive ? this.interpreterFrom(machine, redrive.startAt) : machine.interpreter;
    const running = interpreter.run(JSON.parse(redrive ? redrive.input : execution.input), {
      overrides: { taskResourceLocalHandlers: handlers },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: execution.arn,
          Name: execution.name,
          RoleArn: machine.spec.roleArn,
          StartTime: startTime,
          RedriveCount: execution.redriveCount,
        },
        StateMachine: { Id: machine.spec.arn, Name: machine.spec.name },
      },
    });
    execution.abort = running.abort;
    const consumed = (async () => {
      for await (const event of running.eventLogs) {
        // Once the execution fails for good, what the interpreter still reports is not history.
        if (execution.terminalFailure) continue;
        switch (event.type) {
          case 'StateEntered':
            execution.history.record(
              stateTypeEvent(event.state.type, 'Entered'),
              { name: event.state.name, input: JSON.stringify(event.state.input), inputDetails: { truncated: false } },
              event.timestamp,
            );
            if (event.state.type === 'Map') {
              const items = selectPath(event.state.input, machine.prepared.mapItemsPaths.get(event.state.name) ?? '$');
              execution.history.record(
                'MapStateStarted',
                { length: Array.isArray(items) ? items.length : 0 },
                event.timestamp,
              );
            }
            if (event.state.type === 'Parallel')
              execution.history.record('ParallelStateStarted', undefined, event.timestamp);
            break;
          case 'StateExited':
            // AWS fails a state whose output is over the payload limit; it is terminal, no Catch applies.
            if (payloadBytes(event.state.output) > MAX_PAYLOAD_BYTES) {
              this.failTerminally(execution, resultTooLarge(event.state.name));
              break;
            }
            if (event.state.type === 'Map') execution.history.record('MapStateSucceeded', undefined, event.timestamp);
            if (event.state.type === 'Parallel')
              execution.history.record('ParallelStateSucceeded', undefined, event.timestamp);
            execution.history.record(
              stateTypeEvent(event.state.type, 'Exited'),
              {
                name: event.state.name,
                output: JSON.stringify(event.state.output ?? null),
                outputDetails: { truncated: false },
              },
              event.timestamp,
            );
            break;
          case 'StateFailed':
            if (event.state.type === 'Map' || event.state.type === 'Parallel') {
              execution.history.record(
                stateTypeEvent(event.state.type, 'Failed'),
                { error: event.Error, cause: String(event.Cause ?? '') },
                event.timestamp,
              );
            }
            break;
          case 'MapIterationStarted':
          case 'MapIterationSucceeded':
          case 'MapIterationFailed':
            execution.history.record(event.type, { name: event.parentState.name, index: event.index }, event.timestamp);
            break;
          default:
            break;
        }
      }
    })();
    void this.settle(execution, running.result, consumed);
  }

  /** The machine's interpreter starting at one of its top-level states, for a redrive. */
  private interpreterFrom(machine: LoadedStateMachine, startAt: string): StateMachine {
    // The definition was validated when loaded; only StartAt differs.
    return new StateMachine(
      { ...machine.prepared.executable, StartAt: startAt } as unknown as ConstructorParameters<typeof StateMachine>[0],
      { validationOptions: { noValidate: true } },
    );
  }

  /** Why an execution cannot be redriven now, or undefined when it can (AWS's rules). */
  private notRedrivable(execution: ExecutionRecord): string | undefined {
    const machine = this.machines.get(execution.stateMachineArn);
    if (machine?.spec.type === 'EXPRESS') return 'Express executions cannot be redriven';
    if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED')
      return `Execution is ${execution.status} and cannot be redriven`;
    if (execution.stopDate !== undefined && Date.now() - execution.stopDate > REDRIVE_WINDOW_MS)
      return 'Execution can only be redriven within 14 days of its stop';
    if (execution.redriveCount >= MAX_REDRIVES) return `Execution has reached the maximum of ${MAX_REDRIVES} redrives`;
    if (execution.error === HISTORY_LIMIT_REACHED.error && execution.cause === HISTORY_LIMIT_REACHED.cause)
      return 'Execution has reached the maximum number of history events and cannot be redriven';
    return undefined;
  }

  /**
   * RedriveExecution: restarts a FAILED, ABORTED or TIMED_OUT Standard execution from the
   * top-level state it stopped in, with the input that state had entered with; states that
   * succeeded are not run again. A state inside a Parallel or Map restarts its whole
   * Parallel or Map (AWS reruns only the unsuccessful branches or iterations).
   */
  private async redriveExecution(executionArn: unknown): Promise<{ redriveDate: number }> {
    const execution = this.execution(executionArn);
    const reason = this.notRedrivable(execution);
    if (reason) throw new AwsError('ExecutionNotRedrivable', `Execution is not redrivable: ${reason}`);
    const machine = this.machines.get(execution.stateMachineArn) as LoadedStateMachine;
    const topLevel = isJsonObject(machine.prepared.executable.States) ? machine.prepared.executable.States : {};
    let details: Record<string, unknown> | undefined;
    for (let index = execution.history.events.length - 1; index >= 0 && !details; index--) {
      const entered = execution.history.events[index].stateEnteredEventDetails;
      if (isJsonObject(entered) && typeof entered.name === 'string' && Object.hasOwn(topLevel, entered.name))
        details = entered;
    }
    const startAt = typeof details?.name === 'string' ? details.name : String(machine.prepared.executable.StartAt);
    const input = typeof details?.input === 'string' ? details.input : execution.input;
    const redriveDate = Date.now();
    const redriveCount = execution.redriveCount + 1;
    await this.log.append({ t: 'redriven', arn: execution.arn, redriveCount, redriveDate, startAt, input });
    this.statusCounts[execution.status]--;
    this.statusCounts.RUNNING++;
    Object.assign(execution, {
      status: 'RUNNING',
      output: undefined,
      error: undefined,
      cause: undefined,
      stopDate: undefined,
      stopRequested: undefined,
      redriveCount,
      redriveDate,
      redriveFrom: { startAt, input },
    });
    this.run(execution);
    return { redriveDate };
  }

  /** Ends an execution at once with a failure no Retry or Catch may handle (data or history limit). */
  private failTerminally(execution: ExecutionRecord, failure: TerminalFailure): void {
    if (execution.terminalFailure || execution.status !== 'RUNNING') return;
    execution.terminalFailure = failure;
    this.options.tokens.revokeExecution(execution.arn);
    execution.abort?.();
  }

  private async settle(execution: ExecutionRecord, result: Promise<unknown>, consumed: Promise<void>): Promise<void> {
    let status: ExecutionStatus;
    let output: string | undefined;
    let error: string | undefined;
    let cause: string | undefined;
    const machine = this.machines.get(execution.stateMachineArn);
    const outcome = await result.then(
      (value) => ({ ok: true as const, value }),
      (thrown: unknown) => ({ ok: false as const, thrown }),
    );
    // The last events may still fail the execution (a result over the data limit), so drain them first.
    await Promise.race([consumed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (execution.terminalFailure) {
      status = 'FAILED';
      ({ error, cause } = execution.terminalFailure);
    } else if (outcome.ok) {
      if (execution.stopRequested) {
        status = 'ABORTED';
        ({ error, cause } = execution.stopRequested);
      } else {
        status = 'SUCCEEDED';
        output = JSON.stringify(outcome.value ?? null);
      }
    } else if (outcome.thrown instanceof ExecutionTimeoutError) {
      status = 'TIMED_OUT';
      error = 'States.Timeout';
      cause = 'The execution exceeded its TimeoutSeconds';
    } else {
      const thrown = outcome.thrown instanceof Error ? outcome.thrown : new Error(String(outcome.thrown));
      const wrapped = thrown.cause instanceof Error ? thrown.cause : thrown;
      status = 'FAILED';
      // A Fail state that declares no Error or Cause fails the execution with neither, as in AWS;
      // the interpreter fills in defaults of its own, which no definition declared.
      const declared = machine?.prepared.declaredFailTexts ?? new Set<string>();
      const isFailState = wrapped.constructor.name === 'FailStateError';
      error =
        isFailState && wrapped.name === INTERPRETER_FAIL_ERROR && !declared.has(wrapped.name)
          ? undefined
          : wrapped.name;
      cause =
        isFailState && wrapped.message === INTERPRETER_FAIL_CAUSE && !declared.has(wrapped.message)
          ? undefined
          : wrapped.message;
    }
    const stopDate = Date.now();
    const terminal: Record<ExecutionStatus, string> = {
      RUNNING: '',
      SUCCEEDED: 'ExecutionSucceeded',
      FAILED: 'ExecutionFailed',
      TIMED_OUT: 'ExecutionTimedOut',
      ABORTED: 'ExecutionAborted',
    };
    const history = execution.history.close(
      terminal[status],
      status === 'SUCCEEDED' ? { output, outputDetails: { truncated: false } } : { error, cause },
      stopDate,
    );
    Object.assign(execution, { status, output, error, cause, stopDate, abort: undefined });
    this.statusCounts.RUNNING--;
    this.statusCounts[status]++;
    this.options.tokens.revokeExecution(execution.arn);
    for (const child of execution.children) this.stopExecution(child, 'States.Aborted', 'Parent execution stopped');
    // After shutdown the execution stays RUNNING on disk, so the next start runs it again.
    if (!this.shutDown)
      this.log.appendLazy({
        t: 'closed',
        arn: execution.arn,
        status,
        output,
        error,
        cause,
        stopDate,
        history,
      });
    for (const waiter of execution.closedWaiters.splice(0)) waiter();
  }

  private stopExecution(executionArn: string, error?: string, cause?: string): number {
    const execution = this.execution(executionArn);
    // AWS has no "not running" error here: stopping a closed execution answers its stop date and changes nothing.
    if (execution.status !== 'RUNNING') return execution.stopDate ?? Date.now();
    execution.stopRequested = { error, cause };
    this.options.tokens.revokeExecution(execution.arn);
    execution.abort?.();
    return Date.now();
  }

  /** The fields ListExecutions gives per execution; DescribeExecution adds to them. */
  private summary(execution: ExecutionRecord): Record<string, unknown> {
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: seconds(execution.startDate),
      stopDate: seconds(execution.stopDate),
      ...(execution.redriveCount > 0
        ? { redriveCount: execution.redriveCount, redriveDate: seconds(execution.redriveDate) }
        : {}),
    };
  }

  private describeExecution(execution: ExecutionRecord): Record<string, unknown> {
    return {
      ...this.summary(execution),
      input: execution.input,
      inputDetails: { included: true },
      output: execution.output,
      outputDetails: execution.output === undefined ? undefined : { included: true },
      error: execution.error,
      cause: execution.cause,
      redriveCount: execution.redriveCount,
      redriveDate: seconds(execution.redriveDate),
      ...this.redriveStatus(execution),
    };
  }

  private redriveStatus(execution: ExecutionRecord): { redriveStatus: string; redriveStatusReason?: string } {
    const reason = this.notRedrivable(execution);
    return reason ? { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason } : { redriveStatus: 'REDRIVABLE' };
  }

  /**
   * One page of a listing. `keyOf` gives each item a key that sorts (as text) in the order the
   * listing is served. The token is opaque and names the listing and the key of the last item
   * served, not an offset, so items that arrive meanwhile (new executions sort first) neither
   * repeat nor shift a page. A token that does not decode, or that belongs to another listing,
   * is InvalidToken, as in AWS.
   */
  private page<T>(
    items: readonly T[],
    request: Record<string, unknown>,
    listing: string,
    keyOf: (item: T) => string,
    defaultSize = 100,
  ): { items: T[]; nextToken?: string } {
    const maxResults =
      typeof request.maxResults === 'number' && request.maxResults > 0
        ? Math.min(request.maxResults, 1000)
        : defaultSize;
    const keyed = items
      .map((item) => ({ item, key: keyOf(item) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let start = 0;
    if (request.nextToken !== undefined && request.nextToken !== null) {
      const cursor = decodePageToken(request.nextToken);
      if (!cursor || cursor.listing !== listing)
        throw new AwsError(
          'InvalidToken',
          'Invalid Token: the pagination token is malformed, expired or from another request',
        );
      start = keyed.findIndex((entry) => entry.key > cursor.after);
      if (start < 0) start = keyed.length;
    }
    const slice = keyed.slice(start, start + maxResults);
    const last = slice.at(-1);
    const nextToken =
      start + maxResults < keyed.length && last ? encodePageToken({ listing, after: last.key }) : undefined;
    return { items: slice.map((entry) => entry.item), nextToken };
  }

  /** Serves one AWSStepFunctions JSON 1.0 action. */
  async handle(action: string, request: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'StartExecution':
        return this.startExecution({
          stateMachineArn: request.stateMachineArn,
          name: request.name,
          input: request.input,
        }).then((started) => ({
          executionArn: started.executionArn,
          startDate: seconds(started.startDate),
        }));
      case 'StartSyncExecution': {
        const started = await this.startExecution({
          stateMachineArn: request.stateMachineArn,
          name: request.name,
          input: request.input,
        });
        await this.awaitClosed(started.executionArn);
        const {
          inputDetails: _input,
          outputDetails: _output,
          redriveCount: _count,
          redriveStatus: _status,
          ...described
        } = this.describeExecution(this.execution(started.executionArn));
        return described;
      }
      case 'DescribeExecution':
        return this.describeExecution(this.execution(request.executionArn));
      case 'StopExecution':
        return {
          stopDate: seconds(
            this.stopExecution(
              requireString(request, 'executionArn'),
              optionalString(request, 'error'),
              optionalString(request, 'cause'),
            ),
          ),
        };
      case 'ListExecutions': {
        const machine = this.machine(request.stateMachineArn);
        const statusFilter = optionalString(request, 'statusFilter');
        const matching = [...this.executions.values()].filter(
          (execution) =>
            execution.stateMachineArn === machine.spec.arn && (!statusFilter || execution.status === statusFilter),
        );
        // Newest first, as AWS lists them; the name breaks ties of one millisecond.
        const { items, nextToken } = this.page(
          matching,
          request,
          `executions ${machine.spec.arn} ${statusFilter ?? ''}`,
          (execution) => `${sortable(execution.startDate, true)} ${execution.name}`,
        );
        return {
          executions: items.map((execution) => this.summary(execution)),
          nextToken,
        };
      }
      case 'GetExecutionHistory': {
        const execution = this.execution(request.executionArn);
        const reverse = request.reverseOrder === true;
        const { items, nextToken } = this.page(
          execution.history.events,
          request,
          `history ${execution.arn} ${reverse}`,
          (event) => sortable(event.id, reverse),
        );
        return { events: items.map((event) => ({ ...event, timestamp: seconds(event.timestamp) })), nextToken };
      }
      case 'ListStateMachines': {
        const { items, nextToken } = this.page(
          [...this.machines.values()],
          request,
          'state machines',
          (machine) => machine.spec.name,
        );
        return {
          stateMachines: items.map((machine) => ({
            stateMachineArn: machine.spec.arn,
            name: machine.spec.name,
            type: machine.spec.type,
            creationDate: seconds(machine.creationDate),
          })),
          nextToken,
        };
      }
      case 'DescribeStateMachine': {
        const machine = this.machine(request.stateMachineArn);
        return {
          stateMachineArn: machine.spec.arn,
          name: machine.spec.name,
          status: 'ACTIVE',
          definition: JSON.stringify(machine.prepared.original),
          roleArn: machine.spec.roleArn,
          type: machine.spec.type,
          creationDate: seconds(machine.creationDate),
          loggingConfiguration: machine.spec.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false },
          tracingConfiguration: { enabled: machine.spec.tracingEnabled === true },
        };
      }
      case 'DescribeStateMachineForExecution': {
        const execution = this.execution(request.executionArn);
        const machine = this.machine(execution.stateMachineArn);
        return {
          stateMachineArn: machine.spec.arn,
          name: machine.spec.name,
          definition: JSON.stringify(machine.prepared.original),
          roleArn: machine.spec.roleArn,
          updateDate: seconds(machine.creationDate),
        };
      }
      case 'CreateStateMachine':
        return this.createStateMachine(request);
      case 'RedriveExecution':
        return this.redriveExecution(request.executionArn).then(({ redriveDate }) => ({
          redriveDate: seconds(redriveDate),
        }));
      case 'SendTaskSuccess':
        this.options.tokens.succeed(request.taskToken, request.output);
        return {};
      case 'SendTaskFailure':
        this.options.tokens.fail(request.taskToken, request.error, request.cause);
        return {};
      case 'SendTaskHeartbeat':
        this.options.tokens.heartbeat(request.taskToken);
        return {};
      default:
        throw new AwsError(
          'UnknownOperationException',
          `Step Functions action ${action} is not served by the local cloud`,
        );
    }
  }

  /** CreateStateMachine, so tests and tools can stand up a machine of their own. */
  private async createStateMachine(request: Record<string, unknown>): Promise<unknown> {
    const name = requireString(request, 'name');
    if (name.length > 80 || INVALID_NAME.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    const arn = `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
    const definition = requireString(request, 'definition');
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.spec.definition === definition)
        return { stateMachineArn: arn, creationDate: seconds(existing.creationDate) };
      throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const type = request.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
    const spec: StateMachineSpec = {
      logicalId: name,
      name,
      arn,
      type,
      roleArn: optionalString(request, 'roleArn') ?? '',
      definition,
      loggingConfiguration: loggingOf(request.loggingConfiguration),
      tracingEnabled: isJsonObject(request.tracingConfiguration)
        ? request.tracingConfiguration.enabled === true
        : undefined,
    };
    const creationDate = Date.now();
    try {
      this.load(spec, creationDate);
    } catch (error) {
      throw new AwsError('InvalidDefinition', `Invalid State Machine Definition: ${(error as Error).message}`);
    }
    await this.log.append({ t: 'machine', spec, creationDate });
    return { stateMachineArn: arn, creationDate: seconds(creationDate) };
  }

  /** Flushes the log. Running executions are not aborted: they resume from their input on the next start. */
  async shutdown(): Promise<void> {
    this.shutDown = true;
    await this.log.close();
  }
}
