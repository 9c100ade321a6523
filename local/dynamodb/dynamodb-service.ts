import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TableSpec } from '../cdk/resource-model';
import { AwsError } from '../http/aws-json';

// dynalite ships no types; this is the part of its surface the local cloud uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => http.Server;

/** Prefix dynalite (like DynamoDB) puts before exception names in `__type`. */
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/**
 * DynamoDB, served by dynalite persisted on disk. External requests are handed to
 * dynalite's own request handler in-process; the Step Functions integrations call it
 * over a keep-alive loopback connection, exactly as an SDK client would.
 */
export class DynamoDbService {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private port = 0;

  constructor(dataDirectory: string) {
    this.server = dynalite({ path: dataDirectory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  }

  /** Starts dynalite on a private loopback port and creates the template's tables. */
  async start(tables: readonly TableSpec[]): Promise<{ created: string[]; existing: string[] }> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
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

  /** Serves a DynamoDB wire-protocol request from a client of the local endpoint. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.server.emit('request', request, response);
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

  /** Closes dynalite and its LevelDB store. */
  async stop(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
