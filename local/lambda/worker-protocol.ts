/** What the Lambda service sends a worker: one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly invocationId: number;
  readonly requestId: string;
  readonly payload: unknown;
  readonly deadlineMs: number;
}

/** A handler error as the Lambda runtime reports it. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** What a worker answers for one invocation. */
export type InvokeResultMessage =
  | { readonly type: 'result'; readonly invocationId: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly invocationId: number; readonly ok: false; readonly error: LambdaErrorPayload };

/** Sent once the worker has loaded the bundle, or failed to: the end of the init phase. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Anything a worker sends the Lambda service. */
export type WorkerMessage = ReadyMessage | InvokeResultMessage;

/** Static facts a worker needs to load its bundle, passed as workerData. */
export interface WorkerData {
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly codeDirectory: string;
  readonly handler: string;
  /** File the function's stdout and stderr are appended to, like its CloudWatch log group. */
  readonly logFile: string;
}
