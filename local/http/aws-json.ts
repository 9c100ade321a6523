import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answered in the AWS JSON protocol shape, so SDK clients raise the named exception. */
export class AwsError extends Error {
  constructor(
    /** The exception name clients see, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** Largest request body accepted; PutEvents allows 1 MiB per call, and state machine inputs 256 KiB. */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/** Reads a whole request body, refusing oversized ones before buffering them. */
export function readBody(request: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AwsError('RequestEntityTooLarge', `Request body exceeds ${limit} bytes`, 413));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Parses an AWS JSON request body into an object, with a protocol-level error on bad JSON. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new AwsError('SerializationException', `Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Writes a successful AWS JSON response. */
export function sendJson(
  response: ServerResponse,
  body: unknown,
  contentType = 'application/x-amz-json-1.0',
  statusCode = 200,
): void {
  const payload = JSON.stringify(body ?? {});
  response.writeHead(statusCode, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': cryptoRandomId(),
  });
  response.end(payload);
}

/** Writes an error in the AWS JSON shape (`__type` plus `message`). */
export function sendError(response: ServerResponse, error: unknown, contentType = 'application/x-amz-json-1.0'): void {
  const awsError =
    error instanceof AwsError
      ? error
      : new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
  const payload = JSON.stringify({ __type: awsError.code, message: awsError.message, Message: awsError.message });
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(awsError.statusCode, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-errortype': awsError.code,
    'x-amzn-requestid': cryptoRandomId(),
  });
  response.end(payload);
}

let requestCounter = 0;
function cryptoRandomId(): string {
  requestCounter = (requestCounter + 1) % 1e9;
  return `${Date.now().toString(16)}-${requestCounter.toString(16).padStart(8, '0')}`;
}

/** Reads a required string parameter, answering like AWS when it is missing. */
export function requireString(request: Record<string, unknown>, name: string): string {
  const value = request[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Reads an optional string parameter, rejecting other types. */
export function optionalString(request: Record<string, unknown>, name: string): string | undefined {
  const value = request[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('ValidationException', `Value at '${name}' must be a string`);
  return value;
}
