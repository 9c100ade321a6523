import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureSynthesized } from '../local/cdk/synthesize';
import { ensureConsoleBuilt } from '../console/build-console';
import { TEST_TMPDIR_VARIABLE } from './support/local-cloud-process';

/**
 * Synthesizes cdk.out once before any suite runs, so parallel integration suites serve the
 * same, current cloud assembly and none of them races another to write it. Also makes the
 * run's scratch directory: suites put their data directories and cloud-assembly variants
 * under it (workers inherit the variable), and the teardown removes it whole.
 */
export default async function globalSetup(): Promise<void> {
  const projectRoot = path.resolve(__dirname, '..');
  process.env[TEST_TMPDIR_VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-test-run-'));
  // The console first: the CDK app deploys its build, and the browser tests serve it.
  await ensureConsoleBuilt(projectRoot, (line) => process.stdout.write(`${line}\n`));
  await ensureSynthesized(projectRoot, path.join(projectRoot, 'cdk.out'), 'dev', (line) =>
    process.stdout.write(`${line}\n`),
  );
}
