import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { classifyPartnerEventBus } from '../../infra/ingestion/event-ingestion';
import { PsflowStack } from '../../infra/psflow-stack';
import {
  DiagnosticsDetailType,
  PSFLOW_EMITTED_SOURCES,
  PsflowSource,
  SalesforceSourcePrefix,
} from '../../shared/events/catalogue';
import { StackOutput, tableOutputKey } from '../../shared/deployment/stack-outputs';
import { EVENT_CONTRACTS } from '../../shared/events/contracts';
import { TEST_TMPDIR_VARIABLE } from '../support/local-cloud-process';
import approvalRoutingV1 from '../../shared/policies/approval-routing.v1.json';
import { NO_BUNDLING } from '../support/no-bundling';

const STAGE = 'test';
const STACK_NAME = `psflow-${STAGE}`;
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
// NodejsFunction runs esbuild during synth, which takes seconds rather than milliseconds.
const SYNTH_TIMEOUT_MS = 120_000;
const MIN_NODE_RUNTIME = 22;

type JsonObject = Record<string, unknown>;

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): JsonObject {
  if (!isRecord(value)) throw new Error(`${what} is not an object: ${JSON.stringify(value)}`);
  return value;
}

/** IAM and CloudFormation accept a single value where a list is allowed, so compare as lists. */
function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Logical id named by `{ Ref }` or `{ Fn::GetAtt: [id, attribute] }`, if the value is one. */
function referencedId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/** True when the value mentions the resource anywhere, e.g. inside an Fn::Join that builds its ARN. */
function mentions(value: unknown, logicalId: string): boolean {
  if (referencedId(value) === logicalId) return true;
  if (Array.isArray(value)) return value.some((item) => mentions(item, logicalId));
  if (isRecord(value)) return Object.values(value).some((item) => mentions(item, logicalId));
  return false;
}

function makeOutdir(): string {
  return fs.mkdtempSync(path.join(process.env[TEST_TMPDIR_VARIABLE] ?? os.tmpdir(), 'psflow-stack-test-'));
}

let outdir: string;
let template: Template;
let stack: PsflowStack;

