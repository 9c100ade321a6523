import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCloudAssembly, type TemplateResource, type TemplateValue } from '../../local/cdk/cloud-assembly';
import { buildResourceModel, type LocalEnvironment, type ResourceModel } from '../../local/cdk/resource-model';

const ENV: LocalEnvironment = { region: 'eu-west-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };
const STACK = 'psflow-test';
const WORKER_BUNDLE = '3d74e210fef263de9898de1b3c88e4bfeefb64673e5500486016dc1b2245d872';
const AUDIT_BUNDLE = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-resource-model-'));
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

interface AssemblyOptions {
  /** Bundle hashes to write as `asset.<hash>/index.js`. */
  readonly bundles?: readonly string[];
  /** Leave the artifact's displayName out, as older manifests do. */
  readonly withoutDisplayName?: boolean;
}

/** Writes a cloud assembly shaped like `cdk synth` output: a manifest, one stack template, bundles. */
function writeAssembly(resources: Record<string, TemplateResource>, options: AssemblyOptions = {}): string {
  const templateFile = `${STACK}.template.json`;
  fs.writeFileSync(path.join(directory, templateFile), JSON.stringify({ Resources: resources }));
  const stackArtifact: Record<string, unknown> = { type: 'aws:cloudformation:stack', properties: { templateFile } };
  if (!options.withoutDisplayName) stackArtifact.displayName = STACK;
  const manifest = {
    version: '48.0.0',
    artifacts: {
      [`${STACK}.assets`]: { type: 'cdk:asset-manifest', properties: { file: `${STACK}.assets.json` } },
      [STACK]: stackArtifact,
      Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
    },
  };
  fs.writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
  for (const hash of options.bundles ?? []) {
    fs.mkdirSync(path.join(directory, `asset.${hash}`));
    fs.writeFileSync(path.join(directory, `asset.${hash}`, 'index.js'), 'exports.handler = async () => ({});\n');
  }
  return directory;
}

function modelOf(resources: Record<string, TemplateResource>, options: AssemblyOptions = {}): ResourceModel {
  return buildResourceModel(readCloudAssembly(writeAssembly(resources, options)), ENV);
}

/** The first error `act` throws; fails the test when it throws nothing. */
function errorOf(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('nothing was thrown');
}

function byLogicalId<T extends { readonly logicalId: string }>(items: readonly T[], logicalId: string): T {
  const found = items.find((item) => item.logicalId === logicalId);
  if (!found) throw new Error(`${logicalId} is not in [${items.map((item) => item.logicalId).join(', ')}]`);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A function whose bundle exists, with the given environment variables. */
function functionWith(
  variables: Record<string, TemplateValue>,
  extra: Record<string, TemplateValue> = {},
): TemplateResource {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: {
        S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
        S3Key: `${WORKER_BUNDLE}.zip`,
      },
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Environment: { Variables: variables },
      ...extra,
    },
  };
}

const ORDERS_TABLE: TemplateResource = {
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    TableName: 'psflow-test-orders',
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byCreatedAt',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  },
};

