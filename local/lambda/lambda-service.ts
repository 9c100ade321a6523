import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from '../cdk/resource-model';
import { AwsError, readBody, sendError } from '../http/aws-json';
import type { InvokeMessage, LambdaErrorPayload, WorkerData, WorkerMessage } from './worker-protocol';

/** Outcome of one invocation: the handler's JSON result, or the error Lambda would report. */
export type InvocationOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: LambdaErrorPayload };

/** Settings every execution environment shares. */
export interface LambdaServiceOptions {
  readonly endpoint: string;
  /** DynamoDB's own endpoint: the app's table traffic skips the shared front door. */
  readonly dynamoDbEndpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly logDirectory: string;
  /** Execution environments per function; Lambda scales out, a 2-core laptop should not. */
  readonly maxConcurrencyPerFunction: number;
  /**
   * How long an execution environment may sit idle before it is released, as Lambda reclaims
   * idle environments (after some minutes there; sooner here, where each one is a worker thread
   * holding tens of MB of the developer's memory). Default {@link DEFAULT_IDLE_TIMEOUT_MS}.
   */
  readonly idleTimeoutMs?: number;
  /**
   * Execution environments alive at once across every function. Each is a worker thread with its
   * own V8 heap, 20 to 35 MB of the local cloud's memory when busy (measured). At the limit, an
   * invocation queues behind its function's own environments unless one elsewhere has been idle
   * for a second; a function with none takes the slot of one idle elsewhere, or gets its first
   * regardless. Default {@link DEFAULT_MAX_ENVIRONMENTS}.
   */
  readonly maxEnvironments?: number;
}

/** Default idle time before an execution environment is released. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * Default limit on execution environments across functions. Measured in the activation benchmark
 * (2 cores): with idle environments of other functions released to make room, 64 gave 5.4
 * activations/s and a 2.8 GB peak after 300 warm-up activations (2.5 GB with the young generation
 * below). Queueing strictly behind a function's own environments instead, 32 gave 7.0/s and
 * 1.9 GB and 24 gave 6.7/s and 1.4 GB, but 16 (after 1,000 warm-up activations) starved the KPI
 * aggregator behind one environment, and its backlog took the peak to 2.9 GB: hence
 * {@link RECLAIM_AFTER_IDLE_MS}. On two cores, environments beyond a couple of dozen add memory and
 * JIT work, not throughput. A laptop short of memory can set it lower.
 */
export const DEFAULT_MAX_ENVIRONMENTS = 24;

interface PendingInvocation {
  readonly message: Omit<InvokeMessage, 'deadlineMs'>;
  readonly resolve: (outcome: InvocationOutcome) => void;
}

/**
 * Young generation of each execution environment's V8 heap. V8 grows it to 16 MB semispaces
 * under the SDK's allocation rate, and an environment then holds about 40 MB instead of 16 MB
 * (measured with eight allocating workers). A busy environment used all of 8 MB (measured in the
 * activation benchmark); 2 MB cut that benchmark's peak by a tenth at the same throughput.
 * Scavenges get more frequent, not slower: what survives one is the same.
 */
const YOUNG_GENERATION_MB = 2;

/**
 * How long another function's environment must have been idle before a function that already has
 * one may take its slot at the limit. Measured in the full activation benchmark (1,000 warm-up
 * activations, then 500, counted until the work they set off has drained): 1 s gave 5.7
 * activations/s (2.9/s drained) and a 3.3 GB peak; 10 s gave 4.6/s (2.3/s) and 2.9 GB; strict
 * queueing starved the KPI aggregator (see {@link DEFAULT_MAX_ENVIRONMENTS}).
 */
const RECLAIM_AFTER_IDLE_MS = 1000;

const WORKER_FILE = path.join(__dirname, 'lambda-worker.ts');
// Workers load the TypeScript worker through tsx, whatever started the local cloud.
const WORKER_EXEC_ARGV = ['--require', require.resolve('tsx/cjs')];

class ExecutionEnvironment {
  readonly worker: Worker;
  current:
    | {
        readonly invocationId: number;
        readonly resolve: (outcome: InvocationOutcome) => void;
        timer: NodeJS.Timeout | undefined;
        readonly startedAt: number;
        readonly message: PendingInvocation['message'];
      }
    | undefined;
  /** Whether the worker has loaded the bundle (or failed to) and said so. */
  private initialised = false;
  /** Runs out while the environment waits in the pool's idle list; then the pool releases it. */
  idleTimer: NodeJS.Timeout | undefined;
  /** When it last went idle, so the budget makes room by releasing the longest idle first. */
  idleSince = 0;