beforeAll(() => {
  outdir = makeOutdir();
  const app = new App({ outdir });
  stack = new PsflowStack(app, STACK_NAME, { stage: STAGE });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

function resourcesOf(type: string): Array<[string, JsonObject]> {
  return Object.entries(template.findResources(type)).map(([logicalId, resource]): [string, JsonObject] => [
    logicalId,
    record(resource, logicalId),
  ]);
}

function propertiesOf(logicalId: string): JsonObject {
  const resource = record(template.toJSON().Resources?.[logicalId], `resource ${logicalId}`);
  return record(resource.Properties ?? {}, `${logicalId}.Properties`);
}

function onlyResource(type: string): [string, JsonObject] {
  const found = resourcesOf(type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** Name property per type; resources are found by physical name so new domains do not break these tests. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Events::Rule': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
};

function resourceNamed(type: string, name: string): string {
  const found = resourcesOf(type).filter(([logicalId]) => propertiesOf(logicalId)[NAME_PROPERTY[type]] === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0][0];
}

const NAMES = {
  deadLetterQueue: `psflow-${STAGE}-target-dlq`,
  rule: `psflow-${STAGE}-probe-requested`,
  stateMachine: `psflow-${STAGE}-diagnostics-probe`,
  function: `psflow-${STAGE}-compute-probe-result`,
  table: `psflow-${STAGE}-probes`,
} as const;

/** Every statement of every policy attached to the role. */
function statementsOfRole(roleLogicalId: string): JsonObject[] {
  // A role with many grants gets CDK's overflow managed policies as well as its inline one.
  return [...resourcesOf('AWS::IAM::Policy'), ...resourcesOf('AWS::IAM::ManagedPolicy')]
    .map(([logicalId]) => propertiesOf(logicalId))
    .filter((policy) => list(policy.Roles).some((role) => referencedId(role) === roleLogicalId))
    .flatMap((policy) =>
      list(record(policy.PolicyDocument, 'PolicyDocument').Statement).map((statement) =>
        record(statement, 'Statement'),
      ),
    );
}

function allowedActionsOn(statements: readonly JsonObject[], resourceLogicalId: string): string[] {
  return statements
    .filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        list(statement.Resource).some((resource) => mentions(resource, resourceLogicalId)),
    )
    .flatMap((statement) => list(statement.Action).map(String))
    .sort();
}

function roleOf(logicalId: string, property: string): string {
  const role = referencedId(propertiesOf(logicalId)[property]);
  if (role === undefined) throw new Error(`${logicalId}.${property} does not reference a role`);
  return role;
}

describe('event bus', () => {
  it('names the custom bus after the stage', () => {
    // Prepare
    const expectedName = `psflow-${STAGE}`;

    // Act
    const [, bus] = onlyResource('AWS::Events::EventBus');

    // Assess
    expect(record(bus.Properties, 'bus properties').Name).toBe(expectedName);
  });

  it('archives the bus with a finite retention', () => {
    // Prepare
    const [busId] = onlyResource('AWS::Events::EventBus');

    // Act
    const archives = resourcesOf('AWS::Events::Archive').map(([logicalId]) => propertiesOf(logicalId));

    // Assess
    expect(archives).toHaveLength(1);
    expect(referencedId(archives[0].SourceArn)).toBe(busId);
    expect(archives[0].RetentionDays).toEqual(expect.any(Number));
    expect(archives[0].RetentionDays).toBeGreaterThan(0);
  });
});

describe('target dead-letter queue', () => {
  it('encrypts the queue at rest', () => {
    // Prepare
    const queueId = resourceNamed('AWS::SQS::Queue', NAMES.deadLetterQueue);

    // Act
    const queue = propertiesOf(queueId);

    // Assess
    expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
  });

  it('denies every request that does not use TLS', () => {
    // Prepare
    const queueId = resourceNamed('AWS::SQS::Queue', NAMES.deadLetterQueue);
    const policies = resourcesOf('AWS::SQS::QueuePolicy')
      .map(([logicalId]) => propertiesOf(logicalId))
      .filter((policy) => list(policy.Queues).some((queue) => referencedId(queue) === queueId));

    // Act
    const statements = policies.flatMap((policy) =>
      list(record(policy.PolicyDocument, 'PolicyDocument').Statement).map((s) => record(s, 'Statement')),
    );
    const tlsDenials = statements.filter(
      (statement) =>
        statement.Effect === 'Deny' &&
        list(statement.Action).includes('sqs:*') &&
        list(statement.Resource).some((resource) => mentions(resource, queueId)) &&
        isRecord(statement.Condition) &&
        isRecord(statement.Condition.Bool) &&
        String(statement.Condition.Bool['aws:SecureTransport']) === 'false',
    );

    // Assess
    expect(tlsDenials).toHaveLength(1);
  });

  it('receives what every rule target fails to deliver, after 8 retries within 2 hours (as the docs say)', () => {
    // Prepare
    const queueId = resourceNamed('AWS::SQS::Queue', NAMES.deadLetterQueue);
    const rules = resourcesOf('AWS::Events::Rule').map(([logicalId]) => ({
      logicalId,
      properties: propertiesOf(logicalId),
    }));

    // Act
    const targets = rules.flatMap(({ logicalId, properties }) =>
      list(properties.Targets).map((target) => ({ rule: logicalId, target: record(target, `${logicalId} target`) })),
    );

    // Assess
    expect(targets.length).toBeGreaterThan(0);
    for (const { rule, target } of targets) {
      const deadLetter = record(target.DeadLetterConfig, `${rule} ${String(target.Id)} DeadLetterConfig`);
      const retry = record(target.RetryPolicy, `${rule} ${String(target.Id)} RetryPolicy`);
      expect({ rule, deadLetterQueue: referencedId(deadLetter.Arn) }).toEqual({ rule, deadLetterQueue: queueId });
      expect({ rule, attempts: retry.MaximumRetryAttempts, maxAgeSeconds: retry.MaximumEventAgeInSeconds }).toEqual({
        rule,
        attempts: 8,
        maxAgeSeconds: 2 * 3600,
      });
    }
  });

  it('lets EventBridge send dead letters from each rule, and only from those rules', () => {
    // Prepare
    const queueId = resourceNamed('AWS::SQS::Queue', NAMES.deadLetterQueue);
    const ruleIds = resourcesOf('AWS::Events::Rule')
      .map(([logicalId]) => logicalId)
      .sort();
    const statements = resourcesOf('AWS::SQS::QueuePolicy').flatMap(([logicalId]) =>
      list(record(propertiesOf(logicalId).PolicyDocument, 'PolicyDocument').Statement).map((s) =>
        record(s, 'Statement'),
      ),
    );

    // Act
    const senders = statements
      .filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          list(statement.Action).includes('sqs:SendMessage') &&
          isRecord(statement.Principal) &&
          statement.Principal.Service === 'events.amazonaws.com' &&
          list(statement.Resource).some((resource) => mentions(resource, queueId)),
      )
      .map((statement) => {
        const condition = record(statement.Condition, 'SendMessage condition');
        return referencedId(record(condition.ArnEquals, 'ArnEquals')['aws:SourceArn']);
      })
      .sort();

    // Assess
    expect(senders).toEqual(ruleIds);
  });
});

describe('probe rule', () => {
  it('matches probe requests by the catalogue constants', () => {
    // Prepare
    const [busId] = onlyResource('AWS::Events::EventBus');
    const ruleId = resourceNamed('AWS::Events::Rule', NAMES.rule);

    // Act
    const rule = propertiesOf(ruleId);

    // Assess
    expect(referencedId(rule.EventBusName)).toBe(busId);
    expect(rule.EventPattern).toEqual({
      source: [PsflowSource.Diagnostics],
      'detail-type': [DiagnosticsDetailType.ProbeRequested],
    });
  });

  it('starts the probe state machine through a role that may start only it', () => {
    // Prepare
    const ruleId = resourceNamed('AWS::Events::Rule', NAMES.rule);
    const stateMachineId = resourceNamed('AWS::StepFunctions::StateMachine', NAMES.stateMachine);
    const [target] = list(propertiesOf(ruleId).Targets).map((t) => record(t, 'target'));

    // Act
    const roleId = referencedId(target.RoleArn);
    const granted =
      roleId === undefined ? [] : statementsOfRole(roleId).filter((statement) => statement.Effect === 'Allow');

    // Assess
    expect(referencedId(target.Arn)).toBe(stateMachineId);
    expect(granted.flatMap((statement) => list(statement.Action))).toEqual(['states:StartExecution']);
    expect(granted.flatMap((statement) => list(statement.Resource)).map(referencedId)).toEqual([stateMachineId]);
  });
});

describe('tables', () => {
  it('makes every table on-demand, recoverable, encrypted, retained and named with the stage', () => {
    // Prepare
    const tables = resourcesOf('AWS::DynamoDB::Table');

    // Act
    const settings = tables.map(([logicalId, resource]) => {
      const properties = propertiesOf(logicalId);
      return {
        logicalId,
        billingMode: properties.BillingMode,
        pointInTimeRecovery: record(properties.PointInTimeRecoverySpecification ?? {}, 'PITR')
          .PointInTimeRecoveryEnabled,
        encrypted: record(properties.SSESpecification ?? {}, 'SSE').SSEEnabled,
        deletionPolicy: resource.DeletionPolicy,
        namedWithStage: typeof properties.TableName === 'string' && properties.TableName.startsWith(`psflow-${STAGE}-`),
      };
    });

    // Assess
    expect(tables.length).toBeGreaterThan(0);
    for (const setting of settings) {
      expect(setting).toEqual({
        logicalId: setting.logicalId,
        billingMode: 'PAY_PER_REQUEST',
        pointInTimeRecovery: true,
        encrypted: true,
        deletionPolicy: 'Retain',
        namedWithStage: true,
      });
    }
  });
});

describe('functions', () => {
  function functions(): Array<{ logicalId: string; properties: JsonObject }> {
    const found = resourcesOf('AWS::Lambda::Function').map(([logicalId]) => ({
      logicalId,
      properties: propertiesOf(logicalId),
    }));
    if (found.length === 0) throw new Error('the stack declares no Lambda function');
    return found;
  }

  /** The folder in the cloud assembly that holds a function's bundle, found through the asset manifest. */
  function bundleDirectoryOf(logicalId: string, properties: JsonObject): string {
    const manifest = record(
      JSON.parse(fs.readFileSync(path.join(outdir, `${STACK_NAME}.assets.json`), 'utf8')),
      'asset manifest',
    );
    const objectKey = String(record(properties.Code, `${logicalId}.Code`).S3Key);
    const asset = Object.values(record(manifest.files, 'asset files'))
      .map((candidate) => record(candidate, 'asset'))
      .find((candidate) =>
        Object.values(record(candidate.destinations, 'destinations')).some(
          (destination) => record(destination, 'destination').objectKey === objectKey,
        ),
      );
    if (asset === undefined) throw new Error(`${logicalId}: no asset in cdk.out for its code`);
    return path.join(outdir, String(record(asset.source, 'source').path));
  }

  it(`runs every function on Node.js ${MIN_NODE_RUNTIME} or newer`, () => {
    // Prepare
    const runtimes = functions().map(({ logicalId, properties }) => ({
      logicalId,
      runtime: String(properties.Runtime),
    }));

    // Act
    const versions = runtimes.map(({ logicalId, runtime }) => ({
      logicalId,
      runtime,
      major: Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? NaN),
    }));

    // Assess
    expect(versions.filter(({ major }) => !(major >= MIN_NODE_RUNTIME))).toEqual([]);
  });

  it('runs every function on arm64 with active tracing and a stage-scoped name', () => {
    // Prepare
    const all = functions();

    // Act
    const settings = all.map(({ logicalId, properties }) => ({
      logicalId,
      architectures: properties.Architectures,
      tracing: record(properties.TracingConfig ?? {}, 'TracingConfig').Mode,
      namedWithStage:
        typeof properties.FunctionName === 'string' && properties.FunctionName.startsWith(`psflow-${STAGE}-`),
    }));

    // Assess
    for (const setting of settings) {
      expect(setting).toEqual({
        logicalId: setting.logicalId,
        architectures: ['arm64'],
        tracing: 'Active',
        namedWithStage: true,
      });
    }
  });

  it("sends every function log to its own log group, /aws/lambda/<function name>, with one month's retention", () => {
    // Prepare
    const all = functions();

    // Act
    const logGroups = all.map(({ logicalId, properties }) => {
      const logGroupId = referencedId(record(properties.LoggingConfig ?? {}, `${logicalId}.LoggingConfig`).LogGroup);
      return { logicalId, logGroupId, logGroup: logGroupId === undefined ? undefined : propertiesOf(logGroupId) };
    });

    // Assess
    for (const { logicalId, logGroupId, logGroup } of logGroups) {
      expect({ logicalId, hasLogGroup: logGroupId !== undefined }).toEqual({ logicalId, hasLogGroup: true });
      expect(logGroup?.RetentionInDays).toBe(30);
      expect(logGroup?.LogGroupName).toBe(`/aws/lambda/${String(propertiesOf(logicalId).FunctionName)}`);
    }
    expect(new Set(logGroups.map(({ logGroupId }) => logGroupId)).size).toBe(logGroups.length);
  });

  it('leaves source maps off in every function, so an error does not pay for reading the map', () => {
    // Act
    const options = functions().map(({ logicalId, properties }) => {
      const variables = record(
        record(properties.Environment ?? {}, `${logicalId}.Environment`).Variables ?? {},
        `${logicalId}.Variables`,
      );
      return { logicalId, nodeOptions: String(variables.NODE_OPTIONS ?? '') };
    });

    // Assess
    for (const option of options)
      expect(option).toEqual({
        logicalId: option.logicalId,
        nodeOptions: expect.not.stringContaining('--enable-source-maps'),
      });
  });

  it('ships every bundle with a source map of the TypeScript sources', () => {
    // Act
    const bundles = functions().map(({ logicalId, properties }) => {
      const directory = bundleDirectoryOf(logicalId, properties);
      const handlerFile = `${String(properties.Handler).split('.')[0]}.js`;
      const code = fs.readFileSync(path.join(directory, handlerFile), 'utf8');
      const mapFile = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
      const map =
        mapFile === undefined
          ? {}
          : record(JSON.parse(fs.readFileSync(path.join(directory, mapFile), 'utf8')), 'source map');
      const ownSources = list(map.sources)
        .map((source) => path.resolve(directory, String(source)))
        .filter(
          (source) => source.startsWith(path.join(PROJECT_ROOT, 'functions') + path.sep) && source.endsWith('.ts'),
        );
      return {
        logicalId,
        mapFile,
        ownSourcesExist: ownSources.length > 0 && ownSources.every((source) => fs.existsSync(source)),
        // The map names the sources rather than copying them: the repository holds their text.
        sourcesContent: map.sourcesContent,
        // Minified: a few long lines, not one statement per line.
        minified: code.length / code.split('\n').length > 1000,
      };
    });

    // Assess
    for (const bundle of bundles) {
      expect(bundle).toEqual({
        logicalId: bundle.logicalId,
        mapFile: expect.any(String),
        ownSourcesExist: true,
        sourcesContent: undefined,
        minified: true,
      });
    }
  });

  it('keeps function names in minified bundles, so stack traces name the functions without a source map', () => {
    // Prepare
    const probe = functions().find(({ properties }) =>
      String(properties.FunctionName).endsWith('-compute-probe-result'),
    );
    if (probe === undefined) throw new Error('the compute-probe-result function is missing');

    // Act
    const code = fs.readFileSync(path.join(bundleDirectoryOf(probe.logicalId, probe.properties), 'index.js'), 'utf8');

    // Assess
    expect(code).toContain('"computeProbeResult"');
  });
});