/** A stack like the app's: a bus, tables, a queue, functions, state machines, rules and IAM. */
function appResources(): Record<string, TemplateResource> {
  return {
    OrdersTable: ORDERS_TABLE,
    AuditTable1A2B3C4D: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      },
    },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'psflow-test' } },
    DeadLetterQueue: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'psflow-test-dlq', MessageRetentionPeriod: 1209600 },
    },
    UnnamedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
    WorkerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        },
      },
    },
    WorkerRoleDefaultPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        // Not served, so never resolved: an attribute the local cloud cannot answer must not break loading.
        PolicyDocument: {
          Statement: [
            {
              Action: 'dynamodb:GetRecords',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': ['OrdersTable', 'StreamArn'] },
            },
          ],
        },
        Roles: [{ Ref: 'WorkerRole' }],
      },
    },
    WorkerLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    Pipe: { Type: 'AWS::Pipes::Pipe', Properties: {} },
    WorkerFunction: functionWith(
      {
        TABLE_NAME: { Ref: 'OrdersTable' },
        TABLE_ARN: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] },
        AUDIT_TABLE_NAME: { Ref: 'AuditTable1A2B3C4D' },
        BUS_NAME: { Ref: 'Bus' },
        BUS_ARN: { 'Fn::GetAtt': 'Bus.Arn' },
        QUEUE_URL: { Ref: 'DeadLetterQueue' },
        QUEUE_ARN: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
        QUEUE_NAME: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] },
        WORKFLOW_ARN: { Ref: 'WorkflowStateMachine' },
        STAGE: 'test',
        BATCH_SIZE: 25,
      },
      {
        FunctionName: 'psflow-test-worker',
        Handler: 'handlers/worker.handler',
        Timeout: 10,
        MemorySize: 512,
        Role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: 'WorkerLogs' } },
      },
    ),
    AuditFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        // The metadata names the bundle; an S3 key pointing nowhere must not be what is used.
        Code: { S3Bucket: 'cdk-assets', S3Key: 'no-such-bundle.zip' },
        Handler: 'index.handler',
        Runtime: 'nodejs20.x',
      },
      Metadata: {
        'aws:cdk:path': `${STACK}/Audit/Resource`,
        'aws:asset:path': `asset.${AUDIT_BUNDLE}`,
        'aws:asset:property': 'Code',
      },
    },
    WorkflowStateMachine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'psflow-test-workflow',
        RoleArn: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::lambda:invoke","Parameters":{"FunctionName":"',
              { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] },
              '","Payload.$":"$"},"Next":"Store"},"Store":{"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::dynamodb:putItem","Parameters":{"TableName":"',
              { Ref: 'OrdersTable' },
              '","Item":{"pk":{"S.$":"$.id"}}},"End":true}}}',
            ],
          ],
        },
      },
    },
    ExpressStateMachine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineType: 'EXPRESS',
        RoleArn: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
        Definition: {
          StartAt: 'Send',
          States: {
            Send: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage',
              Parameters: { QueueUrl: { Ref: 'DeadLetterQueue' }, 'MessageBody.$': '$' },
              End: true,
            },
          },
        },
      },
    },
    OrderPlacedRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: 'psflow-test-order-placed',
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['psflow.orders'], 'detail-type': ['Order Placed'] },
        State: 'ENABLED',
        Targets: [
          {
            Id: 'Workflow',
            Arn: { Ref: 'WorkflowStateMachine' },
            RoleArn: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
            InputPath: '$.detail',
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 },
          },
          { Id: 'Worker', Arn: { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] }, Input: '{"fixed":true}' },
          {
            Id: 'Transformed',
            Arn: { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] },
            InputTransformer: {
              InputPathsMap: { orderId: '$.detail.orderId', source: '$.source' },
              InputTemplate: '{"order":<orderId>,"from":<source>}',
            },
            RetryPolicy: { MaximumRetryAttempts: 4 },
          },
        ],
      },
    },
    BusArnRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: 'arn:aws:events:eu-west-1:000000000000:event-bus/psflow-test',
        EventPattern: '{"source":["psflow.billing"]}',
        State: 'DISABLED',
        Targets: [{ Id: 'Express', Arn: { Ref: 'ExpressStateMachine' } }],
      },
    },
    DefaultBusRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.partner/salesforce.com/org/channel'] },
        Targets: [{ Id: 'Worker', Arn: { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] } }],
      },
    },
    NightlyRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        Targets: [{ Id: 'Worker', Arn: { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] } }],
      },
    },
    CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:H4sI' } },
  };
}

function appModel(): ResourceModel {
  return modelOf(appResources(), { bundles: [WORKER_BUNDLE, AUDIT_BUNDLE] });
}

