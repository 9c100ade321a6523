import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

/** A bundle built here only to be measured beside the functions: what a part costs on its own. */
interface ReferenceBundle {
  readonly name: string;
  readonly source: string;
}

/**
 * The floors the functions' load times stand on, each built with the functions' own esbuild
 * options: Node loading an empty bundle, the AWS SDK's DynamoDB document client alone, and a
 * handler built by the house factory (logger, metrics, tracer, middy, zod) around that client.
 */
const REFERENCE_BUNDLES: readonly ReferenceBundle[] = [
  { name: '(reference) empty bundle', source: 'export const handler = async () => null;' },
  {
    name: '(reference) DynamoDB document client alone',
    source: [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
      'const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
      "export const handler = async () => documents.send(new GetCommand({ TableName: 't', Key: { id: '1' } }));",
    ].join('\n'),
  },
  {
    name: '(reference) house handler factory and DynamoDB client',
    source: [
      "import { GetCommand } from '@aws-sdk/lib-dynamodb';",
      "import * as z from 'zod';",
      `import { documentClient } from ${JSON.stringify(path.resolve(__dirname, '../../shared/runtime/aws-clients'))};`,
      `import { lambdaHandler } from ${JSON.stringify(path.resolve(__dirname, '../../shared/runtime/lambda-handler'))};`,
      "export const handler = lambdaHandler('Reference', z.object({ id: z.string() }), (input) =>",
      "  documentClient.send(new GetCommand({ TableName: 't', Key: { id: input.id } })),",
      ');',
    ].join('\n'),
  },
];

/**
 * Builds the {@link REFERENCE_BUNDLES} with the functions' bundling options and measures them as
 * {@link measureBundles} measures a function, so a function's load time reads against its floor.
 */
export async function measureReferenceBundles(
  bundling: { readonly target: string; readonly keepNames: boolean; readonly mainFields: readonly string[] },
  aliases: Readonly<Record<string, string>>,
  runs: number,
): Promise<BundleFigures[]> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-reference-bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const [index, reference] of REFERENCE_BUNDLES.entries()) {
      const codeDirectory = path.join(directory, String(index));
      fs.mkdirSync(codeDirectory);
      const entry = path.join(codeDirectory, 'entry.ts');
      fs.writeFileSync(entry, reference.source);
      await build({
        entryPoints: [entry],
        outfile: path.join(codeDirectory, 'index.js'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        minify: true,
        target: bundling.target,
        keepNames: bundling.keepNames,
        mainFields: [...bundling.mainFields],
        alias: { ...aliases },
        // The entries sit in a temporary folder; the packages are the project's.
        nodePaths: [path.resolve(__dirname, '../../node_modules')],
        logLevel: 'error',
      });
      const spec: FunctionSpec = {
        logicalId: `Reference${index}`,
        name: reference.name,
        arn: `arn:aws:lambda:us-east-1:000000000000:function:reference-${index}`,
        handler: 'index.handler',
        codeDirectory,
        runtime: 'nodejs24.x',
        timeoutSeconds: 10,
        memoryMb: 512,
        environment: { POWERTOOLS_SERVICE_NAME: 'reference' },
      };
      const [measured] = await measureBundles([spec], runs);
      figures.push(measured);
    }
    return figures;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