describe('event schema registry', () => {
  it('registers one draft-4 JSON Schema per event contract in a registry named with the stage', () => {
    // Prepare
    const registries = resourcesOf('AWS::EventSchemas::Registry');

    // Act
    const schemas = resourcesOf('AWS::EventSchemas::Schema').map(([logicalId]) => propertiesOf(logicalId));

    // Assess
    expect(registries.map(([logicalId]) => propertiesOf(logicalId).RegistryName)).toEqual(['psflow-test']);
    expect(schemas.map((schema) => schema.SchemaName).sort()).toEqual(
      EVENT_CONTRACTS.map((contract) => `${contract.source}@${contract.name}V${contract.version}`).sort(),
    );
    for (const schema of schemas) {
      expect(schema.Type).toBe('JSONSchemaDraft4');
      const content = record(JSON.parse(String(schema.Content)), 'schema content');
      expect(record(content.properties, 'properties')).toHaveProperty('detail');
    }
  });
});

describe('state machines', () => {
  it('runs every state machine as a STANDARD workflow with tracing and full logging', () => {
    // Prepare
    const stateMachines = resourcesOf('AWS::StepFunctions::StateMachine');

    // Act
    const settings = stateMachines.map(([logicalId]) => {
      const properties = propertiesOf(logicalId);
      const logging = record(properties.LoggingConfiguration ?? {}, 'LoggingConfiguration');
      const logGroupIds = list(logging.Destinations).map((destination) =>
        referencedId(
          record(record(destination, 'destination').CloudWatchLogsLogGroup, 'CloudWatchLogsLogGroup').LogGroupArn,
        ),
      );
      return {
        logicalId,
        type: properties.StateMachineType,
        tracing: record(properties.TracingConfiguration ?? {}, 'TracingConfiguration').Enabled,
        level: logging.Level,
        retentions: logGroupIds.map((id) => (id === undefined ? undefined : propertiesOf(id).RetentionInDays)),
        namedWithStage:
          typeof properties.StateMachineName === 'string' && properties.StateMachineName.startsWith(`psflow-${STAGE}-`),
      };
    });

    // Assess
    expect(stateMachines.length).toBeGreaterThan(0);
    for (const setting of settings) {
      expect(setting).toEqual({
        logicalId: setting.logicalId,
        type: 'STANDARD',
        tracing: true,
        level: 'ALL',
        retentions: [expect.any(Number)],
        namedWithStage: true,
      });
    }
  });

  it('lets the probe state machine invoke its function and write only PutItem to the probe table', () => {
    // Prepare
    const stateMachineId = resourceNamed('AWS::StepFunctions::StateMachine', NAMES.stateMachine);
    const functionId = resourceNamed('AWS::Lambda::Function', NAMES.function);
    const tableId = resourceNamed('AWS::DynamoDB::Table', NAMES.table);

    // Act
    const statements = statementsOfRole(roleOf(stateMachineId, 'RoleArn'));

    // Assess
    expect(allowedActionsOn(statements, functionId)).toEqual(['lambda:InvokeFunction']);
    expect(allowedActionsOn(statements, tableId)).toEqual(['dynamodb:PutItem']);
  });
});

