import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBillingCycle } from '../../cli/commands/billing';
import type { CliContext } from '../../cli/cli-context';
import type { CycleInput } from '../../shared/billing/billing-state';
import type { BillingCycleStarter } from '../../shared/billing/start-billing-run';
import {
  handleOperationsRequest,
  type HttpApiEvent,
  type OperationsDependencies,
} from '../../shared/operations-api/operations-api';
import { taskWorld, type TaskWorld } from '../support/human-task-fakes';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:psflow-prod-billing-readiness';

/** Step Functions as far as names go: a taken name is `alreadyStarted`. */
class RecordingCycles implements BillingCycleStarter {
  readonly started: { name: string; input: CycleInput }[] = [];

  async start(executionName: string, input: CycleInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const alreadyStarted = this.started.some((each) => each.name === executionName);
    if (!alreadyStarted) this.started.push({ name: executionName, input });
    return { executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${executionName}`, alreadyStarted };
  }
}

function api(world: TaskWorld, cycles: BillingCycleStarter): OperationsDependencies {
  const unused = () => Promise.reject(new Error('not used by billing runs'));
  return {
    ...world.deps,
    executions: { history: unused, status: unused },
    rejectedEvents: { get: unused, list: unused, markActed: unused },
    replayer: { replay: unused },
    billingCycles: cycles,
  };
}

function post(as: string, body: unknown): HttpApiEvent {
  return {
    routeKey: 'POST /billing/runs',
    body: JSON.stringify(body),
    requestContext: { authorizer: { jwt: { claims: { sub: as } } } },
  };
}

describe('POST /billing/runs', () => {
  it('starts the cycle for finance, once per region, period and run, and audits every request', async () => {
    // Prepare
    const world = taskWorld();
    const cycles = new RecordingCycles();
    const body = { region: 'EMEA', period: '2026-11', cutOffAt: '2026-12-02T16:00:00Z' };

    // Act
    const first = await handleOperationsRequest(post('fiona.finance', body), api(world, cycles));
    const again = await handleOperationsRequest(post('fiona.finance', body), api(world, cycles));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({
      executionName: 'billing-EMEA-2026-11-run-1',
      alreadyStarted: false,
    });
    expect(JSON.parse(again.body)).toMatchObject({ alreadyStarted: true });
    expect(cycles.started).toEqual([
      {
        name: 'billing-EMEA-2026-11-run-1',
        input: {
          region: 'EMEA',
          period: '2026-11',
          runId: 'run-1',
          trigger: 'on-demand',
          requestedBy: 'fiona.finance',
          cutOffAt: '2026-12-02T16:00:00Z',
        },
      },
    ]);
    expect(world.audit.entries.map((entry) => [entry.subjectType, entry.subjectId, entry.action, entry.actor])).toEqual(
      [
        ['billing-cycle', 'EMEA#2026-11', 'start-run', 'fiona.finance'],
        ['billing-cycle', 'EMEA#2026-11', 'run-already-started', 'fiona.finance'],
      ],
    );
  });

  it.each([
    ['someone without a finance role', 'dana.delivery', { region: 'EMEA', period: '2026-11' }, 403, 'NotAuthorized'],
    ['an unknown region', 'fiona.finance', { region: 'MARS', period: '2026-11' }, 400, 'InvalidRequest'],
    [
      'a run id with capitals',
      'carl.cfo',
      { region: 'EMEA', period: '2026-11', runId: 'Run 2' },
      400,
      'InvalidRequest',
    ],
  ])('refuses %s, starting and auditing nothing', async (_name, as, body, status, error) => {
    // Prepare
    const world = taskWorld();
    const cycles = new RecordingCycles();

    // Act
    const answer = await handleOperationsRequest(post(as, body), api(world, cycles));

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ error });
    expect(cycles.started).toEqual([]);
    expect(world.audit.entries).toEqual([]);
  });
});

describe('psflow billing run against AWS', () => {
  let server: http.Server;
  const received: { method?: string; url?: string; authorization?: string; body: unknown }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        received.push({
          method: request.method,
          url: request.url,
          authorization: request.headers.authorization,
          body: JSON.parse(text),
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ executionName: 'billing-APAC-2026-11-run-2', executionArn: 'arn', alreadyStarted: false }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the operations API to start the cycle, with the caller token', async () => {
    // Prepare
    const printed: string[] = [];
    const context: CliContext = {
      options: { endpoint: 'aws', stage: 'prod', json: false, as: 'fiona.finance' },
      documents: undefined as never,
      events: undefined as never,
      tableName: (name) => `psflow-prod-${name}`,
      busName: 'psflow-prod',
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      print: (line) => printed.push(line),
      printJson: (value) => printed.push(JSON.stringify(value)),
      close: () => undefined,
    };
    process.env.PSFLOW_TOKEN = 'token-of-fiona';

    // Act
    try {
      await runBillingCycle(context, { region: 'APAC', period: '2026-11', runId: 'run-2' });
    } finally {
      delete process.env.PSFLOW_TOKEN;
    }

    // Assess
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/billing/runs',
        authorization: 'Bearer token-of-fiona',
        body: { region: 'APAC', period: '2026-11', runId: 'run-2' },
      },
    ]);
    expect(printed).toEqual(['started billing-APAC-2026-11-run-2']);
  });
});
