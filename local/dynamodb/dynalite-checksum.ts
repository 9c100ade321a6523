import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';

/**
 * Has dynalite compute its responses' `x-amz-crc32` header with Node's native CRC-32 rather than
 * in JavaScript. dynalite checksums every response body with buffer-crc32, about 0.8 ms of the
 * DynamoDB thread's time per staffing ranking (its 236 items). `zlib.crc32` is in every Node.js
 * that `engines` allows (20.15 and later).
 */
export function useNativeDynaliteChecksum(): void {
  const dynaliteRequire = createRequire(require.resolve('dynalite'));
  const crc32 = dynaliteRequire('buffer-crc32') as { unsigned(input: string | Buffer): number };
  crc32.unsigned = (input) => zlib.crc32(input);
}