describe('ingestion', () => {
  const INGESTION = {
    rule: `psflow-${STAGE}-ingest-events`,
    function: `psflow-${STAGE}-ingest-event`,
    activation: `psflow-${STAGE}-project-activation`,
    changeControl: `psflow-${STAGE}-change-control`,
    tables: {
      SANDBOX_CRM_TABLE: `psflow-${STAGE}-sandbox-crm`,
      INGESTION_LEDGER_TABLE: `psflow-${STAGE}-ingestion-ledger`,
      REJECTED_EVENTS_TABLE: `psflow-${STAGE}-rejected-events`,
      WORKFLOW_EXECUTIONS_TABLE: `psflow-${STAGE}-workflow-executions`,
    },
  } as const;

  function variablesOf(functionId: string): JsonObject {
    return record(record(propertiesOf(functionId).Environment ?? {}, 'Environment').Variables ?? {}, 'Variables');
  }

  it('routes every event psflow did not emit itself to the ingestion function', () => {
    // Prepare
    const [busId] = onlyResource('AWS::Events::EventBus');
    const ruleId = resourceNamed('AWS::Events::Rule', INGESTION.rule);
    const functionId = resourceNamed('AWS::Lambda::Function', INGESTION.function);

    // Act
    const rule = propertiesOf(ruleId);
    const targets = list(rule.Targets).map((target) => referencedId(record(target, 'target').Arn));

    // Assess
    expect(referencedId(rule.EventBusName)).toBe(busId);
    expect(rule.EventPattern).toEqual({ source: [{ 'anything-but': [...PSFLOW_EMITTED_SOURCES] }] });
    expect(targets).toEqual([functionId]);
  });

  it('lets the ingestion function start project activation and change control and no other state machine', () => {
    // Prepare
    const functionId = resourceNamed('AWS::Lambda::Function', INGESTION.function);
    const activationId = resourceNamed('AWS::StepFunctions::StateMachine', INGESTION.activation);
    const changeControlId = resourceNamed('AWS::StepFunctions::StateMachine', INGESTION.changeControl);
    const statements = statementsOfRole(roleOf(functionId, 'Role'));

    // Act
    const starts = statements.filter(
      (statement) =>
        statement.Effect === 'Allow' && list(statement.Action).some((action) => String(action).startsWith('states:')),
    );

    // Assess
    expect(starts.flatMap((statement) => list(statement.Action))).toEqual([
      'states:StartExecution',
      'states:StartExecution',
    ]);
    expect(starts.flatMap((statement) => list(statement.Resource)).map(referencedId)).toEqual([
      activationId,
      changeControlId,
    ]);
    expect(referencedId(variablesOf(functionId).PROJECT_ACTIVATION_STATE_MACHINE_ARN)).toBe(activationId);
    expect(referencedId(variablesOf(functionId).CHANGE_CONTROL_STATE_MACHINE_ARN)).toBe(changeControlId);
  });

  it('binds each ingestion table by name, and the sandbox CRM read-only', () => {
    // Prepare
    const functionId = resourceNamed('AWS::Lambda::Function', INGESTION.function);
    const statements = statementsOfRole(roleOf(functionId, 'Role'));
    const variables = variablesOf(functionId);

    // Act
    const bindings = Object.entries(INGESTION.tables).map(([variable, tableName]) => {
      const tableId = resourceNamed('AWS::DynamoDB::Table', tableName);
      const actions = allowedActionsOn(statements, tableId);
      return {
        variable,
        bound: referencedId(variables[variable]) === tableId,
        writes: actions.includes('dynamodb:PutItem'),
      };
    });

    // Assess
    expect(bindings).toEqual([
      { variable: 'SANDBOX_CRM_TABLE', bound: true, writes: false },
      { variable: 'INGESTION_LEDGER_TABLE', bound: true, writes: true },
      { variable: 'REJECTED_EVENTS_TABLE', bound: true, writes: true },
      { variable: 'WORKFLOW_EXECUTIONS_TABLE', bound: true, writes: true },
    ]);
  });

  it('indexes rejected events by status and the ledger by kind, so operators query instead of scanning', () => {
    // Prepare
    const rejectedId = resourceNamed('AWS::DynamoDB::Table', INGESTION.tables.REJECTED_EVENTS_TABLE);
    const ledgerId = resourceNamed('AWS::DynamoDB::Table', INGESTION.tables.INGESTION_LEDGER_TABLE);
    const executionsId = resourceNamed('AWS::DynamoDB::Table', INGESTION.tables.WORKFLOW_EXECUTIONS_TABLE);
    const indexKeys = (tableId: string): unknown[] =>
      list(propertiesOf(tableId).GlobalSecondaryIndexes).map((index) => {
        const { IndexName, KeySchema } = record(index, 'index');
        return { IndexName, KeySchema };
      });

    // Act
    const rejectedIndexes = indexKeys(rejectedId);
    const ledgerIndexes = indexKeys(ledgerId);
    const executionKeys = propertiesOf(executionsId).KeySchema;

    // Assess
    expect(rejectedIndexes).toEqual([
      {
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'receivedAt', KeyType: 'RANGE' },
        ],
      },
    ]);
    expect(ledgerIndexes).toEqual([
      {
        IndexName: 'byKind',
        KeySchema: [
          { AttributeName: 'kind', KeyType: 'HASH' },
          { AttributeName: 'ledgerKey', KeyType: 'RANGE' },
        ],
      },
    ]);
    expect(executionKeys).toEqual([
      { AttributeName: 'businessKey', KeyType: 'HASH' },
      { AttributeName: 'workflowExecution', KeyType: 'RANGE' },
    ]);
  });

  it('retries a failed asynchronous ingestion twice within 6 hours, then sends it to the dead-letter queue', () => {
    // Prepare
    const functionId = resourceNamed('AWS::Lambda::Function', INGESTION.function);
    const queueId = resourceNamed('AWS::SQS::Queue', NAMES.deadLetterQueue);

    // Act
    const configs = resourcesOf('AWS::Lambda::EventInvokeConfig')
      .map(([logicalId]) => propertiesOf(logicalId))
      .filter((config) => mentions(config.FunctionName, functionId));

    // Assess
    expect(configs).toHaveLength(1);
    expect({ attempts: configs[0].MaximumRetryAttempts, maxAgeSeconds: configs[0].MaximumEventAgeInSeconds }).toEqual({
      attempts: 2,
      maxAgeSeconds: 6 * 3600,
    });
    expect(
      referencedId(
        record(record(configs[0].DestinationConfig, 'DestinationConfig').OnFailure, 'OnFailure').Destination,
      ),
    ).toBe(queueId);
  });
});