describe('readCloudAssembly', () => {
  it('reads the stack artifact with its parsed resources and skips other artifact types', () => {
    // Prepare
    writeAssembly({ Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'psflow-test' } } });

    // Act
    const assembly = readCloudAssembly(directory);

    // Assess
    expect(assembly.directory).toBe(directory);
    expect(assembly.stacks).toHaveLength(1);
    expect(assembly.stacks[0].stackName).toBe(STACK);
    expect(assembly.stacks[0].templateFile).toBe(path.join(directory, `${STACK}.template.json`));
    expect(assembly.stacks[0].resources).toEqual({
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'psflow-test' } },
    });
  });

  it('names a stack after its artifact id when the manifest gives no display name', () => {
    // Prepare
    writeAssembly({}, { withoutDisplayName: true });

    // Act
    const assembly = readCloudAssembly(directory);

    // Assess
    expect(assembly.stacks.map((stack) => stack.stackName)).toEqual([STACK]);
  });

  it('refuses a directory without a manifest and says to run npx cdk synth', () => {
    // Prepare
    const empty = directory;

    // Act
    const error = errorOf(() => readCloudAssembly(empty));

    // Assess
    expect(error.message).toContain('npx cdk synth');
    expect(error.message).toContain(path.join(empty, 'manifest.json'));
  });

  it('refuses an assembly that holds no CloudFormation stack', () => {
    // Prepare
    fs.writeFileSync(
      path.join(directory, 'manifest.json'),
      JSON.stringify({
        version: '48.0.0',
        artifacts: { Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } } },
      }),
    );

    // Act
    const error = errorOf(() => readCloudAssembly(directory));

    // Assess
    expect(error.message).toContain('holds no CloudFormation stack');
  });
});

