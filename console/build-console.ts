import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What decides the console's build: its own sources, the shared schemas it imports, the lock file. */
const CONSOLE_INPUTS = ['console', 'shared', 'package-lock.json'];
const STAMP_FILE = '.psflow-console-hash';

function collect(entry: string, files: string[]): void {
  if (!fs.existsSync(entry)) return;
  if (fs.statSync(entry).isFile()) {
    files.push(entry);
    return;
  }
  for (const child of fs.readdirSync(entry).sort()) {
    if (child === 'node_modules' || child === 'dist' || child.startsWith('.')) continue;
    collect(path.join(entry, child), files);
  }
}

/** Hash of every input of the console's build. */
export function consoleSourceHash(projectRoot: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const input of CONSOLE_INPUTS) collect(path.join(projectRoot, input), files);
  for (const file of files)
    hash.update(path.relative(projectRoot, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** The built console's folder. */
export function consoleDistDirectory(projectRoot: string): string {
  return path.join(projectRoot, 'console', 'dist');
}

/**
 * Builds the console with Vite unless `console/dist` was built from the current sources
 * (a stamp holds their hash), so `npm start` and the test setup pay for it only after a change.
 *
 * @returns whether a build ran
 */
export async function ensureConsoleBuilt(projectRoot: string, log: (line: string) => void): Promise<boolean> {
  const dist = consoleDistDirectory(projectRoot);
  const stamp = path.join(dist, STAMP_FILE);
  const hash = consoleSourceHash(projectRoot);
  if (fs.existsSync(path.join(dist, 'index.html')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash)
    return false;
  log('Building the operations console (console/) ...');
  const started = Date.now();
  const vite = path.join(projectRoot, 'node_modules', '.bin', 'vite');
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(vite, ['build', '--config', path.join('console', 'vite.config.mjs')], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`the console's build failed (vite exited ${code}):\n${output.join('').slice(-4000)}`);
  fs.writeFileSync(stamp, hash);
  log(`Console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