describe('Salesforce partner buses', () => {
  const EVENT_RELAY_BUS = 'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU';
  const APPFLOW_BUS = 'aws.partner/appflow/salesforce.com/111122223333/psflow-opportunities';
  const PARTNER_STAGE = 'partner';
  let partnerOutdir: string;
  let partnerTemplate: Template;

  beforeAll(() => {
    partnerOutdir = makeOutdir();
    const app = new App({ outdir: partnerOutdir, context: NO_BUNDLING });
    partnerTemplate = Template.fromStack(
      new PsflowStack(app, `psflow-${PARTNER_STAGE}`, {
        stage: PARTNER_STAGE,
        partnerEventBusNames: [EVENT_RELAY_BUS, APPFLOW_BUS],
      }),
    );
  }, SYNTH_TIMEOUT_MS);

  afterAll(() => {
    fs.rmSync(partnerOutdir, { recursive: true, force: true });
  });

  function partnerResources(type: string): JsonObject[] {
    return Object.values(partnerTemplate.findResources(type)).map((resource) =>
      record(record(resource, type).Properties, 'Properties'),
    );
  }

  it('adds one ingestion rule per partner bus, matching the source prefix of its channel', () => {
    // Prepare
    const [functionId] = Object.entries(
      partnerTemplate.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: `psflow-${PARTNER_STAGE}-ingest-event` },
      }),
    )[0];

    // Act
    const partnerRules = partnerResources('AWS::Events::Rule')
      .filter((rule) => rule.EventBusName === EVENT_RELAY_BUS || rule.EventBusName === APPFLOW_BUS)
      .map((rule) => ({
        bus: rule.EventBusName,
        pattern: rule.EventPattern,
        targets: list(rule.Targets).map((target) => referencedId(record(target, 'target').Arn)),
      }));

    // Assess
    expect(partnerRules).toEqual([
      {
        bus: EVENT_RELAY_BUS,
        pattern: { source: [{ prefix: SalesforceSourcePrefix.EventRelay }] },
        targets: [functionId],
      },
      { bus: APPFLOW_BUS, pattern: { source: [{ prefix: SalesforceSourcePrefix.AppFlow }] }, targets: [functionId] },
    ]);
  });

  it('archives what each partner rule takes on that partner bus, for replay', () => {
    // Prepare
    const busArn = (busName: string): string => `:event-bus/${busName}`;

    // Act
    const partnerArchives = partnerResources('AWS::Events::Archive')
      .filter((archive) => JSON.stringify(archive.SourceArn).includes(':event-bus/aws.partner/'))
      .map((archive) => ({
        name: archive.ArchiveName,
        source: JSON.stringify(archive.SourceArn),
        pattern: archive.EventPattern,
        retentionDays: archive.RetentionDays,
      }));

    // Assess
    expect(partnerArchives).toEqual([
      {
        name: `psflow-${PARTNER_STAGE}-partner-0`,
        source: expect.stringContaining(busArn(EVENT_RELAY_BUS)),
        pattern: { source: [{ prefix: SalesforceSourcePrefix.EventRelay }] },
        retentionDays: 365,
      },
      {
        name: `psflow-${PARTNER_STAGE}-partner-1`,
        source: expect.stringContaining(busArn(APPFLOW_BUS)),
        pattern: { source: [{ prefix: SalesforceSourcePrefix.AppFlow }] },
        retentionDays: 365,
      },
    ]);
  });

  it('reads the channel from the partner bus name and refuses a name that is no Salesforce partner source', () => {
    // Prepare
    const names = [EVENT_RELAY_BUS, APPFLOW_BUS];

    // Act
    const channels = names.map((name) => classifyPartnerEventBus(name).channel);
    const refuse = (): unknown => classifyPartnerEventBus('aws.partner/zendesk.com/123/default');

    // Assess
    expect(channels).toEqual(['event-relay', 'appflow']);
    expect(refuse).toThrow(
      /partnerEventBuses: "aws\.partner\/zendesk\.com\/123\/default" is not a Salesforce partner event bus/,
    );
  });
});

