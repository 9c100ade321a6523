import * as fs from 'node:fs';
import { TEST_TMPDIR_VARIABLE } from './support/local-cloud-process';

/** Removes the run's scratch directory: local clouds' data and cloud-assembly variants. */
export default async function globalTeardown(): Promise<void> {
  const directory = process.env[TEST_TMPDIR_VARIABLE];
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
}