describe('buildResourceModel tables', () => {
  it('keeps a declared table name and derives the table ARN from it', () => {
    // Prepare
    const model = appModel();

    // Act
    const table = byLogicalId(model.tables, 'OrdersTable');

    // Assess
    expect(table.name).toBe('psflow-test-orders');
    expect(table.arn).toBe('arn:aws:dynamodb:eu-west-1:000000000000:table/psflow-test-orders');
  });

  it('gives a table without TableName the generated stack-logicalId name', () => {
    // Prepare
    const model = appModel();

    // Act
    const table = byLogicalId(model.tables, 'AuditTable1A2B3C4D');

    // Assess
    expect(table.name).toBe('psflow-test-AuditTable1A2B3C4D');
    expect(table.createTableRequest.TableName).toBe('psflow-test-AuditTable1A2B3C4D');
  });

  it('carries keys, GSIs and LSIs into CreateTable on demand, without provisioned throughput', () => {
    // Prepare
    const model = appModel();

    // Act
    // What dynalite receives is the request as JSON, so that is the form to judge.
    const request: unknown = JSON.parse(JSON.stringify(byLogicalId(model.tables, 'OrdersTable').createTableRequest));

    // Assess
    expect(request).toEqual({
      TableName: 'psflow-test-orders',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'byCreatedAt',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('adds no index lists to a table that declares none', () => {
    // Prepare
    const model = appModel();

    // Act
    const request = byLogicalId(model.tables, 'AuditTable1A2B3C4D').createTableRequest;

    // Assess
    expect(request).not.toHaveProperty('GlobalSecondaryIndexes');
    expect(request).not.toHaveProperty('LocalSecondaryIndexes');
  });
});

describe('buildResourceModel event buses and queues', () => {
  it('serves the default bus beside every declared bus, with their ARNs', () => {
    // Prepare
    const model = appModel();

    // Act
    const buses = model.eventBuses;

    // Assess
    expect(buses).toEqual([
      { name: 'default', arn: 'arn:aws:events:eu-west-1:000000000000:event-bus/default' },
      { name: 'psflow-test', arn: 'arn:aws:events:eu-west-1:000000000000:event-bus/psflow-test' },
    ]);
  });

  it('gives each queue the local endpoint URL and an SQS ARN, generating the name when absent', () => {
    // Prepare
    const model = appModel();

    // Act
    const named = byLogicalId(model.queues, 'DeadLetterQueue');
    const unnamed = byLogicalId(model.queues, 'UnnamedQueue');

    // Assess
    expect(named).toEqual({
      logicalId: 'DeadLetterQueue',
      name: 'psflow-test-dlq',
      url: 'http://127.0.0.1:4566/000000000000/psflow-test-dlq',
      arn: 'arn:aws:sqs:eu-west-1:000000000000:psflow-test-dlq',
    });
    expect(unnamed.name).toBe('psflow-test-UnnamedQueue');
    expect(unnamed.url).toBe('http://127.0.0.1:4566/000000000000/psflow-test-UnnamedQueue');
  });
});

describe('buildResourceModel functions', () => {
  it('finds the bundle from the S3 key hash and keeps handler, runtime, timeout and memory', () => {
    // Prepare
    const model = appModel();

    // Act
    const worker = byLogicalId(model.functions, 'WorkerFunction');

    // Assess
    expect(worker.name).toBe('psflow-test-worker');
    expect(worker.arn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:psflow-test-worker');
    expect(worker.codeDirectory).toBe(path.join(directory, `asset.${WORKER_BUNDLE}`));
    expect(worker.handler).toBe('handlers/worker.handler');
    expect(worker.runtime).toBe('nodejs22.x');
    expect(worker.timeoutSeconds).toBe(10);
    expect(worker.memoryMb).toBe(512);
  });

  it('takes the bundle from aws:asset:path metadata, with Lambda defaults for what is not declared', () => {
    // Prepare
    const model = appModel();

    // Act
    const audit = byLogicalId(model.functions, 'AuditFunction');

    // Assess
    expect(audit.codeDirectory).toBe(path.join(directory, `asset.${AUDIT_BUNDLE}`));
    expect(audit.name).toBe('psflow-test-AuditFunction');
    expect(audit.runtime).toBe('nodejs20.x');
    expect(audit.timeoutSeconds).toBe(3);
    expect(audit.memoryMb).toBe(128);
    expect(audit.environment).toEqual({});
  });

  it('resolves environment variables to the names, ARNs and URLs a deployment would give', () => {
    // Prepare
    const model = appModel();

    // Act
    const { environment } = byLogicalId(model.functions, 'WorkerFunction');

    // Assess
    expect(environment).toEqual({
      TABLE_NAME: 'psflow-test-orders',
      TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:000000000000:table/psflow-test-orders',
      AUDIT_TABLE_NAME: 'psflow-test-AuditTable1A2B3C4D',
      BUS_NAME: 'psflow-test',
      BUS_ARN: 'arn:aws:events:eu-west-1:000000000000:event-bus/psflow-test',
      QUEUE_URL: 'http://127.0.0.1:4566/000000000000/psflow-test-dlq',
      QUEUE_ARN: 'arn:aws:sqs:eu-west-1:000000000000:psflow-test-dlq',
      QUEUE_NAME: 'psflow-test-dlq',
      WORKFLOW_ARN: 'arn:aws:states:eu-west-1:000000000000:stateMachine:psflow-test-workflow',
      STAGE: 'test',
      BATCH_SIZE: '25',
    });
  });

  it('refuses a function whose bundle is missing, naming the stack and the logical id', () => {
    // Prepare
    const resources = { LostFunction: functionWith({}) };

    // Act
    const error = errorOf(() => modelOf(resources));

    // Assess
    expect(error.message).toContain(`${STACK}/LostFunction`);
    expect(error.message).toContain('bundle');
  });

  it('refuses a function with inline code, which has no bundle to run', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      InlineFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { ZipFile: 'exports.handler = async () => 1;' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
        },
      },
    };

    // Act
    const error = errorOf(() => modelOf(resources));

    // Assess
    expect(error.message).toContain(`${STACK}/InlineFunction`);
  });
});

describe('buildResourceModel state machines', () => {
  it('resolves a DefinitionString joined with Refs and GetAtts into plain ASL', () => {
    // Prepare
    const model = appModel();

    // Act
    const machine = byLogicalId(model.stateMachines, 'WorkflowStateMachine');
    const definition: unknown = JSON.parse(machine.definition);

    // Assess
    expect(definition).toEqual({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:psflow-test-worker',
            'Payload.$': '$',
          },
          Next: 'Store',
        },
        Store: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: { TableName: 'psflow-test-orders', Item: { pk: { 'S.$': '$.id' } } },
          End: true,
        },
      },
    });
  });

  it('names, types and binds a standard state machine to its role', () => {
    // Prepare
    const model = appModel();

    // Act
    const machine = byLogicalId(model.stateMachines, 'WorkflowStateMachine');

    // Assess
    expect(machine.name).toBe('psflow-test-workflow');
    expect(machine.arn).toBe('arn:aws:states:eu-west-1:000000000000:stateMachine:psflow-test-workflow');
    expect(machine.type).toBe('STANDARD');
    expect(machine.roleArn).toBe('arn:aws:iam::000000000000:role/psflow-test-WorkerRole');
  });

  it('serialises a Definition object, with its references resolved', () => {
    // Prepare
    const model = appModel();

    // Act
    const machine = byLogicalId(model.stateMachines, 'ExpressStateMachine');
    const definition: unknown = JSON.parse(machine.definition);

    // Assess
    expect(machine.type).toBe('EXPRESS');
    expect(machine.name).toBe('psflow-test-ExpressStateMachine');
    expect(definition).toEqual({
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: 'http://127.0.0.1:4566/000000000000/psflow-test-dlq', 'MessageBody.$': '$' },
          End: true,
        },
      },
    });
  });

  it('refuses a state machine whose definition is not inline', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      S3Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          DefinitionS3Location: { Bucket: 'b', Key: 'k.json' },
          RoleArn: 'arn:aws:iam::000000000000:role/r',
        },
      },
    };

    // Act
    const error = errorOf(() => modelOf(resources));

    // Assess
    expect(error.message).toContain(`${STACK}/S3Machine`);
    expect(error.message).toContain('no inline definition');
  });
});

