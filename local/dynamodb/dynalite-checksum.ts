import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';

/**
 * Has dynalite compute its responses' `x-amz-crc32` header with Node's native CRC-32 rather than
 * in JavaScript. dynalite checksums every response body with buffer-crc32, about 0.8 ms of the
 * DynamoDB thread's time per staffing ranking (its 236 items). Node before 20.15 has no
 * `zlib.crc32`; dynalite then keeps its own.
 */
export function useNativeDynaliteChecksum(): void {
  if (typeof zlib.crc32 !== 'function') return;
  const dynaliteRequire = createRequire(require.resolve('dynalite'));
  const crc32 = dynaliteRequire('buffer-crc32') as { unsigned(input: string | Buffer): number };
  crc32.unsigned = (input) => zlib.crc32(input);
}
