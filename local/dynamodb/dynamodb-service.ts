import * as http from 'node:http';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TableSpec } from '../cdk/resource-model';
import { AwsError, sendError } from '../http/aws-json';
import { isPlainObject } from '../../shared/model/plain-object';
import type { DynaliteWorkerData } from './dynalite-worker';
import { type TableKeys, tableKeysOf } from './request-limits';

/** Prefix dynalite (like DynamoDB) puts before exception names in `__type`. */
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/** Headers of a DynamoDB JSON request to dynalite, which checks that a signature is present, not that it is valid. */
export function dynaliteRequestHeaders(action: string, payload: string): http.OutgoingHttpHeaders {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${action}`,
    'content-length': Buffer.byteLength(payload),
    authorization:
      'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
    'x-amz-date': '20200101T000000Z',
  };
}

/**
 * DynamoDB, served by dynalite persisted on disk, running on its own thread behind a private
 * loopback port. Requests to the public endpoint are relayed to it; Lambda workers and the
 * Step Functions integrations reach it directly.
 */
export class DynamoDbService {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private worker: Worker | undefined;
  private port = 0;
  private stopping = false;
  private tables: Record<string, TableKeys> = {};
  private readonly health: {
    state: 'starting' | 'running' | 'restarting' | 'stopped';
    restarts: number;
    lastFailure?: { at: string; message: string };
    /** LevelDB iterators open on the thread at the last statistics call; each pins table files. */
    openIterators?: number;
    /** Table descriptions the thread has read from LevelDB; the rest came from its cache. */
    tableDescriptionReads?: number;
    /** Item reads the thread sent to LevelDB together (`reads` keys in `batches` calls). */
    batchedReads?: { batches: number; reads: number };
  } = {
    state: 'starting',
    restarts: 0,
  };
  /** Counts served by threads that ended, so the totals survive a restart. */
  private readonly earlierOperations: Record<string, number> = {};
  private lastOperations: Record<string, number> = {};

  constructor(
    private readonly dataDirectory: string,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** The private endpoint; handed to Lambda workers as AWS_ENDPOINT_URL_DYNAMODB. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the DynamoDB thread runs, how often it was restarted, and why it last ended. */
  get status(): Readonly<typeof this.health> {
    return { ...this.health };
  }

  /** Starts dynalite and creates the template's tables. */
  async start(tables: readonly TableSpec[]): Promise<{ created: string[]; existing: string[] }> {
    for (const table of tables) {
      const known = tableKeysOf(table.createTableRequest);
      if (known) this.tables[known.table] = known.keys;
    }
    await this.startWorker();
    const created: string[] = [];
    const existing: string[] = [];
    for (const table of tables) {
      try {
        await this.call('CreateTable', table.createTableRequest);
        created.push(table.name);
      } catch (error) {
        if (error instanceof AwsError && error.code === 'ResourceInUseException') existing.push(table.name);
        else throw new Error(`Creating table ${table.name} failed: ${(error as Error).message}`);
      }
    }
    for (const name of created) await this.waitUntilActive(name);
    return { created, existing };
  }

  /**
   * Waits for a new table to leave CREATING, as DynamoDB's `tableExists` waiter does: dynalite
   * answers CreateTable first and marks the table ACTIVE a moment later, and until then it
   * refuses reads and writes with ResourceNotFoundException. On a busy machine that moment is
   * long enough for the seed's first write to land in it.
   */
  private async waitUntilActive(table: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const described = await this.call('DescribeTable', { TableName: table });
      const status = isPlainObject(described.Table) ? described.Table.TableStatus : undefined;
      if (status === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`Table ${table} is still ${String(status)} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Starts the dynalite thread, on the port of the one before it when restarting: Lambda
   * workers were given that address and keep using it.
   */
  private async startWorker(): Promise<void> {
    const workerData: DynaliteWorkerData = { dataDirectory: this.dataDirectory, port: this.port, tables: this.tables };
    const worker = new Worker(path.join(__dirname, 'dynalite-worker.ts'), {
      workerData,
      execArgv: ['--require', require.resolve('tsx/cjs')],
    });
    this.worker = worker;
    this.port = await new Promise<number>((resolve, reject) => {
      worker.once('error', (error) =>
        reject(new Error(`DynamoDB (dynalite) failed to start on ${this.dataDirectory}: ${error.message}`)),
      );
      worker.once('message', (message: { type: string; port: number }) => resolve(message.port));
    });
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.once('exit', (code) => {
      if (this.stopping || this.worker !== worker) return;
      void this.restart(failure ? `${failure.name}: ${failure.message}` : `exit code ${code}`);
    });
    this.health.state = 'running';
  }

  /** Brings DynamoDB back after its thread ended unexpectedly, and says so. */
  private async restart(reason: string): Promise<void> {
    for (const [operation, count] of Object.entries(this.lastOperations))
      this.earlierOperations[operation] = (this.earlierOperations[operation] ?? 0) + count;
    this.lastOperations = {};
    this.health.state = 'restarting';
    this.health.restarts++;
    this.health.lastFailure = { at: new Date().toISOString(), message: reason };
    this.log(`error: the DynamoDB thread stopped unexpectedly (${reason}); restarting it on ${this.endpoint}`);
    try {
      await this.startWorker();
      this.log(`DynamoDB thread restarted on ${this.endpoint} (restart ${this.health.restarts})`);
    } catch (error) {
      this.health.state = 'stopped';
      this.log(`error: the DynamoDB thread could not be restarted: ${(error as Error).message}`);
    }
  }

  /** Ends the DynamoDB thread as an unforeseen crash would; for tests of the restart. */
  crashForTest(): void {
    this.worker?.postMessage({ type: 'crash' });
  }

  /** Relays a DynamoDB wire-protocol request from a client of the public endpoint. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: this.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent: this.agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) =>
      sendError(response, new AwsError('InternalServerError', `DynamoDB is unavailable: ${error.message}`, 500)),
    );
    request.pipe(upstream);
  }

  /**
   * Calls a DynamoDB action with an API-shaped request and returns the API-shaped response.
   *
   * @throws AwsError named like the DynamoDB exception (e.g. `ConditionalCheckFailedException`)
   */
  call(action: string, body: unknown): Promise<Record<string, unknown>> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: dynaliteRequestHeaders(action, payload),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
            if ((response.statusCode ?? 500) >= 400) {
              const type = String(parsed.__type ?? 'InternalServerError').replace(ERROR_PREFIX, '');
              reject(new AwsError(type, String(parsed.message ?? parsed.Message ?? text), response.statusCode));
            } else resolve(parsed);
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  /**
   * Requests served so far, by DynamoDB operation (PutItem, Query, ...), from every client; also
   * refreshes the counts of open iterators, table description reads and batched item reads in
   * {@link status}. Answers within a second even when the thread does not (it may be restarting).
   */
  async statistics(): Promise<Record<string, number>> {
    const worker = this.worker;
    const current =
      worker && this.health.state === 'running'
        ? await new Promise<Record<string, number> | undefined>((resolve) => {
            const timer = setTimeout(() => {
              worker.off('message', onMessage);
              resolve(undefined);
            }, 1000);
            const onMessage = (message: {
              type: string;
              operations?: Record<string, number>;
              openIterators?: number;
              tableDescriptionReads?: number;
              batchedReads?: { batches: number; reads: number };
            }): void => {
              if (message.type !== 'statistics') return;
              clearTimeout(timer);
              worker.off('message', onMessage);
              this.health.openIterators = message.openIterators;
              this.health.tableDescriptionReads = message.tableDescriptionReads;
              this.health.batchedReads = message.batchedReads;
              resolve(message.operations ?? {});
            };
            worker.on('message', onMessage);
            worker.postMessage({ type: 'statistics' });
          })
        : undefined;
    if (current) this.lastOperations = current;
    const totals = { ...this.earlierOperations };
    for (const [operation, count] of Object.entries(this.lastOperations))
      totals[operation] = (totals[operation] ?? 0) + count;
    return totals;
  }

  /** Closes dynalite and its LevelDB store, then its thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.health.state = 'stopped';
    this.agent.destroy();
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' });
    });
    await worker.terminate();
  }
}