describe('buildResourceModel rules', () => {
  it('resolves each target with its input shaping, dead-letter queue and retry policy', () => {
    // Prepare
    const model = appModel();

    // Act
    const rule = byLogicalId(model.rules, 'OrderPlacedRule');

    // Assess
    expect(rule.targets).toEqual([
      {
        id: 'Workflow',
        arn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:psflow-test-workflow',
        inputPath: '$.detail',
        deadLetterArn: 'arn:aws:sqs:eu-west-1:000000000000:psflow-test-dlq',
        maximumRetryAttempts: 0,
        maximumEventAgeSeconds: 3600,
      },
      {
        id: 'Worker',
        arn: 'arn:aws:lambda:eu-west-1:000000000000:function:psflow-test-worker',
        input: '{"fixed":true}',
        maximumRetryAttempts: 185,
        maximumEventAgeSeconds: 86400,
      },
      {
        id: 'Transformed',
        arn: 'arn:aws:lambda:eu-west-1:000000000000:function:psflow-test-worker',
        inputTransformer: {
          inputPathsMap: { orderId: '$.detail.orderId', source: '$.source' },
          inputTemplate: '{"order":<orderId>,"from":<source>}',
        },
        maximumRetryAttempts: 4,
        maximumEventAgeSeconds: 86400,
      },
    ]);
  });

  it('places a rule on the bus its EventBusName Ref names and serialises an object pattern', () => {
    // Prepare
    const model = appModel();

    // Act
    const rule = byLogicalId(model.rules, 'OrderPlacedRule');

    // Assess
    expect(rule.name).toBe('psflow-test-order-placed');
    expect(rule.eventBusName).toBe('psflow-test');
    expect(rule.enabled).toBe(true);
    expect(JSON.parse(rule.eventPattern)).toEqual({ source: ['psflow.orders'], 'detail-type': ['Order Placed'] });
  });

  it('takes the bus name from an EventBusName given as an ARN and keeps a string pattern verbatim', () => {
    // Prepare
    const model = appModel();

    // Act
    const rule = byLogicalId(model.rules, 'BusArnRule');

    // Assess
    expect(rule.eventBusName).toBe('psflow-test');
    expect(rule.eventPattern).toBe('{"source":["psflow.billing"]}');
    expect(rule.enabled).toBe(false);
    expect(rule.name).toBe('psflow-test-BusArnRule');
    expect(rule.targets.map((target) => target.arn)).toEqual([
      'arn:aws:states:eu-west-1:000000000000:stateMachine:psflow-test-ExpressStateMachine',
    ]);
  });

  it('puts a rule without EventBusName on the default bus, enabled when State is absent', () => {
    // Prepare
    const model = appModel();

    // Act
    const rule = byLogicalId(model.rules, 'DefaultBusRule');

    // Assess
    expect(rule.eventBusName).toBe('default');
    expect(rule.enabled).toBe(true);
  });

  it('lists a scheduled rule as not emulated instead of serving it', () => {
    // Prepare
    const model = appModel();

    // Act
    const served = model.rules.map((rule) => rule.logicalId);
    const skipped = model.notEmulated.find((resource) => resource.logicalId === 'NightlyRule');

    // Assess
    expect(served).not.toContain('NightlyRule');
    expect(skipped).toEqual({
      stackName: STACK,
      logicalId: 'NightlyRule',
      type: 'AWS::Events::Rule',
      reason: 'scheduled rules are not served',
    });
  });
});

