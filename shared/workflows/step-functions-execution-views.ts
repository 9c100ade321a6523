import {
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type {
  ExecutionViews,
  IndexedExecution,
  InspectedEvent,
  InspectedExecution,
} from '../operations-api/execution-views';
import type { WorkflowExecutionsTable } from '../repositories/workflow-executions-table';
import { WorkflowName } from './workflow-names';

/** Most history events read for one view: a Standard execution has at most 25,000. */
const MAX_HISTORY_EVENTS = 25_000;

/** {@link ExecutionViews} on the workflow-executions table and the Step Functions API. */
export class StepFunctionsExecutionViews implements ExecutionViews {
  constructor(
    private readonly index: Pick<WorkflowExecutionsTable, 'find'>,
    private readonly sfn: SFNClient,
  ) {}

  async find(businessKey: string, workflow?: string): Promise<IndexedExecution[]> {
    const known = Object.values(WorkflowName).find((name) => name === workflow);
    if (workflow !== undefined && !known) return [];
    return this.index.find(businessKey, known);
  }

  async describe(executionArn: string): Promise<InspectedExecution | undefined> {
    try {
      const [execution, machine] = await Promise.all([
        this.sfn.send(new DescribeExecutionCommand({ executionArn })),
        this.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn })),
      ]);
      return {
        executionArn,
        name: execution.name ?? '',
        stateMachineArn: execution.stateMachineArn ?? '',
        status: String(execution.status),
        startedAt: execution.startDate ?? new Date(0),
        ...(execution.stopDate ? { stoppedAt: execution.stopDate } : {}),
        ...(execution.error ? { error: execution.error } : {}),
        ...(execution.cause ? { cause: execution.cause } : {}),
        definition: machine.definition ?? '{}',
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  async history(executionArn: string): Promise<InspectedEvent[]> {
    const events: InspectedEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      for (const event of page.events ?? []) events.push(inspected(event));
      nextToken = page.nextToken;
    } while (nextToken && events.length < MAX_HISTORY_EVENTS);
    return events;
  }
}

function inspected(event: HistoryEvent): InspectedEvent {
  const stateName = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
  const failure =
    event.taskFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.executionFailedEventDetails ??
    event.taskTimedOutEventDetails;
  const detail = failure
    ? [failure.error, failure.cause].filter(Boolean).join(': ')
    : (event.stateEnteredEventDetails?.input ??
      event.stateExitedEventDetails?.output ??
      event.executionStartedEventDetails?.input ??
      event.executionSucceededEventDetails?.output);
  return {
    id: event.id ?? 0,
    type: event.type ?? '',
    at: event.timestamp ?? new Date(0),
    ...(stateName ? { stateName } : {}),
    ...(detail ? { detail } : {}),
  };
}
