import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import type { FunctionSpec } from '../../local/cdk/resource-model';
import { LambdaService, type LambdaServiceOptions } from '../../local/lambda/lambda-service';

/** Handlers written as plain bundles, the way cdk.out holds them. */
const BUNDLE = `
exports.echo = async (event, context) => ({ event, functionName: context.functionName, region: process.env.AWS_REGION, table: process.env.TABLE_NAME, endpoint: process.env.AWS_ENDPOINT_URL });
exports.fail = async () => { const error = new Error('rate card missing for EMEA'); error.name = 'RateCardMissing'; throw error; };
exports.slow = () => new Promise((resolve) => setTimeout(() => resolve('late'), 5000));
exports.budget = async (event, context) => { const remaining = context.getRemainingTimeInMillis(); await new Promise((resolve) => setTimeout(resolve, event.holdMs)); return remaining; };
exports.hoard = async () => { const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length)); };
exports.callback = (event, context, callback) => { console.log('logged from the handler'); callback(null, { viaCallback: event.n * 2 }); };
`;

let directory: string;
let service: LambdaService;

function spec(name: string, handler: string, timeoutSeconds = 3): FunctionSpec {
  return {
    logicalId: name,
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: `index.${handler}`,
    codeDirectory: path.join(directory, 'bundle'),
    runtime: 'nodejs22.x',
    timeoutSeconds,
    memoryMb: 256,
    environment: { TABLE_NAME: 'psflow-test-orders' },
  };
}

function serviceOptions(): LambdaServiceOptions {
  return {
    endpoint: 'http://127.0.0.1:1',
    dynamoDbEndpoint: 'http://127.0.0.1:2',
    region: 'eu-west-1',
    accountId: '000000000000',
    logDirectory: path.join(directory, 'logs'),
    maxConcurrencyPerFunction: 2,
  };
}

/** A service with one function per handler of the test bundle, named after it, and at most `maxEnvironments` alive. */
function boundedService(functions: readonly string[], logs: string, maxEnvironments: number): LambdaService {
  return new LambdaService(
    functions.map((name) => spec(name, name)),
    { ...serviceOptions(), logDirectory: path.join(directory, logs), maxEnvironments },
  );
}

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-lambda-'));
  fs.mkdirSync(path.join(directory, 'bundle'));
  fs.writeFileSync(path.join(directory, 'bundle', 'index.js'), BUNDLE);
  service = new LambdaService(
    [
      spec('echo', 'echo'),
      spec('fail', 'fail'),
      spec('slow', 'slow', 1),
      spec('callback', 'callback'),
      spec('missing', 'nope'),
      spec('budget', 'budget', 3),
    ],
    serviceOptions(),
  );
});

