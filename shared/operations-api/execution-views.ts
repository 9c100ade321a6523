import { TaskActionRefused } from '../human-tasks/human-task';
import { SourceSystem } from '../model/primitives';
import { businessKey } from '../workflows/workflow-names';
import {
  ExecutionQuery,
  type ExecutionDetail,
  type ExecutionHistoryEvent,
  type ExecutionSummary,
} from './operations-schemas';

/** An execution as the workflow-executions index records it under a business key. */
export interface IndexedExecution {
  readonly workflow: string;
  readonly executionName: string;
  readonly executionArn: string;
  readonly startedAt: string;
}

/** One history event with its details, as the Step Functions API returns it. */
export interface InspectedEvent {
  readonly id: number;
  readonly type: string;
  readonly at: Date;
  readonly stateName?: string;
  readonly detail?: string;
}

/** An execution as the Step Functions API describes it, with its machine's definition. */
export interface InspectedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly status: string;
  readonly startedAt: Date;
  readonly stoppedAt?: Date;
  readonly error?: string;
  readonly cause?: string;
  readonly definition: string;
}

/** The ports behind the Executions page: the business-key index and the Step Functions API. */
export interface ExecutionViews {
  /** Executions recorded under a business key (one Query on the workflow-executions table). */
  find(businessKey: string, workflow?: string): Promise<IndexedExecution[]>;
  /** The execution and its state machine's definition; undefined when there is no such execution. */
  describe(executionArn: string): Promise<InspectedExecution | undefined>;
  /** Every history event, oldest first. */
  history(executionArn: string): Promise<InspectedEvent[]>;
}

/** Most executions one lookup shows; one business record has a handful. */
const MAX_FOUND = 50;

/** `GET /executions?opportunity=|client=|project=`: the executions of one business record, with their status. */
export async function findExecutions(
  query: Record<string, string | undefined>,
  views: ExecutionViews | undefined,
): Promise<ExecutionSummary[]> {
  const parsed = ExecutionQuery.parse(query);
  const served = servedBy(views);
  const kind = parsed.opportunity !== undefined ? 'opportunity' : parsed.client !== undefined ? 'client' : 'project';
  const id = parsed.opportunity ?? parsed.client ?? parsed.project ?? '';
  // Opportunities and clients come from the CRM; projects are psflow's own ids (see projectIdFor).
  const system = SourceSystem.parse(parsed.system ?? (kind === 'project' ? 'psflow' : 'salesforce'));
  const found = (await served.find(businessKey(kind, { system, id }), parsed.workflow)).slice(0, MAX_FOUND);
  return Promise.all(
    found.map(async (execution) => ({
      workflow: execution.workflow,
      executionName: execution.executionName,
      executionArn: execution.executionArn,
      startedAt: execution.startedAt,
      status: (await served.describe(execution.executionArn))?.status ?? 'UNKNOWN',
    })),
  );
}

/** Longest input, output or cause shown per history event; the rest is a click away in the AWS console. */
const MAX_DETAIL_CHARS = 4000;

/**
 * `GET /executions/{executionArn}`: the status, the definition to draw, which states were
 * visited, which failed and where the execution is now, and the event history.
 */
export async function executionDetail(
  executionArn: string,
  views: ExecutionViews | undefined,
): Promise<ExecutionDetail> {
  const served = servedBy(views);
  if (!executionArn.startsWith('arn:') || !executionArn.includes(':execution:'))
    throw new TaskActionRefused(
      'InvalidRequest',
      `executionArn must be an execution ARN (arn:...:execution:<machine>:<name>), not "${executionArn.slice(0, 80)}"`,
    );
  const execution = await served.describe(executionArn);
  if (!execution) throw new TaskActionRefused('NotFound', `no execution ${executionArn}`);
  const events = await served.history(executionArn);
  const visited = new Set<string>();
  const failed = new Set<string>();
  let current: string | undefined;
  let open: string | undefined;
  for (const event of events) {
    if (event.type.endsWith('StateEntered') && event.stateName) {
      visited.add(event.stateName);
      open = event.stateName;
      current = event.stateName;
    }
    // A task's failure event names no state; it belongs to the state entered last and not yet exited.
    if (/(TaskFailed|TaskTimedOut|FunctionFailed|FunctionTimedOut|ExecutionFailed)$/.test(event.type) && open)
      failed.add(open);
    if (event.type.endsWith('StateExited') && event.stateName === open) open = undefined;
  }
  const history: ExecutionHistoryEvent[] = events.map((event) => ({
    id: event.id,
    type: event.type,
    at: event.at.toISOString(),
    ...(event.stateName ? { stateName: event.stateName } : {}),
    ...(event.detail ? { detail: cut(event.detail) } : {}),
  }));
  return {
    executionArn,
    name: execution.name,
    stateMachineArn: execution.stateMachineArn,
    status: execution.status,
    startedAt: execution.startedAt.toISOString(),
    ...(execution.stoppedAt ? { stoppedAt: execution.stoppedAt.toISOString() } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: cut(execution.cause) } : {}),
    definition: execution.definition,
    ...(current ? { currentState: current } : {}),
    failedStates: [...failed],
    visitedStates: [...visited],
    events: history,
  };
}

function servedBy(views: ExecutionViews | undefined): ExecutionViews {
  if (!views)
    throw new TaskActionRefused('NotFound', 'this deployment of the operations API does not serve executions');
  return views;
}

function cut(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)} ... (${text.length} characters)` : text;
}