  constructor(
    readonly pool: FunctionPool,
    env: Record<string, string>,
    logFile: string,
  ) {
    const spec = pool.spec;
    const data: WorkerData = {
      functionName: spec.name,
      functionArn: spec.arn,
      memoryMb: spec.memoryMb,
      codeDirectory: spec.codeDirectory,
      handler: spec.handler,
      logFile,
    };
    // The function's memory size caps its heap, as Lambda stops a function that outgrows it.
    const resourceLimits = { maxOldGenerationSizeMb: spec.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
    this.worker = new Worker(WORKER_FILE, { workerData: data, env, execArgv: WORKER_EXEC_ARGV, resourceLimits });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        this.initialised = true;
        this.begin();
        return;
      }
      this.finish(
        message.invocationId,
        message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error },
      );
    });
    this.worker.on('error', (error: Error & { code?: string }) =>
      this.crash({
        errorType: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        errorMessage: error.message,
        trace: (error.stack ?? '').split('\n'),
      }),
    );
    this.worker.on('exit', (code) =>
      this.crash({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with code ${code}`, trace: [] }),
    );
  }

  run(pending: PendingInvocation): void {
    this.current = {
      invocationId: pending.message.invocationId,
      resolve: pending.resolve,
      timer: undefined,
      startedAt: performance.now(),
      message: pending.message,
    };
    if (this.initialised) this.begin();
  }

  /**
   * Starts the current invocation's clock and hands it to the worker. Lambda times the init phase
   * (loading the bundle) apart from the invocation, so a cold start on a busy machine does not eat
   * the function's timeout; the invocation waits for the worker's ready message instead.
   */
  private begin(): void {
    const current = this.current;
    if (!current) return;
    const timeoutMs = this.pool.spec.timeoutSeconds * 1000;
    current.timer = setTimeout(() => {
      // Out of the pool first, so the timed-out environment is not handed the next invocation.
      this.pool.discard(this);
      this.finish(current.invocationId, {
        ok: false,
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${this.pool.spec.timeoutSeconds.toFixed(2)} seconds`,
          trace: [],
        },
      });
    }, timeoutMs);
    // Lambda's clock starts when an environment takes the invocation, not while it waits for one.
    const message: InvokeMessage = { ...current.message, deadlineMs: Date.now() + timeoutMs };
    this.worker.postMessage(message);
  }

  private finish(invocationId: number, outcome: InvocationOutcome): void {
    if (!this.current || this.current.invocationId !== invocationId) return;
    clearTimeout(this.current.timer);
    const { resolve, startedAt } = this.current;
    this.current = undefined;
    this.pool.busyMs += performance.now() - startedAt;
    resolve(outcome);
    this.pool.release(this);
  }

  private crash(error: LambdaErrorPayload): void {
    if (this.current) this.finish(this.current.invocationId, { ok: false, error });
    this.pool.discard(this);
  }
}

/**
 * The limit on execution environments across every function ({@link LambdaServiceOptions.maxEnvironments}).
 * An environment holds its slot until its worker thread has exited, not merely been told to:
 * under churn, workers still tearing down had doubled the threads alive. Below the limit a function
 * may start an environment. At the limit, the environment idle longest is released and the
 * invocation queues until its exit frees the slot, but for a function that already has an
 * environment only if that one has been idle {@link RECLAIM_AFTER_IDLE_MS}; otherwise it queues
 * behind its own. A function with none, nothing idle and nothing ending starts its first anyway
 * (over the limit), so no function waits on another's busy environments: nothing deadlocks or
 * starves. A busy environment is never taken away; handing busy slots round measured far slower,
 * since each replacement is a cold start of hundreds of milliseconds of CPU.
 */
class EnvironmentBudget {
  /** Workers started and not yet exited. */
  private alive = 0;
  /** Of those, workers told to terminate. */
  private ending = 0;

  constructor(
    private readonly limit: number,
    private readonly pools: () => Iterable<FunctionPool>,
  ) {}

  /** Whether `pool` may start an environment now; if not, it is offered one when a slot frees. */
  acquire(pool: FunctionPool): boolean {
    if (this.alive < this.limit) {
      this.alive++;
      return true;
    }
    // A function that has an environment queues behind it, unless another function's environment
    // has sat idle a while: taking one that was busy a moment ago makes its function's next
    // invocation a cold start, and under a burst two functions then take turns evicting each other.
    const idlest = this.longestIdle();
    if (idlest && (pool.environments === 0 || performance.now() - idlest.idleSince >= RECLAIM_AFTER_IDLE_MS)) {
      idlest.pool.evict(idlest);
      return false;
    }
    if (pool.environments > 0 || this.ending > 0) return false;
    this.alive++;
    return true;
  }

