import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionEvent, ExecutionReader } from './execution-reader';

/** {@link ExecutionReader} on the Step Functions API, following every page of the history. */
export class StepFunctionsExecutionReader implements ExecutionReader {
  constructor(private readonly sfn: SFNClient) {}

  async history(executionArn: string): Promise<ExecutionEvent[]> {
    const events: ExecutionEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      for (const event of page.events ?? []) {
        const stateName = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
        events.push({
          type: event.type ?? '',
          at: event.timestamp ?? new Date(0),
          ...(stateName ? { stateName } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async status(executionArn: string): Promise<string> {
    const { status } = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return String(status);
  }
}
