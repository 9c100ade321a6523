import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const projectRoot = path.resolve(__dirname, '..', '..');

/** A local cloud running as its own process, the way `npm start` runs it. */
export interface LocalCloudProcess {
  readonly url: string;
  readonly dataDirectory: string;
  /** The process id, e.g. for reading its memory from /proc. */
  readonly pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Graceful stop (SIGTERM); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Hard kill (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

/** SDK client settings for a local cloud; any credentials are accepted. */
export function clientConfig(url: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

/** Names the test run's scratch directory, which the global setup makes and the teardown removes. */
export const TEST_TMPDIR_VARIABLE = 'PSFLOW_TEST_TMPDIR';

/** A fresh data directory for one suite, inside the test run's scratch directory when there is one. */
export function temporaryDataDirectory(label: string): string {
  return fs.mkdtempSync(path.join(process.env[TEST_TMPDIR_VARIABLE] ?? os.tmpdir(), `psflow-${label}-`));
}

/**
 * A copy of a cloud assembly whose template the caller may change. The asset directories (the
 * bundles, most of the size) are linked, not copied: the local cloud only reads them.
 */
export function cloudAssemblyVariant(cdkOut: string, label: string): string {
  const directory = temporaryDataDirectory(label);
  for (const entry of fs.readdirSync(cdkOut)) {
    const source = path.join(cdkOut, entry);
    if (entry.startsWith('asset.')) fs.symlinkSync(source, path.join(directory, entry), 'dir');
    else fs.cpSync(source, path.join(directory, entry), { recursive: true });
  }
  return directory;
}

/**
 * Starts `local/main.ts` on a free port and resolves once it prints its ready line.
 * cdk.out is synthesized by the global setup, so the process serves it as it is.
 */
export function startLocalCloud(dataDirectory: string, extraArguments: string[] = []): Promise<LocalCloudProcess> {
  // Node itself, not the tsx wrapper: a SIGKILL must reach the process that holds the data.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', '--port', '0', '--data-dir', dataDirectory, '--no-synth', ...extraArguments],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_ENDPOINT_URL: undefined } },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local cloud did not become ready within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          dataDirectory,
          pid: child.pid ?? Number.NaN,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local cloud exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

/** Polls until `probe` returns a value other than undefined, or fails with the last observation. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  describe = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${describe}${last ? `: ${String(last)}` : ''}`);
}
