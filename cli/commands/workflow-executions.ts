import { WorkflowExecutionsTable } from '../../shared/repositories/workflow-executions-table';
import { businessKey, WorkflowName } from '../../shared/workflows/workflow-names';
import { SourceSystem } from '../../shared/model/primitives';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { renderTable } from '../table-output';

/** What `psflow executions find` searches by. */
export interface ExecutionQuery {
  readonly opportunity?: string;
  readonly client?: string;
  readonly project?: string;
  readonly system: string;
  readonly workflow?: string;
}

/** `psflow executions find`: the workflow executions of one business record, without a scan. */
export async function findExecutions(context: CliContext, query: ExecutionQuery): Promise<void> {
  const given = (['opportunity', 'client', 'project'] as const).filter((kind) => query[kind] !== undefined);
  if (given.length !== 1) throw new CliError('name exactly one of --opportunity ID, --client ID or --project ID');
  const system = SourceSystem.safeParse(query.system);
  if (!system.success) throw new CliError(`--system must be one of ${SourceSystem.options.join(', ')}`);
  const workflows = Object.values(WorkflowName) as string[];
  if (query.workflow !== undefined && !workflows.includes(query.workflow))
    throw new CliError(`--workflow must be one of ${workflows.join(', ')}`);
  const kind = given[0];
  const key = businessKey(kind, { system: system.data, id: query[kind] as string });
  const found = await new WorkflowExecutionsTable(context.documents, context.tableName('workflow-executions')).find(
    key,
    query.workflow as WorkflowName | undefined,
  );
  if (context.options.json) return context.printJson(found);
  if (found.length === 0) return context.print(`no workflow executions recorded for ${key}`);
  context.print(
    renderTable(
      ['WORKFLOW', 'EXECUTION', 'STARTED', 'EXECUTION ARN'],
      found.map((item) => [item.workflow, item.executionName, item.startedAt, item.executionArn]),
      120,
    ),
  );
  context.print(
    `\nHistory: aws --endpoint-url ${context.options.endpoint} stepfunctions get-execution-history --execution-arn <EXECUTION ARN>`,
  );
}