afterAll(async () => {
  await service.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('LambdaService', () => {
  it('runs the bundle with the template environment and the local endpoint', async () => {
    // Act
    const outcome = await service.invoke('arn:aws:lambda:us-east-1:000000000000:function:echo', { orderId: 'ünï-1' });

    // Assess
    expect(outcome).toEqual({
      ok: true,
      value: {
        event: { orderId: 'ünï-1' },
        functionName: 'echo',
        region: 'eu-west-1',
        table: 'psflow-test-orders',
        endpoint: 'http://127.0.0.1:1',
      },
    });
  });

  it('reports a handler error with its name and message, as Lambda does', async () => {
    // Act
    const outcome = await service.invoke('fail', {});

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'RateCardMissing', errorMessage: 'rate card missing for EMEA' },
    });
  });

  it('fails an invocation that runs past the timeout and serves the next one from a fresh environment', async () => {
    // Act
    // Prepare: three invocations on two environments, so one waits in the queue behind a timeout.
    const invocations = [service.invoke('slow', {}), service.invoke('slow', {}), service.invoke('slow', {})];

    // Act
    const outcomes = await Promise.all(invocations);

    // Assess: the queued one gets a fresh environment and its own full timeout, not the dying one.
    expect(outcomes).toEqual(
      Array.from({ length: 3 }, () =>
        expect.objectContaining({
          ok: false,
          error: expect.objectContaining({
            errorType: 'Sandbox.Timedout',
            errorMessage: 'Task timed out after 1.00 seconds',
          }),
        }),
      ),
    );
    expect(service.statistics().slow).toEqual(expect.objectContaining({ invocations: 3, coldStarts: 3, queued: 0 }));
  });

  it('starts the timeout clock when an environment takes the invocation, not while it waits for one', async () => {
    // Arrange: two environments are busy for 1.5 s, so a third invocation waits that long first
    const busy = [service.invoke('budget', { holdMs: 1500 }), service.invoke('budget', { holdMs: 1500 })];

    // Act
    const queued = await service.invoke('budget', { holdMs: 0 });
    await Promise.all(busy);

    // Assess: Lambda's 3 s budget is whole, not 3 s minus the wait
    expect(queued.ok).toBe(true);
    expect((queued as { value: number }).value).toBeGreaterThan(2500);
  });

  it('supports callback-style handlers and writes their output to the function log', async () => {
    // Act
    const outcome = await service.invoke('callback', { n: 21 });

    // Assess
    expect(outcome).toEqual({ ok: true, value: { viaCallback: 42 } });
    expect(fs.readFileSync(path.join(directory, 'logs', 'callback.log'), 'utf8')).toContain('logged from the handler');
  });

  it('reports a handler the bundle does not export', async () => {
    // Act
    const outcome = await service.invoke('missing', {});

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nope is undefined or not exported' },
    });
  });

  it("reads a bundle's source map only when the function's NODE_OPTIONS asks for it, as Lambda does", async () => {
    // Prepare: a TypeScript handler bundled with an external map, as cdk.out holds it
    const mapped = path.join(directory, 'mapped');
    fs.mkdirSync(mapped);
    fs.writeFileSync(
      path.join(mapped, 'rate-card.ts'),
      "export async function handler(): Promise<never> {\n  throw new Error('no rate card');\n}\n",
    );
    buildSync({
      entryPoints: [path.join(mapped, 'rate-card.ts')],
      outfile: path.join(mapped, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      logLevel: 'silent',
    });
    const options = { ...serviceOptions(), logDirectory: path.join(directory, 'logs-mapped') };
    const withMaps = {
      ...spec('with-maps', 'handler'),
      codeDirectory: mapped,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    };
    const withoutMaps = { ...spec('without-maps', 'handler'), codeDirectory: mapped };
    const mappedService = new LambdaService([withMaps, withoutMaps], options);

    // Act
    const outcomes = await Promise.all([
      mappedService.invoke('with-maps', {}),
      mappedService.invoke('without-maps', {}),
    ]).finally(() => mappedService.stop());

    // Assess
    const traces = outcomes.map((outcome) => (outcome.ok ? '' : outcome.error.trace.join('\n')));
    expect(traces[0]).toContain('rate-card.ts:2');
    expect(traces[1]).not.toContain('rate-card.ts');
    expect(traces[1]).toContain('index.js:1');
  });

  it('releases an execution environment that sits idle past the idle timeout, and starts a fresh one for the next invocation', async () => {
    // Prepare
    const reclaiming = new LambdaService([spec('echo', 'echo'), spec('budget', 'budget')], {
      ...serviceOptions(),
      logDirectory: path.join(directory, 'logs-idle'),
      idleTimeoutMs: 300,
    });
    try {
      await reclaiming.invoke('echo', {});
      const afterFirst = reclaiming.statistics().echo.environments;

      // Act
      await new Promise((resolve) => setTimeout(resolve, 800));
      const afterIdle = reclaiming.statistics().echo.environments;
      const again = await reclaiming.invoke('echo', {});
      // A busy environment is never released, however long its invocation runs.
      const busy = await reclaiming.invoke('budget', { holdMs: 700 });

      // Assess
      expect({
        afterFirst,
        afterIdle,
        againOk: again.ok,
        coldStarts: reclaiming.statistics().echo.coldStarts,
        busyOk: busy.ok,
      }).toEqual({
        afterFirst: 1,
        afterIdle: 0,
        againOk: true,
        coldStarts: 2,
        busyOk: true,
      });
    } finally {
      await reclaiming.stop();
    }
  });

  it("times the init phase apart from the invocation, as Lambda does: a slow bundle load does not eat the function's timeout", async () => {
    // Prepare
    const slowDirectory = path.join(directory, 'slow-init');
    fs.mkdirSync(slowDirectory, { recursive: true });
    fs.writeFileSync(
      path.join(slowDirectory, 'index.js'),
      'const until = Date.now() + 1500; while (Date.now() < until); exports.handler = async () => "initialised";',
    );
    const slowInit = new LambdaService([{ ...spec('slow-init', 'handler', 1), codeDirectory: slowDirectory }], {
      ...serviceOptions(),
      logDirectory: path.join(directory, 'logs-slow-init'),
    });
    try {
      // Act
      const outcome = await slowInit.invoke('slow-init', {});

      // Assess
      expect(outcome).toEqual({ ok: true, value: 'initialised' });
    } finally {
      await slowInit.stop();
    }
  });

  it('keeps at most maxEnvironments alive across functions, releasing the one idle longest to make room', async () => {
    // Prepare
    const bounded = boundedService(['echo', 'callback', 'budget'], 'logs-bounded', 2);
    const alive = (): Record<string, number> =>
      Object.fromEntries(Object.entries(bounded.statistics()).map(([name, figures]) => [name, figures.environments]));
    try {
      await bounded.invoke('echo', {});
      await bounded.invoke('callback', { n: 1 });
      const beforeThird = alive();

      // Act
      const third = await bounded.invoke('budget', { holdMs: 0 });

      // Assess
      expect({ beforeThird, afterThird: alive(), thirdOk: third.ok }).toEqual({
        beforeThird: { echo: 1, callback: 1, budget: 0 },
        afterThird: { echo: 0, callback: 1, budget: 1 },
        thirdOk: true,
      });
    } finally {
      await bounded.stop();
    }
  });

  it('at the limit, queues a second invocation behind its busy function instead of scaling out, yet gives another function its first environment', async () => {
    // Prepare
    const bounded = boundedService(['echo', 'budget'], 'logs-queued', 1);
    try {
      const first = bounded.invoke('budget', { holdMs: 400 });

      // Act
      const second = bounded.invoke('budget', { holdMs: 0 });
      const other = await bounded.invoke('echo', { alongside: true });
      const whileBusy = bounded.statistics();
      const outcomes = await Promise.all([first, second]);

      // Assess
      expect({
        budgetEnvironments: whileBusy.budget.environments,
        budgetQueued: whileBusy.budget.queued,
        otherOk: other.ok,
        ok: outcomes.map((outcome) => outcome.ok),
        budgetColdStarts: bounded.statistics().budget.coldStarts,
      }).toEqual({ budgetEnvironments: 1, budgetQueued: 1, otherOk: true, ok: [true, true], budgetColdStarts: 1 });
    } finally {
      await bounded.stop();
    }
  });

  it("at the limit, queues behind its own busy environment rather than releasing another function's environment idle for a moment", async () => {
    // Prepare
    const bounded = boundedService(['echo', 'budget'], 'logs-own-queue', 2);
    try {
      await bounded.invoke('echo', {});
      const first = bounded.invoke('budget', { holdMs: 400 });

      // Act
      const second = bounded.invoke('budget', { holdMs: 0 });
      const whileBusy = bounded.statistics();
      const outcomes = await Promise.all([first, second]);

      // Assess
      expect({
        echoEnvironments: whileBusy.echo.environments,
        budgetEnvironments: whileBusy.budget.environments,
        budgetQueued: whileBusy.budget.queued,
        ok: outcomes.map((outcome) => outcome.ok),
        budgetColdStarts: bounded.statistics().budget.coldStarts,
        echoAfter: bounded.statistics().echo.environments,
      }).toEqual({
        echoEnvironments: 1,
        budgetEnvironments: 1,
        budgetQueued: 1,
        ok: [true, true],
        budgetColdStarts: 1,
        echoAfter: 1,
      });
    } finally {
      await bounded.stop();
    }
  });

  it("at the limit, takes the slot of another function's environment idle for a second, though it has one of its own", async () => {
    // Prepare
    const bounded = boundedService(['echo', 'budget'], 'logs-reclaim', 2);
    try {
      await bounded.invoke('echo', {});
      const first = bounded.invoke('budget', { holdMs: 2500 });
      await new Promise((resolve) => setTimeout(resolve, 1200));

      // Act
      const second = await bounded.invoke('budget', { holdMs: 0 });

      // Assess
      const figures = bounded.statistics();
      expect({
        secondOk: second.ok,
        firstOk: (await first).ok,
        echoEnvironments: figures.echo.environments,
        budgetColdStarts: figures.budget.coldStarts,
      }).toEqual({ secondOk: true, firstOk: true, echoEnvironments: 0, budgetColdStarts: 2 });
    } finally {
      await bounded.stop();
    }
  });

  it('stops a function that outgrows its memory size with Runtime.OutOfMemory, as Lambda does, and serves the next invocation', async () => {
    // Prepare
    const capped = new LambdaService([{ ...spec('hoard', 'hoard', 30), memoryMb: 128 }, spec('echo', 'echo')], {
      ...serviceOptions(),
      logDirectory: path.join(directory, 'logs-capped'),
    });
    try {
      // Act
      const outcome = await capped.invoke('hoard', {});
      const next = await capped.invoke('echo', { after: 'hoard' });

      // Assess
      expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.OutOfMemory' } });
      expect(next.ok).toBe(true);
    } finally {
      await capped.stop();
    }
  });

  it('refuses an unknown function with ResourceNotFoundException', async () => {
    // Act
    const outcome = await service.invoke('nobody', {}).catch((error: Error) => error);

    // Assess
    expect(outcome).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
