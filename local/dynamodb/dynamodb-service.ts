import * as http from 'node:http';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TableSpec } from '../cdk/resource-model';
import { AwsError, sendError } from '../http/aws-json';

/** Prefix dynalite (like DynamoDB) puts before exception names in `__type`. */
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/**
 * DynamoDB, served by dynalite persisted on disk, running on its own thread behind a private
 * loopback port. Requests to the public endpoint are relayed to it; Lambda workers and the
 * Step Functions integrations reach it directly.
 */
export class DynamoDbService {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private worker: Worker | undefined;
  private port = 0;

  constructor(private readonly dataDirectory: string) {}

  /** The private endpoint; handed to Lambda workers as AWS_ENDPOINT_URL_DYNAMODB. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts dynalite and creates the template's tables. */
  async start(tables: readonly TableSpec[]): Promise<{ created: string[]; existing: string[] }> {
    const worker = new Worker(path.join(__dirname, 'dynalite-worker.ts'), {
      workerData: { dataDirectory: this.dataDirectory },
      execArgv: ['--require', require.resolve('tsx/cjs')],
    });
    this.worker = worker;
    this.port = await new Promise<number>((resolve, reject) => {
      worker.once('error', (error) => reject(new Error(`DynamoDB (dynalite) failed to start on ${this.dataDirectory}: ${error.message}`)));
      worker.once('message', (message: { type: string; port: number }) => resolve(message.port));
    });
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
    return { created, existing };
  }

  /** Relays a DynamoDB wire-protocol request from a client of the public endpoint. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const upstream = http.request(
      { host: '127.0.0.1', port: this.port, method: request.method, path: request.url, headers: request.headers, agent: this.agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => sendError(response, new AwsError('InternalServerError', `DynamoDB is unavailable: ${error.message}`, 500)));
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
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${action}`,
            'content-length': Buffer.byteLength(payload),
            // dynalite checks that a signature is present, not that it is valid.
            authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
            'x-amz-date': '20200101T000000Z',
          },
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

  /** Requests served so far, by DynamoDB operation (PutItem, Query, ...), from every client. */
  async statistics(): Promise<Record<string, number>> {
    const worker = this.worker;
    if (!worker) return {};
    return new Promise((resolve) => {
      const onMessage = (message: { type: string; operations?: Record<string, number> }): void => {
        if (message.type !== 'statistics') return;
        worker.off('message', onMessage);
        resolve(message.operations ?? {});
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'statistics' });
    });
  }

  /** Closes dynalite and its LevelDB store, then its thread. */
  async stop(): Promise<void> {
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
