import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionSpec } from '../../local/cdk/resource-model';
import { percentile } from './activation-benchmark';

/** What one function's bundle weighs and how long it takes to load. */
export interface BundleFigures {
  readonly functionName: string;
  /** The handler file in cdk.out: the bytes Lambda loads, and the local cloud too. */
  readonly bundleBytes: number;
  /** The source map beside it; shipped, but read only when source maps are turned on. */
  readonly sourceMapBytes: number;
  /** Median wall time of `require(bundle)` in a fresh Node process. */
  readonly loadMedianMs: number;
  /** Median CPU time of the same, which other work on the machine disturbs less than wall time. */
  readonly loadCpuMedianMs: number;
  /** Median resident memory of the process after loading, Node itself included. */
  readonly rssAfterLoadMb: number;
}

interface LoadSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
}

// Runs in the fresh process: loads the bundle once and reports what that cost.
const LOADER = `
const file = process.argv[1];
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const loaded = require(file);
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
const used = process.cpuUsage(cpu);
if (typeof loaded[process.argv[2]] !== 'function') throw new Error(file + ' exports no ' + process.argv[2]);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000, rssMb: process.memoryUsage.rss() / 2 ** 20 }));
process.exit(0);
`;

/** The environment Lambda gives the function: the template's variables plus what the runtime sets. */
function lambdaEnvironment(spec: FunctionSpec): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TZ: 'UTC',
    ...spec.environment,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    LAMBDA_TASK_ROOT: spec.codeDirectory,
    _HANDLER: spec.handler,
    // The dev machine's Node may be older than the runtime; the SDK would warn on every load.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function loadOnce(spec: FunctionSpec, file: string, exportName: string): Promise<LoadSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOADER, file, exportName], {
      env: lambdaEnvironment(spec),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`loading ${spec.name} from ${file} exited with ${code}: ${errors.trim()}`));
      resolve(JSON.parse(output) as LoadSample);
    });
  });
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** The handler file of a function in cdk.out, e.g. `<asset>/index.js` for handler `index.handler`. */
export function bundleFileOf(spec: FunctionSpec): { file: string; exportName: string } {
  const separator = spec.handler.lastIndexOf('.');
  return {
    file: path.resolve(spec.codeDirectory, `${spec.handler.slice(0, separator)}.js`),
    exportName: spec.handler.slice(separator + 1),
  };
}

/**
 * Weighs every function's bundle in cdk.out and loads each `runs` times, one fresh Node process
 * at a time (never two at once, so they do not compete for the CPU), as a Lambda cold start does.
 */
export async function measureBundles(functions: readonly FunctionSpec[], runs: number): Promise<BundleFigures[]> {
  const figures: BundleFigures[] = [];
  for (const spec of [...functions].sort((a, b) => a.name.localeCompare(b.name))) {
    const { file, exportName } = bundleFileOf(spec);
    const mapFile = `${file}.map`;
    const samples: LoadSample[] = [];
    for (let run = 0; run < runs; run++) samples.push(await loadOnce(spec, file, exportName));
    figures.push({
      functionName: spec.name,
      bundleBytes: fs.statSync(file).size,
      sourceMapBytes: fs.existsSync(mapFile) ? fs.statSync(mapFile).size : 0,
      loadMedianMs: median(samples.map((sample) => sample.wallMs)),
      loadCpuMedianMs: median(samples.map((sample) => sample.cpuMs)),
      rssAfterLoadMb: median(samples.map((sample) => sample.rssMb)),
    });
  }
  return figures;
}
