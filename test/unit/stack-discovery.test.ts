import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createContext } from '../../cli/cli-context';
import { CliError } from '../../cli/cli-error';
import { discoverStage } from '../../cli/stack-discovery';
import { StackOutput, tableOutputKey } from '../../shared/deployment/stack-outputs';

const STAGE = 'acme';
const STACK_NAME = `psflow-${STAGE}`;
const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

function outputsOf(values: Record<string, string>): Output[] {
  return Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
}

const COMPLETE_OUTPUTS: Record<string, string> = {
  [StackOutput.ApiUrl]: API_URL,
  [StackOutput.UserPoolId]: 'eu-west-1_AbCdEf123',
  [StackOutput.UserPoolClientId]: '1example23456789',
  [StackOutput.EventBusName]: STACK_NAME,
  [tableOutputKey('rejected-events')]: `${STACK_NAME}-rejected-events`,
  [tableOutputKey('sandbox-crm')]: `${STACK_NAME}-sandbox-crm`,
};

let cloudFormation: AwsClientStub<CloudFormationClient>;
let client: CloudFormationClient;

beforeEach(() => {
  cloudFormation = mockClient(CloudFormationClient);
  client = new CloudFormationClient({ region: 'eu-west-1' });
});

afterEach(() => {
  client.destroy();
  cloudFormation.restore();
});

function stackWith(outputs: Output[]): void {
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK_NAME }).resolves({
    Stacks: [
      {
        StackName: STACK_NAME,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-01-05T08:00:00Z'),
        Outputs: outputs,
      },
    ],
  });
}

describe('tableOutputKey', () => {
  it('names a table output by its short name in PascalCase', () => {
    // Act
    const keys = ['sandbox-crm', 'audit-log', 'probes'].map(tableOutputKey);

    // Assess
    expect(keys).toEqual(['TableSandboxCrm', 'TableAuditLog', 'TableProbes']);
  });
});

describe('discoverStage', () => {
  it('reads the API URL, user pool, client, bus and tables from the stack of the stage', async () => {
    // Prepare
    stackWith(outputsOf(COMPLETE_OUTPUTS));

    // Act
    const outputs = await discoverStage(client, STAGE);

    // Assess
    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input)).toEqual([
      { StackName: STACK_NAME },
    ]);
    expect({ ...outputs, tableName: undefined }).toEqual({
      stackName: STACK_NAME,
      apiUrl: API_URL,
      userPoolId: 'eu-west-1_AbCdEf123',
      userPoolClientId: '1example23456789',
      eventBusName: STACK_NAME,
      tableName: undefined,
    });
    expect(outputs.tableName('sandbox-crm')).toBe(`${STACK_NAME}-sandbox-crm`);
  });

  it('says which stack does not exist, for which stage and region, and how to deploy it', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: {},
        message: `Stack with id ${STACK_NAME} does not exist`,
      }),
    );

    // Act
    const discovery = discoverStage(client, STAGE);

    // Assess
    await expect(discovery).rejects.toThrow(CliError);
    await expect(discovery).rejects.toThrow(
      `stack ${STACK_NAME} for stage "${STAGE}" does not exist in eu-west-1: deploy it (npx cdk deploy -c stage=${STAGE})`,
    );
  });

  it('names a missing output and the stack status', async () => {
    // Prepare
    const { [StackOutput.UserPoolClientId]: _missing, ...withoutClient } = COMPLETE_OUTPUTS;
    stackWith(outputsOf(withoutClient));

    // Act
    const discovery = discoverStage(client, STAGE);

    // Assess
    await expect(discovery).rejects.toThrow(
      `stack ${STACK_NAME} (UPDATE_COMPLETE) has no output UserPoolClientId (the user pool client id)`,
    );
  });

  it('names a table output the stack lacks when a command asks for that table', async () => {
    // Prepare
    stackWith(outputsOf(COMPLETE_OUTPUTS));
    const outputs = await discoverStage(client, STAGE);

    // Act
    const lookup = (): string => outputs.tableName('workflow-executions');

    // Assess
    expect(lookup).toThrow(
      `stack ${STACK_NAME} (UPDATE_COMPLETE) has no output TableWorkflowExecutions (the workflow-executions table)`,
    );
  });

  it('passes on failures other than a missing stack, such as a refused permission', async () => {
    // Prepare
    const refusal = new CloudFormationServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: {},
      message: 'not authorized to perform: cloudformation:DescribeStacks',
    });
    cloudFormation.on(DescribeStacksCommand).rejects(refusal);

    // Act
    const discovery = discoverStage(client, STAGE);

    // Assess
    await expect(discovery).rejects.toBe(refusal);
  });
});

describe('createContext', () => {
  it('takes the bus, tables and API URL from the stack outputs with --endpoint aws', async () => {
    // Prepare
    stackWith(outputsOf({ ...COMPLETE_OUTPUTS, [StackOutput.EventBusName]: 'psflow-acme-renamed' }));
    // The default SDK configuration supplies the region in AWS; here the environment does.
    const savedRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';

    // Act
    const context = await createContext({ endpoint: 'aws', stage: STAGE, json: true, as: 'pat.practice' }).finally(
      () => {
        if (savedRegion === undefined) delete process.env.AWS_REGION;
        else process.env.AWS_REGION = savedRegion;
      },
    );
    context.close();

    // Assess
    expect({ busName: context.busName, apiUrl: context.apiUrl, table: context.tableName('rejected-events') }).toEqual({
      busName: 'psflow-acme-renamed',
      apiUrl: API_URL,
      table: `${STACK_NAME}-rejected-events`,
    });
  });

  it('keeps targeting the local cloud by the stage name, without asking CloudFormation', async () => {
    // Act
    const context = await createContext({
      endpoint: 'http://127.0.0.1:4566',
      stage: STAGE,
      json: true,
      as: 'pat.practice',
    });
    context.close();

    // Assess
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect({ busName: context.busName, apiUrl: context.apiUrl, table: context.tableName('rejected-events') }).toEqual({
      busName: STACK_NAME,
      apiUrl: 'http://127.0.0.1:4566/api',
      table: `${STACK_NAME}-rejected-events`,
    });
  });
});