describe('buildResourceModel resources it does not serve', () => {
  it('lists IAM, log groups and CDK metadata with the reason each is not needed', () => {
    // Prepare
    const model = appModel();

    // Act
    const reasons = Object.fromEntries(model.notEmulated.map((resource) => [resource.logicalId, resource]));

    // Assess
    expect(reasons.WorkerRole).toMatchObject({
      stackName: STACK,
      type: 'AWS::IAM::Role',
      reason: expect.stringContaining('IAM is not enforced locally'),
    });
    expect(reasons.WorkerRoleDefaultPolicy).toMatchObject({
      type: 'AWS::IAM::Policy',
      reason: expect.stringContaining('IAM is not enforced locally'),
    });
    expect(reasons.WorkerLogs).toMatchObject({
      type: 'AWS::Logs::LogGroup',
      reason: expect.stringContaining('.psflow/logs'),
    });
    expect(reasons.CDKMetadata).toMatchObject({ type: 'AWS::CDK::Metadata', reason: 'CDK bookkeeping only' });
  });

  it('gives an unknown resource type the generic reason', () => {
    // Prepare
    const model = appModel();

    // Act
    const pipe = model.notEmulated.find((resource) => resource.logicalId === 'Pipe');

    // Assess
    expect(pipe).toEqual({
      stackName: STACK,
      logicalId: 'Pipe',
      type: 'AWS::Pipes::Pipe',
      reason: 'no local emulation for this resource type',
    });
  });

  it('serves an SNS topic under its generated name and ARN', () => {
    // Act
    const model = appModel();

    // Assess
    expect(model.topics).toEqual([
      {
        logicalId: 'Topic',
        name: `${STACK}-Topic`,
        arn: `arn:aws:sns:${model.environment.region}:${model.environment.accountId}:${STACK}-Topic`,
      },
    ]);
  });

  it('lists every template resource exactly once, served or not', () => {
    // Prepare
    const resources = appResources();

    // Act
    const model = modelOf(resources, { bundles: [WORKER_BUNDLE, AUDIT_BUNDLE] });
    const listed = [
      model.tables,
      model.rules,
      model.functions,
      model.stateMachines,
      model.queues,
      model.topics,
      model.notEmulated,
    ].flatMap((items) => items.map((item) => item.logicalId));
    const busCount = model.eventBuses.length - 1;

    // Assess
    expect(listed.length + busCount).toBe(Object.keys(resources).length);
    expect(new Set(listed).size).toBe(listed.length);
  });
});