describe('human tasks and exceptions', () => {
  const HUMAN = {
    audit: `psflow-${STAGE}-audit-log`,
    tasks: `psflow-${STAGE}-human-tasks`,
    exceptions: `psflow-${STAGE}-exceptions`,
    api: `psflow-${STAGE}-operations-api`,
    sweeper: `psflow-${STAGE}-sweep-overdue-tasks`,
    opener: `psflow-${STAGE}-open-approval-task`,
  } as const;
  const MUTATING_ACTIONS = [
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:PartiQLUpdate',
    'dynamodb:PartiQLDelete',
    'dynamodb:PartiQLInsert',
    'dynamodb:*',
    '*',
  ];

  it('lets no function role update or delete audit entries; writers may only put new ones', () => {
    // Prepare
    const auditId = resourceNamed('AWS::DynamoDB::Table', HUMAN.audit);
    const roles = resourcesOf('AWS::Lambda::Function').map(([logicalId]) => ({
      logicalId,
      name: String(propertiesOf(logicalId).FunctionName),
      role: roleOf(logicalId, 'Role'),
    }));

    // Act
    const grants = roles
      .map(({ name, role }) => ({ name, actions: allowedActionsOn(statementsOfRole(role), auditId) }))
      .filter(({ actions }) => actions.length > 0);

    // Assess
    expect(grants.map(({ name }) => name).sort()).toEqual([HUMAN.api, HUMAN.opener, HUMAN.sweeper].sort());
    for (const { name, actions } of grants) {
      expect({ name, mutating: actions.filter((action) => MUTATING_ACTIONS.includes(action)) }).toEqual({
        name,
        mutating: [],
      });
      expect(actions).toContain('dynamodb:PutItem');
    }
  });

  it('warns at synth about every (practice, region) scope where nobody may decide some approval level', () => {
    // Act
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('no practice lead for managed-services'),
    );

    // Assess
    expect(warnings.map((warning) => String(warning.entry.data).split(':')[0]).sort()).toEqual([
      'no practice lead for managed-services in AMER',
      'no practice lead for managed-services in APAC',
      'no practice lead for managed-services in EMEA',
    ]);
    expect(String(warnings[0]?.entry.data)).toContain('project-activation rule activation-50k-to-500k level 1');
  });

  it('holds the directory in a table indexed by token subject, which only the operations API may change', () => {
    // Prepare
    const directoryId = resourceNamed('AWS::DynamoDB::Table', `psflow-${STAGE}-directory`);
    const roles = resourcesOf('AWS::Lambda::Function').map(([logicalId]) => ({
      logicalId,
      name: String(propertiesOf(logicalId).FunctionName),
      role: roleOf(logicalId, 'Role'),
    }));

    // Act
    const indexes = list(propertiesOf(directoryId).GlobalSecondaryIndexes).map((index) => {
      const { IndexName, KeySchema } = record(index, 'index');
      return { IndexName, keys: list(KeySchema).map((key) => record(key, 'key').AttributeName) };
    });
    const access = Object.fromEntries(
      roles
        .map(({ name, role }) => [name, allowedActionsOn(statementsOfRole(role), directoryId)])
        .filter(([, actions]) => actions.length > 0),
    );

    // Assess
    expect(indexes).toEqual([{ IndexName: 'bySubject', keys: ['subject'] }]);
    // The purchases and changes APIs read the directory to know who is calling, as the operations API does.
    const purchasesApi = `psflow-${STAGE}-purchases-api`;
    const changesApi = `psflow-${STAGE}-changes-api`;
    expect(Object.keys(access).sort()).toEqual([HUMAN.api, HUMAN.opener, purchasesApi, changesApi].sort());
    expect(access[purchasesApi]).not.toContain('dynamodb:UpdateItem');
    expect(access[changesApi]).not.toContain('dynamodb:UpdateItem');
    expect(access[HUMAN.api]).toContain('dynamodb:UpdateItem');
    expect(access[HUMAN.opener]).not.toContain('dynamodb:UpdateItem');
    expect(access[HUMAN.opener]).toContain('dynamodb:Query');
  });

  it('indexes tasks by role and status, by status and due time, and by request', () => {
    // Act
    const indexes = list(propertiesOf(resourceNamed('AWS::DynamoDB::Table', HUMAN.tasks)).GlobalSecondaryIndexes).map(
      (index) => {
        const { IndexName, KeySchema } = record(index, 'index');
        return { IndexName, keys: list(KeySchema).map((key) => record(key, 'key').AttributeName) };
      },
    );

    // Assess
    expect(indexes).toEqual([
      { IndexName: 'byRoleStatus', keys: ['roleStatus', 'dueAt'] },
      { IndexName: 'byStatusDue', keys: ['status', 'dueAt'] },
      { IndexName: 'byRequest', keys: ['requestId', 'taskId'] },
    ]);
  });

  it('lists exceptions by status, owner, workflow, client and project through indexes', () => {
    // Act
    const names = list(
      propertiesOf(resourceNamed('AWS::DynamoDB::Table', HUMAN.exceptions)).GlobalSecondaryIndexes,
    ).map((index) => record(index, 'index').IndexName);

    // Assess
    expect(names).toEqual(
      expect.arrayContaining(['byStatus', 'byOwnerStatus', 'byWorkflowStatus', 'byClient', 'byProject']),
    );
  });

  it('protects every API route with the JWT authorizer and writes access logs', () => {
    // Prepare
    const [apiId] = onlyResource('AWS::ApiGatewayV2::Api');
    const [authorizerId, authorizer] = onlyResource('AWS::ApiGatewayV2::Authorizer');

    // Act
    const routes = resourcesOf('AWS::ApiGatewayV2::Route').map(([logicalId]) => propertiesOf(logicalId));
    const stages = resourcesOf('AWS::ApiGatewayV2::Stage').map(([logicalId]) => propertiesOf(logicalId));

    // Assess
    expect(record(authorizer.Properties, 'authorizer').AuthorizerType).toBe('JWT');
    expect(routes.length).toBeGreaterThan(5);
    // The one exception: webhook senders hold no token; their HMAC signature authenticates them (docs/integrations.md).
    const webhooks = routes.filter((route) => route.RouteKey === 'POST /webhooks/{source}');
    expect(webhooks.map((route) => route.AuthorizationType)).toEqual(['NONE']);
    for (const route of routes.filter((candidate) => !webhooks.includes(candidate))) {
      expect({
        route: route.RouteKey,
        api: referencedId(route.ApiId),
        type: route.AuthorizationType,
        authorizer: referencedId(route.AuthorizerId),
      }).toEqual({
        route: route.RouteKey,
        api: apiId,
        type: 'JWT',
        authorizer: authorizerId,
      });
    }
    expect(stages).toHaveLength(1);
    expect(record(stages[0].AccessLogSettings, 'AccessLogSettings').DestinationArn).toBeDefined();
  });

  it('refuses to synthesize with an approval table that leaves a combination unrouted', () => {
    // Prepare
    const incomplete = structuredClone(approvalRoutingV1);
    incomplete.rules = incomplete.rules.filter((rule) => rule.id !== 'activation-under-50k');
    // Nothing is synthesized, but without an outdir the App makes a temporary one nobody removes.
    const app = new App({ outdir: makeOutdir() });

    // Act
    const build = (): unknown =>
      new PsflowStack(app, 'psflow-broken-policy', { stage: 'broken', approvalPolicy: incomplete });

    // Assess
    expect(build).toThrow(/no rule for project-activation, EMEA, practice \(any other\), 0 EUR/);
  });

  it('sweeps overdue tasks on a schedule that passes the scheduled time to the sweeper', () => {
    // Prepare
    const sweeperId = resourceNamed('AWS::Lambda::Function', HUMAN.sweeper);

    // Act
    // The KPI queue gauge has a schedule of its own; the sweeper's is the one named for it.
    const sweeps = resourcesOf('AWS::Scheduler::Schedule').filter(
      ([, resource]) => record(resource.Properties, 'schedule').Name === 'psflow-test-sweep-overdue-tasks',
    );
    expect(sweeps).toHaveLength(1);
    const [, schedule] = sweeps[0];
    const target = record(record(schedule.Properties, 'schedule').Target, 'target');

    // Assess
    expect(record(schedule.Properties, 'schedule').ScheduleExpression).toMatch(/^rate\(/);
    expect(referencedId(target.Arn)).toBe(sweeperId);
    expect(JSON.parse(String(target.Input))).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
  });
});

