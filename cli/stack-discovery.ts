import { type CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { StackOutput, stackNameOf, tableOutputKey } from '../shared/deployment/stack-outputs';
import { CliError } from './cli-error';

/** What a client needs of a deployed stage, read from its stack's outputs. */
export interface StageOutputs {
  readonly stackName: string;
  readonly apiUrl: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly eventBusName: string;
  /** The physical name of a table by its short name (`sandbox-crm`); throws when the stack has no such output. */
  readonly tableName: (shortName: string) => string;
}

/** CloudFormation's answer when DescribeStacks names a stack that does not exist. */
function isMissingStack(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);
}

/**
 * Reads the outputs of the stage's stack (`psflow-<stage>`) with DescribeStacks, so that the
 * CLI finds the API, the user pool, the bus and the tables of a deployed stage by its name.
 * A stack that does not exist, or that lacks an output, is a {@link CliError} saying which.
 */
export async function discoverStage(cloudFormation: CloudFormationClient, stage: string): Promise<StageOutputs> {
  const stackName = stackNameOf(stage);
  const region = await cloudFormation.config.region();
  let outputs: readonly Output[];
  let status: string;
  try {
    const { Stacks: stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    if (stacks.length === 0) throw new CliError(`stack ${stackName} for stage "${stage}" does not exist in ${region}`);
    outputs = stacks[0].Outputs ?? [];
    status = stacks[0].StackStatus ?? 'unknown';
  } catch (error) {
    if (!isMissingStack(error)) throw error;
    throw new CliError(
      `stack ${stackName} for stage "${stage}" does not exist in ${region}: deploy it (npx cdk deploy -c stage=${stage}), or pass the --stage and region (AWS_REGION) it was deployed with`,
    );
  }
  const values = new Map(
    outputs.flatMap((output) =>
      output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue] as const] : [],
    ),
  );
  const required = (key: string, what: string): string => {
    const value = values.get(key);
    if (value === undefined) {
      throw new CliError(
        `stack ${stackName} (${status}) has no output ${key} (${what}): redeploy stage "${stage}" with this version of psflow`,
      );
    }
    return value;
  };
  return {
    stackName,
    apiUrl: required(StackOutput.ApiUrl, 'the operations API URL'),
    userPoolId: required(StackOutput.UserPoolId, 'the user pool id'),
    userPoolClientId: required(StackOutput.UserPoolClientId, 'the user pool client id'),
    eventBusName: required(StackOutput.EventBusName, 'the bus name'),
    tableName: (shortName) => required(tableOutputKey(shortName), `the ${shortName} table`),
  };
}