describe('buildResourceModel intrinsic functions', () => {
  function environmentOf(variables: Record<string, TemplateValue>): Readonly<Record<string, string>> {
    const resources: Record<string, TemplateResource> = {
      OrdersTable: ORDERS_TABLE,
      Bus: appResources().Bus,
      Probe: functionWith(variables),
    };
    return byLogicalId(modelOf(resources, { bundles: [WORKER_BUNDLE] }).functions, 'Probe').environment;
  }

  it('substitutes pseudo parameters in Fn::Sub', () => {
    // Prepare
    const variables = {
      VALUE: {
        'Fn::Sub':
          'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default in ${AWS::StackName}',
      },
    };

    // Act
    const environment = environmentOf(variables);

    // Assess
    expect(environment.VALUE).toBe('arn:aws:events:eu-west-1:000000000000:event-bus/default in psflow-test');
  });

  it('substitutes a Logical.Arn attribute and a plain logical id in Fn::Sub', () => {
    // Prepare
    const variables = { VALUE: { 'Fn::Sub': '${OrdersTable.Arn}/index/* on ${Bus}' } };

    // Act
    const environment = environmentOf(variables);

    // Assess
    expect(environment.VALUE).toBe(
      'arn:aws:dynamodb:eu-west-1:000000000000:table/psflow-test-orders/index/* on psflow-test',
    );
  });

  it('substitutes from the variables map of Fn::Sub, resolving intrinsics inside it first', () => {
    // Prepare
    const variables = {
      VALUE: { 'Fn::Sub': ['${Prefix}-${Table}-${AWS::Region}', { Prefix: 'orders', Table: { Ref: 'OrdersTable' } }] },
    };

    // Act
    const environment = environmentOf(variables);

    // Assess
    expect(environment.VALUE).toBe('orders-psflow-test-orders-eu-west-1');
  });

  it('picks one element of a split ARN with Fn::Select and Fn::Split', () => {
    // Prepare
    const variables = {
      TABLE: { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['OrdersTable', 'Arn'] }] }] },
      REGION: { 'Fn::Select': ['3', { 'Fn::Split': [':', { 'Fn::GetAtt': ['OrdersTable', 'Arn'] }] }] },
    };

    // Act
    const environment = environmentOf(variables);

    // Assess
    expect(environment.TABLE).toBe('psflow-test-orders');
    expect(environment.REGION).toBe('eu-west-1');
  });

  it('treats a property set to AWS::NoValue as not declared', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      Probe: functionWith(
        {},
        { Timeout: { Ref: 'AWS::NoValue' }, MemorySize: { Ref: 'AWS::NoValue' }, Runtime: 'nodejs22.x' },
      ),
    };

    // Act
    const probe = byLogicalId(modelOf(resources, { bundles: [WORKER_BUNDLE] }).functions, 'Probe');

    // Assess
    expect(probe.timeoutSeconds).toBe(3);
    expect(probe.memoryMb).toBe(128);
  });

  it('refuses an unsupported intrinsic in a served resource, naming the stack', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      Probe: functionWith({ SHARED_TABLE: { 'Fn::ImportValue': 'shared-orders-table' } }),
    };

    // Act
    const error = errorOf(() => modelOf(resources, { bundles: [WORKER_BUNDLE] }));

    // Assess
    expect(error.message).toContain(STACK);
    expect(error.message).toContain('Fn::ImportValue');
    expect(error.message).toContain('not supported');
  });

  it('refuses a GetAtt of an attribute the local cloud cannot answer', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      OrdersTable: ORDERS_TABLE,
      Probe: functionWith({ STREAM: { 'Fn::GetAtt': ['OrdersTable', 'StreamArn'] } }),
    };

    // Act
    const error = errorOf(() => modelOf(resources, { bundles: [WORKER_BUNDLE] }));

    // Assess
    expect(error.message).toContain(STACK);
    expect(error.message).toContain('OrdersTable.StreamArn');
  });

  it('refuses a reference to a resource the template does not declare', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = { Probe: functionWith({ TABLE: { Ref: 'MissingTable' } }) };

    // Act
    const error = errorOf(() => modelOf(resources, { bundles: [WORKER_BUNDLE] }));

    // Assess
    expect(error.message).toContain(`${STACK}: reference to unknown resource MissingTable`);
  });

  it('leaves an object with several keys as data even when one of them is Ref', () => {
    // Prepare
    const resources: Record<string, TemplateResource> = {
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: 'arn:aws:iam::000000000000:role/r',
          Definition: { StartAt: 'P', States: { P: { Type: 'Pass', Result: { Ref: 'x', other: 1 }, End: true } } },
        },
      },
    };

    // Act
    const model = modelOf(resources);
    const definition: unknown = JSON.parse(byLogicalId(model.stateMachines, 'Machine').definition);

    // Assess
    expect(
      isRecord(definition) && isRecord(definition.States) && isRecord(definition.States.P)
        ? definition.States.P.Result
        : undefined,
    ).toEqual({ Ref: 'x', other: 1 });
  });
});

