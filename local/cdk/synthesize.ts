import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { localPartnerEventBuses } from '../eventbridge/partner-sources';

/** Folders and files whose content decides what `cdk synth` produces. */
const SYNTH_INPUTS = [
  'infra',
  'state-machines',
  'functions',
  'shared',
  'package-lock.json',
  'cdk.json',
  'tsconfig.json',
];
const STAMP_FILE = '.psflow-source-hash';

function collectFiles(entry: string, files: string[]): void {
  if (!fs.existsSync(entry)) return;
  const stat = fs.statSync(entry);
  if (stat.isFile()) {
    files.push(entry);
    return;
  }
  for (const child of fs.readdirSync(entry).sort()) {
    if (child === 'node_modules' || child.startsWith('.')) continue;
    collectFiles(path.join(entry, child), files);
  }
}

/** Hash of every synthesis input plus the stage, so a stale cdk.out is never served. */
export function sourceHash(projectRoot: string, stage: string): string {
  const hash = createHash('sha256').update(
    `stage=${stage}\npartnerEventBuses=${localPartnerEventBuses(projectRoot).join(',')}\n`,
  );
  const files: string[] = [];
  for (const input of SYNTH_INPUTS) collectFiles(path.join(projectRoot, input), files);
  for (const file of files)
    hash.update(path.relative(projectRoot, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** True when `cdkOut` was synthesized from the current sources for this stage. */
export function isUpToDate(projectRoot: string, cdkOut: string, stage: string): boolean {
  const stamp = path.join(cdkOut, STAMP_FILE);
  return (
    fs.existsSync(path.join(cdkOut, 'manifest.json')) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === sourceHash(projectRoot, stage)
  );
}

/**
 * Runs `cdk synth` (the same command a deployment uses, cdk-nag included) unless the
 * cloud assembly is already up to date, and stamps it with the source hash.
 *
 * @returns whether a synthesis ran
 */
export async function ensureSynthesized(
  projectRoot: string,
  cdkOut: string,
  stage: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (isUpToDate(projectRoot, cdkOut, stage)) return false;
  log(`Synthesizing the CDK app (stage ${stage}) into ${path.relative(projectRoot, cdkOut) || cdkOut} ...`);
  const started = Date.now();
  const cdk = path.join(projectRoot, 'node_modules', '.bin', 'cdk');
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    // The partner event buses the local cloud plays partners on (see partner-sources.ts).
    const partnerEventBuses = `partnerEventBuses=${localPartnerEventBuses(projectRoot).join(',')}`;
    const child = spawn(
      cdk,
      ['synth', '--quiet', '--no-notices', '-c', `stage=${stage}`, '-c', partnerEventBuses, '--output', cdkOut],
      {
        cwd: projectRoot,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code}):\n${output.join('')}`);
  fs.writeFileSync(path.join(cdkOut, STAMP_FILE), sourceHash(projectRoot, stage));
  log(`Synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
