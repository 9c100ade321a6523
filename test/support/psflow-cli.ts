import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PSFLOW_BIN = path.resolve(__dirname, '..', '..', 'bin', 'psflow.js');

/** What a CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npx psflow ...` as a user would, against the local cloud at `endpoint`; never throws on a non-zero exit. */
export async function runPsflow(endpoint: string, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PSFLOW_BIN, ...args], {
      env: { ...process.env, PSFLOW_ENDPOINT: endpoint },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A Salesforce-shaped 18-character id with the given key prefix (`006` opportunity, `001` account), unique per call. */
export function salesforceId(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 15)}`;
}
