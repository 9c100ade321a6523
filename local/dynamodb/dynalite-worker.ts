import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * Runs dynalite on its own thread, so LevelDB and DynamoDB request handling never queue
 * behind the local cloud's own work (and the other way round) on the main thread.
 */
// dynalite ships no types; this is the part of its surface used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => http.Server;

const port = parentPort;
if (!port) throw new Error('dynalite-worker must run in a worker thread');
const { dataDirectory } = workerData as { dataDirectory: string };

const server = dynalite({ path: dataDirectory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.keepAliveTimeout = 65_000;
// Every request, from the public endpoint and from Lambda workers alike, counted by operation:
// the benchmark turns these into DynamoDB reads and writes per activation.
const operations: Record<string, number> = {};
server.prependListener('request', (request: http.IncomingMessage) => {
  const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
  operations[operation] = (operations[operation] ?? 0) + 1;
});
server.listen(0, '127.0.0.1', () => port.postMessage({ type: 'listening', port: (server.address() as AddressInfo).port }));
port.on('message', (message: { type: string }) => {
  if (message.type === 'stop') server.close(() => port.postMessage({ type: 'stopped' }));
  if (message.type === 'statistics') port.postMessage({ type: 'statistics', operations: { ...operations } });
});