describe('stack outputs', () => {
  function outputs(): Record<string, JsonObject> {
    const all = record(template.toJSON().Outputs ?? {}, 'Outputs');
    return Object.fromEntries(Object.entries(all).map(([key, output]) => [key, record(output, key)]));
  }

  it('gives a client the API URL, the user pool and its client, and the bus, each exported under a name with the stage', () => {
    // Prepare
    const [apiId] = onlyResource('AWS::ApiGatewayV2::Api');
    const [poolId] = onlyResource('AWS::Cognito::UserPool');
    const [clientId] = onlyResource('AWS::Cognito::UserPoolClient');
    const [busId] = onlyResource('AWS::Events::EventBus');
    const all = outputs();

    // Act
    const found = [
      StackOutput.ApiUrl,
      StackOutput.UserPoolId,
      StackOutput.UserPoolClientId,
      StackOutput.EventBusName,
    ].map((key) => ({
      key,
      names: [apiId, poolId, clientId, busId].filter((logicalId) => mentions(all[key]?.Value, logicalId)),
      exportName: record(all[key]?.Export ?? {}, `${key}.Export`).Name,
    }));

    // Assess
    expect(found).toEqual([
      { key: 'ApiUrl', names: [apiId], exportName: `${STACK_NAME}-ApiUrl` },
      { key: 'UserPoolId', names: [poolId], exportName: `${STACK_NAME}-UserPoolId` },
      { key: 'UserPoolClientId', names: [clientId], exportName: `${STACK_NAME}-UserPoolClientId` },
      { key: 'EventBusName', names: [busId], exportName: `${STACK_NAME}-EventBusName` },
    ]);
    // The endpoint of an HTTP API is its `$default` stage's URL, the base the CLI appends routes to.
    expect(all.ApiUrl.Value).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
  });

  it("names every table of the stack in an output the CLI finds by the table's short name", () => {
    // Prepare
    const all = outputs();
    const tables = resourcesOf('AWS::DynamoDB::Table').map(([logicalId]) => ({
      logicalId,
      name: String(propertiesOf(logicalId).TableName),
    }));

    // Act
    const unnamed = tables.filter(({ logicalId, name }) => {
      const key = tableOutputKey(name.slice(`${STACK_NAME}-`.length));
      return (
        referencedId(all[key]?.Value) !== logicalId ||
        record(all[key]?.Export ?? {}, 'Export').Name !== `${STACK_NAME}-${key}`
      );
    });

    // Assess
    expect(tables.length).toBeGreaterThan(5);
    expect(unnamed).toEqual([]);
  });

  it('lets the CLI client sign in with a username and password, as docs/deploy.md does with initiate-auth', () => {
    // Prepare
    const [clientId] = onlyResource('AWS::Cognito::UserPoolClient');

    // Act
    const flows = list(propertiesOf(clientId).ExplicitAuthFlows);

    // Assess
    expect(flows).toEqual(
      expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
    );
    expect(propertiesOf(clientId).GenerateSecret).toBe(false);
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  interface Acknowledgement {
    readonly constructPath: string;
    readonly id: string;
    readonly reason: unknown;
  }

  let nagOutdir: string;
  let synthError: unknown;
  let pluginReports: JsonObject[];
  let acknowledgements: Acknowledgement[];

  beforeAll(() => {
    nagOutdir = makeOutdir();
    const app = new App({ outdir: nagOutdir, context: NO_BUNDLING });
    // Partner buses add rules and archives of their own, so the checks see those too.
    const partnerEventBusNames = [
      'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU',
      'aws.partner/appflow/salesforce.com/111122223333/psflow-opportunities',
    ];
    new PsflowStack(app, STACK_NAME, { stage: STAGE, partnerEventBusNames });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch (error) {
      // A failing plugin throws from synth, yet the report is still written; keep it to show what failed.
      synthError = error;
    }
    const reportFile = path.join(nagOutdir, 'validation-report.json');
    if (!fs.existsSync(reportFile))
      throw new Error(`no validation report at ${reportFile}; synth error: ${String(synthError)}`);
    const report = record(JSON.parse(fs.readFileSync(reportFile, 'utf8')), 'validation report');
    pluginReports = list(report.pluginReports).map((pluginReport) => record(pluginReport, 'plugin report'));
    // Validations.acknowledge records each acknowledgement as construct metadata, reason included.
    acknowledgements = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(record(entry.data, 'acknowledgement')).map(([id, reason]) => ({
            constructPath: construct.node.path,
            id,
            reason,
          })),
        ),
    );
  }, SYNTH_TIMEOUT_MS);

  afterAll(() => {
    fs.rmSync(nagOutdir, { recursive: true, force: true });
  });

  it('reports success with no violation from every plugin', () => {
    // Prepare
    const expected = pluginReports.map((pluginReport) => ({
      plugin: pluginReport.pluginName,
      conclusion: 'success',
      violations: [],
    }));

    // Act
    const actual = pluginReports.map((pluginReport) => ({
      plugin: pluginReport.pluginName,
      conclusion: pluginReport.conclusion,
      violations: list(pluginReport.violations).map((violation) => record(violation, 'violation').ruleName),
    }));

    // Assess
    expect(synthError).toBeUndefined();
    expect(actual.map(({ plugin }) => plugin)).toContain('AwsSolutions');
    expect(actual).toEqual(expected);
  });

  it('gives a reason for every acknowledgement', () => {
    // Prepare
    const withoutReason = (reason: unknown): boolean => typeof reason !== 'string' || reason.trim() === '';

    // Act
    const unexplained = acknowledgements.filter(({ reason }) => withoutReason(reason));
    const unexplainedInReport = pluginReports.flatMap((pluginReport) =>
      list(pluginReport.suppressedViolations)
        .map((suppressed) => record(suppressed, 'suppressed violation'))
        .filter((suppressed) => withoutReason(suppressed.reason))
        .map((suppressed) => suppressed.ruleName),
    );

    // Assess
    expect(acknowledgements.length).toBeGreaterThan(0);
    expect(unexplained).toEqual([]);
    expect(unexplainedInReport).toEqual([]);
  });

  it('acknowledges only findings that occur', () => {
    // Prepare
    const used = new Set(
      pluginReports.flatMap((pluginReport) =>
        list(pluginReport.suppressedViolations)
          .map((suppressed) => record(suppressed, 'suppressed violation'))
          .map((suppressed) => `${String(suppressed.acknowledgedAt)} ${String(suppressed.acknowledgedId)}`),
      ),
    );

    // Act
    const stale = acknowledgements.filter(({ constructPath, id }) => !used.has(`${constructPath} ${id}`));

    // Assess
    expect(stale).toEqual([]);
  });
});
