import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowLauncher } from '../ingestion/ingestion-ports';
import type { WorkflowName } from './workflow-names';

/**
 * Starts workflows on Step Functions. A name already used means the work was started
 * before (a duplicate or a replay), which is an answer, not a failure.
 */
export class StepFunctionsLauncher implements WorkflowLauncher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArns: Readonly<Partial<Record<WorkflowName, string>>>,
  ) {}

  async start(
    workflow: WorkflowName,
    executionName: string,
    input: unknown,
  ): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const stateMachineArn = this.stateMachineArns[workflow];
    if (!stateMachineArn) throw new Error(`no state machine is configured for workflow ${workflow}`);
    try {
      const { executionArn } = await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
      );
      if (!executionArn) throw new Error(`StartExecution of ${workflow} returned no execution ARN`);
      return { executionArn, alreadyStarted: false };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
      return { executionArn: executionArnOf(stateMachineArn, executionName), alreadyStarted: true };
    }
  }
}

/** The ARN Step Functions gives an execution: the state machine's ARN with `execution` and the name. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}
