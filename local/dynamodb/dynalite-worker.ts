import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { openLevelDbIterators, settleDynaliteLevelDb } from './dynalite-leveldb';
import { useNativeDynaliteChecksum } from './dynalite-checksum';
import { cacheDynaliteTableDescriptions, tableDescriptionStoreReads } from './dynalite-table-cache';
import { batchDynaliteReads, batchedReadStatistics } from './dynalite-batched-reads';
import { checkDynamoDbRequest, type TableKeys, tableKeysOf } from './request-limits';

/**
 * Runs dynalite on its own thread, so LevelDB and DynamoDB request handling never queue
 * behind the local cloud's own work (and the other way round) on the main thread.
 */
settleDynaliteLevelDb();
cacheDynaliteTableDescriptions();
batchDynaliteReads();
useNativeDynaliteChecksum();
// dynalite ships no types; this is the part of its surface used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => http.Server;

/** What the service hands this thread. */
export interface DynaliteWorkerData {
  readonly dataDirectory: string;
  /** The port to listen on; 0 for a free one. A restarted thread keeps its predecessor's port. */
  readonly port: number;
  /** Key attributes of the tables already known (from the template), by table name. */
  readonly tables: Record<string, TableKeys>;
}

/** Largest request dynalite itself accepts. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('dynalite-worker must run in a worker thread');
const data = workerData as DynaliteWorkerData;
const tables = new Map<string, TableKeys>(Object.entries(data.tables));

const server = dynalite({ path: data.dataDirectory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.keepAliveTimeout = 65_000;
// dynalite's own handler runs behind a check of DynamoDB's limits: a value nested thousands of
// levels deep would overflow its recursive validation and end this thread for every client.
const [dynaliteHandler] = server.listeners('request') as Array<
  (request: http.IncomingMessage, response: http.ServerResponse) => void
>;
server.removeAllListeners('request');
// Every request, from the public endpoint and from Lambda workers alike, counted by operation:
// the benchmark turns these into DynamoDB reads and writes per activation.
const operations: Record<string, number> = {};
server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
  const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
  operations[operation] = (operations[operation] ?? 0) + 1;
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > MAX_REQUEST_BYTES) {
      answerError(
        response,
        413,
        'com.amazon.coral.service#RequestEntityTooLarge',
        `Request body exceeds ${MAX_REQUEST_BYTES} bytes`,
      );
      return;
    }
    const body = Buffer.concat(chunks);
    const problem = checkDynamoDbRequest(operation, body.toString('utf8'), (table) => tables.get(table));
    if (problem) {
      answerError(response, 400, 'com.amazonaws.dynamodb.v20120810#ValidationException', problem);
      return;
    }
    learnTables(operation, body, response);
    // dynalite reads the request as a stream: replay the checked body to it.
    const replay = Object.assign(new PassThrough(), {
      headers: request.headers,
      method: request.method,
      url: request.url,
    });
    try {
      dynaliteHandler(replay as unknown as http.IncomingMessage, response);
      replay.end(body);
    } catch (error) {
      answerError(
        response,
        500,
        'com.amazonaws.dynamodb.v20120810#InternalServerError',
        `dynalite failed: ${(error as Error).message}`,
      );
    }
  });
});

/** Keeps the key attributes of tables created or deleted at run time, once dynalite agreed. */
function learnTables(operation: string, body: Buffer, response: http.ServerResponse): void {
  if (operation !== 'CreateTable' && operation !== 'DeleteTable') return;
  response.once('finish', () => {
    if (response.statusCode !== 200) return;
    try {
      const request: unknown = JSON.parse(body.toString('utf8'));
      const created = operation === 'CreateTable' ? tableKeysOf(request) : undefined;
      if (created) tables.set(created.table, created.keys);
      else if (typeof request === 'object' && request !== null && 'TableName' in request)
        tables.delete(String(request.TableName));
    } catch {
      // dynalite answered 200, so the body parsed there; nothing to learn otherwise.
    }
  });
}

function answerError(response: http.ServerResponse, statusCode: number, type: string, message: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const payload = JSON.stringify({ __type: type, message });
  response.writeHead(statusCode, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

server.listen(data.port, '127.0.0.1', () =>
  port.postMessage({ type: 'listening', port: (server.address() as AddressInfo).port }),
);
port.on('message', (message: { type: string }) => {
  if (message.type === 'stop') server.close(() => port.postMessage({ type: 'stopped' }));
  if (message.type === 'statistics')
    port.postMessage({
      type: 'statistics',
      operations: { ...operations },
      openIterators: openLevelDbIterators(),
      tableDescriptionReads: tableDescriptionStoreReads(),
      batchedReads: batchedReadStatistics(),
    });
  // Lets a test end this thread the way an unforeseen crash would, to prove it is restarted.
  if (message.type === 'crash')
    setImmediate(() => {
      throw new Error('DynamoDB thread crash requested');
    });
});
