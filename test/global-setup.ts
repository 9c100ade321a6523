import * as path from 'node:path';
import { ensureSynthesized } from '../local/cdk/synthesize';

/**
 * Synthesizes cdk.out once before any suite runs, so parallel integration suites serve the
 * same, current cloud assembly and none of them races another to write it.
 */
export default async function globalSetup(): Promise<void> {
  const projectRoot = path.resolve(__dirname, '..');
  await ensureSynthesized(projectRoot, path.join(projectRoot, 'cdk.out'), 'dev', (line) => process.stdout.write(`${line}\n`));
}