  /** Ends an environment's worker; its slot frees when the thread has exited. */
  end(termination: Promise<number>): void {
    this.ending++;
    // A worker that fails to terminate has still stopped running handlers; its slot frees all the same.
    void termination
      .catch(() => undefined)
      .then(() => {
        this.ending--;
        this.alive--;
        this.offerSlots();
      });
  }

  // Functions without an environment first: the others can still work through their queues.
  private offerSlots(): void {
    const waiting = [...this.pools()].filter((pool) => pool.queued > 0);
    waiting.sort((a, b) => a.environments - b.environments);
    for (const pool of waiting) {
      if (this.alive >= this.limit) return;
      pool.scaleOut();
    }
  }

  private longestIdle(): ExecutionEnvironment | undefined {
    let idlest: ExecutionEnvironment | undefined;
    for (const pool of this.pools())
      for (const environment of pool.idleEnvironments)
        if (!idlest || environment.idleSince < idlest.idleSince) idlest = environment;
    return idlest;
  }
}

class FunctionPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly queue: PendingInvocation[] = [];
  private readonly logFile: string;
  invocations = 0;
  coldStarts = 0;
  /** Wall time spent in invocations, for telling a saturated function from an idle one. */
  busyMs = 0;
  /** Set by `stop`, so a slot freed while the service stops starts nothing. */
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly env: Record<string, string>,
    private readonly options: LambdaServiceOptions,
    private readonly budget: EnvironmentBudget,
  ) {
    this.logFile = path.join(options.logDirectory, `${spec.name}.log`);
  }

  /** Invocations waiting for a free execution environment. */
  get queued(): number {
    return this.queue.length;
  }

  /** Environments waiting for an invocation, which the budget may release to make room elsewhere. */
  get idleEnvironments(): readonly ExecutionEnvironment[] {
    return this.idle;
  }

  submit(pending: PendingInvocation): void {
    this.invocations++;
    this.dispatch(pending);
  }

  /** Environments alive, idle or busy. */
  get environments(): number {
    return this.all.size;
  }

  private dispatch(pending: PendingInvocation): void {
    // The most recently used environment first, so the others stay idle long enough to be released.
    const environment = this.idle.pop() ?? this.spawn();
    if (environment) {
      clearTimeout(environment.idleTimer);
      environment.run(pending);
    } else this.queue.push(pending);
  }

  private spawn(): ExecutionEnvironment | undefined {
    if (this.stopped || this.all.size >= this.options.maxConcurrencyPerFunction) return undefined;
    if (!this.budget.acquire(this)) return undefined;
    this.coldStarts++;
    const environment = new ExecutionEnvironment(this, this.env, this.logFile);
    this.all.add(environment);
    return environment;
  }

  /** Starts environments for queued invocations while the per-function limit and the budget allow. */
  scaleOut(): void {
    while (this.queue.length > 0) {
      const environment = this.spawn();
      const next = environment && this.queue.shift();
      if (!environment || !next) return;
      environment.run(next);
    }
  }

  release(environment: ExecutionEnvironment): void {
    if (!this.all.has(environment)) return;
    const next = this.queue.shift();
    if (next) {
      environment.run(next);
      // Slots the budget refused while this queue grew may be free now.
      this.scaleOut();
      return;
    }
    environment.idleSince = performance.now();
    this.idle.push(environment);
    environment.idleTimer = setTimeout(
      () => this.discard(environment),
      this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    );
    // An idle environment alone does not keep the local cloud's process alive.
    environment.idleTimer.unref();
  }

  /** Ends an idle environment to free its slot for another function. */
  evict(environment: ExecutionEnvironment): void {
    if (this.remove(environment)) this.budget.end(environment.worker.terminate());
  }

  discard(environment: ExecutionEnvironment): void {
    if (!this.remove(environment)) return;
    this.budget.end(environment.worker.terminate());
    const next = this.queue.shift();
    if (next) this.dispatch(next);
  }

  private remove(environment: ExecutionEnvironment): boolean {
    if (!this.all.delete(environment)) return false;
    clearTimeout(environment.idleTimer);
    const idleIndex = this.idle.indexOf(environment);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const environments = [...this.all];
    for (const environment of environments) clearTimeout(environment.idleTimer);
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(environments.map((environment) => environment.worker.terminate()));
  }
}