describe('buildResourceModel CloudFormation details', () => {
  function environmentOf(variables: Record<string, TemplateValue>): Readonly<Record<string, string>> {
    return byLogicalId(
      modelOf({ OrdersTable: ORDERS_TABLE, Probe: functionWith(variables) }, { bundles: [WORKER_BUNDLE] }).functions,
      'Probe',
    ).environment;
  }

  it('writes ${!Name} in Fn::Sub as a literal ${Name}', () => {
    // Act
    const environment = environmentOf({ VALUE: { 'Fn::Sub': 'a ${!Literal} b ${AWS::Region}' } });

    // Assess
    expect(environment.VALUE).toBe('a ${Literal} b eu-west-1');
  });

  it('drops a property or list item set to AWS::NoValue, as CloudFormation does', () => {
    // Prepare
    const table: TemplateResource = {
      Type: 'AWS::DynamoDB::Table',
      Properties: { ...ORDERS_TABLE.Properties, TableName: { Ref: 'AWS::NoValue' } },
    };

    // Act
    const environment = environmentOf({
      GONE: { Ref: 'AWS::NoValue' },
      LIST: { 'Fn::Join': [',', ['a', { Ref: 'AWS::NoValue' }, 'b']] },
    });
    const model = modelOf({ Unnamed: table });

    // Assess
    expect(environment).not.toHaveProperty('GONE');
    expect(environment.LIST).toBe('a,b');
    expect(model.tables[0].name).toBe('psflow-test-Unnamed');
  });

  it('does not take a Fn::Sub variable from Object.prototype', () => {
    // Act: no variable "constructor" is given, so it must be read as a reference to a resource.
    const error = errorOf(() => environmentOf({ VALUE: { 'Fn::Sub': ['${constructor}', {}] } }));

    // Assess
    expect(error.message).toContain('reference to unknown resource constructor');
  });

  it('refuses Fn::Select with an index outside the list', () => {
    // Act
    const error = errorOf(() => environmentOf({ VALUE: { 'Fn::Select': [3, ['a', 'b']] } }));

    // Assess
    expect(error.message).toContain('Fn::Select index 3 is out of range for a list of 2');
  });

  it('applies DefinitionSubstitutions to the state machine definition', () => {
    // Prepare
    const machine: TemplateResource = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'psflow-test-substituted',
        RoleArn: 'arn:aws:iam::000000000000:role/test',
        DefinitionString:
          '{"StartAt":"Save","States":{"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"${OrdersTableName}","Item":{}},"End":true}}}',
        DefinitionSubstitutions: { OrdersTableName: { Ref: 'OrdersTable' } },
      },
    };

    // Act
    const [spec] = modelOf({ OrdersTable: ORDERS_TABLE, Machine: machine }).stateMachines;

    // Assess
    expect(
      (JSON.parse(spec.definition) as { States: { Save: { Parameters: { TableName: string } } } }).States.Save
        .Parameters.TableName,
    ).toBe('psflow-test-orders');
  });

  it('puts the bus name in the ARN of a rule on a custom bus, and not on the default bus', () => {
    // Prepare
    const target = [{ Id: 'T', Arn: 'arn:aws:sqs:eu-west-1:000000000000:psflow-test-dlq' }];
    const resources: Record<string, TemplateResource> = {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'psflow-test' } },
      OnCustom: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: 'on-custom',
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['a'] },
          Targets: target,
        },
      },
      OnDefault: {
        Type: 'AWS::Events::Rule',
        Properties: { Name: 'on-default', EventPattern: { source: ['a'] }, Targets: target },
      },
    };

    // Act
    const { rules } = modelOf(resources);

    // Assess
    expect(byLogicalId(rules, 'OnCustom').arn).toBe('arn:aws:events:eu-west-1:000000000000:rule/psflow-test/on-custom');
    expect(byLogicalId(rules, 'OnDefault').arn).toBe('arn:aws:events:eu-west-1:000000000000:rule/on-default');
  });
});
