import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import * as path from 'node:path';
import { ServiceTable } from './service-table';
import type { EnvVarName } from '../../shared/runtime/environment';

/** Project root, so entries are named relative to it whatever the caller's folder. */
const projectRoot = path.resolve(__dirname, '..', '..');

/** Modules every function's bundle takes from elsewhere: the package name, and the file used instead. */
export const SERVICE_FUNCTION_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(projectRoot, 'shared', 'runtime', 'lambda-credentials.ts'),
};

/**
 * How every function is bundled. Cold start follows bundle size, so the bundle is minified and
 * tree-shaken (`module` before `main` picks the SDK's ES module builds, which esbuild can shake).
 * The AWS SDK stays inside, pinned by the lockfile, so the bytes the local cloud runs are the
 * bytes that deploy; an external SDK measured slower to load from node_modules than bundled.
 * Stack traces stay readable without paying for source maps on every error: `keepNames` keeps
 * function names in frames, and the source map ships beside the bundle as a file that Node only
 * reads when someone turns `--enable-source-maps` on for a function they are debugging.
 * The SDK's default credential chain is replaced by the environment's credentials alone, which is
 * what Lambda provides and where that chain looks first (see shared/runtime/lambda-credentials.ts).
 */
export const SERVICE_FUNCTION_BUNDLING = {
  format: OutputFormat.CJS,
  target: 'es2022',
  minify: true,
  keepNames: true,
  mainFields: ['module', 'main'],
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // The map names the TypeScript files of this repository; their text is in the repository.
  sourcesContent: false,
  bundleAwsSDK: true,
  esbuildArgs: Object.fromEntries(
    Object.entries(SERVICE_FUNCTION_ALIASES).map(([module, replacement]) => [`--alias:${module}`, replacement]),
  ),
} as const satisfies BundlingOptions;

/** Props of a {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Handler file, relative to the project root, e.g. `functions/diagnostics/compute-probe-result.ts`. */
  readonly entry: string;
  /** Stage name, carried into the function name. */
  readonly stage: string;
  /** Short kebab-case name, unique within the stage. */
  readonly name: string;
  /** Powertools service name (logs, metrics, traces). */
  readonly serviceName: string;
  readonly description?: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * How a function may use a bound table. `append` grants PutItem alone (an append-only log:
 * no update, no delete); `readAppend` adds the reads.
 */
export type TableAccess = 'read' | 'readWrite' | 'append' | 'readAppend';

/**
 * A Lambda function with the house defaults: a minified esbuild bundle with the AWS SDK inside
 * (see {@link SERVICE_FUNCTION_BUNDLING}), the newest Node.js runtime on arm64, active tracing,
 * and a log group with a fixed retention.
 */
export class ServiceFunction extends NodejsFunction {
  /** The handler file, relative to the project root: what the dependency map and connector bindings read. */
  public readonly entryFile: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const functionName = `psflow-${props.stage}-${props.name}`;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      functionName,
      entry: path.join(projectRoot, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      bundling: { ...SERVICE_FUNCTION_BUNDLING, mainFields: [...SERVICE_FUNCTION_BUNDLING.mainFields] },
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'psflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        PSFLOW_STAGE: props.stage,
      },
    });
    this.entryFile = props.entry;
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only lets the function write its own log streams, and AWS keeps it current.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
      },
    );
  }

  /**
   * The cdk-nag acknowledgement every role that invokes this function needs: CDK grants invoke
   * on the function and on `<arn>:*` (its versions and aliases), which IAM5 reports as a wildcard.
   */
  invokeGrantAcknowledgement(): { id: string; reason: string } {
    return {
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason:
        'CDK grants invoke on the function and its versions and aliases (ARN plus ":*"); it is still one function.',
    };
  }

  /**
   * Grants access to a table and passes its name in one call, so a binding can never
   * have the permission without the variable or the other way round.
   *
   * @param envName - environment variable the handler reads through `requireEnv`
   */
  bindTable(table: ITable, envName: EnvVarName, access: TableAccess): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read' || access === 'readAppend') table.grantReadData(this);
    if (access === 'append' || access === 'readAppend') table.grant(this, 'dynamodb:PutItem');
    if (access === 'readWrite') table.grantReadWriteData(this);
    if (table instanceof ServiceTable && table.indexNames.length > 0) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(table).getLogicalId(table.node.defaultChild as CfnTable)}.Arn>/index/*]`,
        reason: `CDK grants a table's indexes as <table>/index/*; the table's own indexes are ${table.indexNames.join(', ')}.`,
      });
    }
    return this;
  }
}