/**
 * Lambda, locally: each function runs the bundle from cdk.out in worker threads, with
 * the template's environment plus AWS endpoint variables pointing at the local cloud.
 */
export class LambdaService {
  private readonly pools = new Map<string, FunctionPool>();
  private invocationCounter = 0;

  constructor(
    functions: readonly FunctionSpec[],
    private readonly options: LambdaServiceOptions,
  ) {
    fs.mkdirSync(options.logDirectory, { recursive: true });
    const budget = new EnvironmentBudget(options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS, () =>
      this.pools.values(),
    );
    for (const spec of functions)
      this.pools.set(spec.name, new FunctionPool(spec, this.environmentFor(spec), options, budget));
  }

  private environmentFor(spec: FunctionSpec): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      // Workers run on the dev machine's Node 20, where the SDK warns about its Node 22 plans.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...spec.environment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL: this.options.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: this.options.dynamoDbEndpoint,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      LAMBDA_TASK_ROOT: spec.codeDirectory,
      _HANDLER: spec.handler,
      // There is no X-Ray daemon locally; the tracer would otherwise log a missing segment per call.
      POWERTOOLS_TRACE_ENABLED: 'false',
      // The X-Ray SDK under the Powertools tracer tracks context with an async hook on every
      // promise, about a quarter more CPU per AWS SDK call (measured); with tracing off locally
      // that buys nothing, and manual mode installs no hook.
      AWS_XRAY_MANUAL_MODE: 'true',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
  }

  /** Every function served, for the startup listing. */
  get functionNames(): string[] {
    return [...this.pools.keys()];
  }

  /** Finds a function by name, ARN, or qualified ARN, as Lambda's FunctionName accepts. */
  resolve(functionNameOrArn: string): FunctionSpec | undefined {
    return this.poolOf(functionNameOrArn)?.spec;
  }

  private poolOf(functionNameOrArn: string): FunctionPool | undefined {
    const match = /^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(functionNameOrArn);
    return this.pools.get(match ? match[1] : functionNameOrArn.split(':')[0]);
  }

  /** Invokes a function synchronously and returns its result or handler error. */
  invoke(functionNameOrArn: string, payload: unknown): Promise<InvocationOutcome> {
    const pool = this.poolOf(functionNameOrArn);
    if (!pool)
      return Promise.reject(new AwsError('ResourceNotFoundException', `Function not found: ${functionNameOrArn}`, 404));
    const message: PendingInvocation['message'] = {
      type: 'invoke',
      invocationId: ++this.invocationCounter,
      requestId: randomUUID(),
      payload,
    };
    return new Promise((resolve) => pool.submit({ message, resolve }));
  }

  /** Per function: invocations, cold starts, environments alive, invocations waiting for one, and time spent in invocations. */
  statistics(): Record<
    string,
    { invocations: number; coldStarts: number; environments: number; queued: number; busyMs: number }
  > {
    return Object.fromEntries(
      [...this.pools].map(([name, pool]) => [
        name,
        {
          invocations: pool.invocations,
          coldStarts: pool.coldStarts,
          environments: pool.environments,
          queued: pool.queued,
          busyMs: Math.round(pool.busyMs),
        },
      ]),
    );
  }

  /** Serves the Lambda Invoke REST API: `POST /2015-03-31/functions/{name}/invocations`. */
  async handleHttp(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    try {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(pathname);
      if (!match || request.method !== 'POST')
        throw new AwsError(
          'UnknownOperationException',
          `Lambda operation ${request.method} ${pathname} is not served locally`,
          404,
        );
      const functionName = decodeURIComponent(match[1]);
      const body = await readBody(request, 6 * 1024 * 1024);
      let payload: unknown = null;
      if (body.length > 0) {
        try {
          payload = JSON.parse(body.toString('utf8'));
        } catch {
          throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json', 400);
        }
      }
      const invocation = this.invoke(functionName, payload);
      if (request.headers['x-amz-invocation-type'] === 'Event') {
        invocation.catch(() => undefined);
        response.writeHead(202, { 'content-length': 0 });
        response.end();
        return;
      }
      const outcome = await invocation;
      const text = JSON.stringify(outcome.ok ? outcome.value : outcome.error);
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amz-executed-version': '$LATEST',
      };
      if (!outcome.ok) headers['x-amz-function-error'] = 'Unhandled';
      response.writeHead(200, headers);
      response.end(text);
    } catch (error) {
      sendError(response, error, 'application/json');
    }
  }

  /** Terminates every execution environment. */
  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }
}
