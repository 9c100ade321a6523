import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TokenDelivery, WorkflowTokens } from '../human-tasks/task-ports';

/** Step Functions' answers for a token it no longer waits on. */
const STALE_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** Completes task tokens on Step Functions. */
export class StepFunctionsTaskTokens implements WorkflowTokens {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<TokenDelivery> {
    return this.send(() =>
      this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }

  async fail(token: string, error: string, cause: string): Promise<TokenDelivery> {
    return this.send(() =>
      this.sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause: cause.slice(0, 32_000) })),
    );
  }

  private async send(call: () => Promise<unknown>): Promise<TokenDelivery> {
    try {
      await call();
      return 'delivered';
    } catch (error) {
      if (error instanceof Error && STALE_TOKEN_ERRORS.has(error.name)) return 'stale';
      throw error;
    }
  }
}
