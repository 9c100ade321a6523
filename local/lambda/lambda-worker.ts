import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  InvokeMessage,
  InvokeResultMessage,
  LambdaErrorPayload,
  ReadyMessage,
  WorkerData,
} from './worker-protocol';

/**
 * One Lambda execution environment: loads the function's bundle from cdk.out once (the
 * cold start) and runs one invocation at a time, as Lambda does per instance.
 */
type Handler = (
  event: unknown,
  context: LambdaContext,
  callback: (error: unknown, result?: unknown) => void,
) => unknown;

interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
}

const data = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error('lambda-worker must run in a worker thread');

// The function's output goes straight to its log file from this thread: relaying every
// Powertools log line through the parent would put it on the local cloud's busiest thread.
const logFd = fs.openSync(data.logFile, 'a');
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((
    chunk: string | Uint8Array,
    encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void),
    callback?: (error?: Error | null) => void,
  ): boolean => {
    if (typeof chunk === 'string') fs.writeSync(logFd, chunk);
    else fs.writeSync(logFd, chunk);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    done?.();
    return true;
  }) as typeof stream.write;
}

/**
 * Whether the function asked for source maps, as Lambda decides it: from NODE_OPTIONS in the
 * function's environment. tsx, which loads this worker, turns them on for the whole thread;
 * left on, every environment would read and hold its bundle's map at load (measured: 14 MB per
 * environment with the former 4.7 MB maps) and every error would pay for mapping its stack.
 */
function sourceMapsRequested(): boolean {
  return (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes('--enable-source-maps');
}

function loadHandler(): Handler {
  const separator = data.handler.lastIndexOf('.');
  const modulePath = path.join(data.codeDirectory, data.handler.slice(0, separator));
  const exportName = data.handler.slice(separator + 1);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(modulePath) as Record<string, unknown>;
  const handler = loaded[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${data.handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler as Handler;
}

function toErrorPayload(error: unknown): LambdaErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error), trace: [] };
}

let handler: Handler | undefined;
let initError: LambdaErrorPayload | undefined;
process.setSourceMapsEnabled(sourceMapsRequested());
try {
  handler = loadHandler();
} catch (error) {
  initError = toErrorPayload(error);
  if (initError.errorType === 'Error') initError = { ...initError, errorType: 'Runtime.ImportModuleError' };
}
// The invocation's clock starts now: the service holds the first invocation until this arrives.
const ready: ReadyMessage = { type: 'ready' };
port.postMessage(ready);

function invoke(message: InvokeMessage): Promise<unknown> {
  if (!handler) return Promise.reject(initError);
  const activeHandler = handler;
  const context: LambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: data.functionArn,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, result?: unknown): void => (error ? reject(error) : resolve(result));
    try {
      const returned = activeHandler(message.payload, context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === 'function')
        (returned as Promise<unknown>).then(resolve, reject);
      else if (activeHandler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

port.on('message', (message: InvokeMessage) => {
  invoke(message).then(
    (value) => {
      // Lambda serialises the result to JSON; undefined becomes null.
      const serialised = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
      const reply: InvokeResultMessage = {
        type: 'result',
        invocationId: message.invocationId,
        ok: true,
        value: serialised,
      };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const payload =
        error !== null && typeof error === 'object' && 'errorType' in error
          ? (error as LambdaErrorPayload)
          : toErrorPayload(error);
      const reply: InvokeResultMessage = {
        type: 'result',
        invocationId: message.invocationId,
        ok: false,
        error: payload,
      };
      port.postMessage(reply);
    },
  );
});
