import { ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { cycleExecutionName } from '../../shared/billing/billing-steps';
import { CycleInput } from '../../shared/billing/billing-state';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { BillingReadinessTable } from '../../shared/repositories/billing-readiness-table';
import type { ProjectReadinessRecord } from '../../shared/billing/readiness-store';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';
import type { BillingRunStarted } from '../../shared/billing/start-billing-run';

/** Options of the billing commands. */
export interface BillingOptions {
  readonly region?: string;
  readonly period?: string;
  readonly project?: string;
  readonly runId?: string;
  readonly cutOff?: string;
  readonly note?: string;
}

function sfnClient(context: CliContext): SFNClient {
  const { endpoint } = context.options;
  return endpoint === 'aws'
    ? new SFNClient({})
    : new SFNClient({
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
      });
}

/**
 * `psflow billing run --region R --period P [--run-id ID] [--cut-off ISO]`: starts a region's
 * cycle on demand: in AWS through the operations API (`POST /billing/runs`, finance only, audited),
 * locally straight on the local cloud's Step Functions. The scheduled run is `run-1`; a rerun with another id checks every project
 * again, and drafts nothing twice (the invoice's idempotency key is the project and period).
 */
export async function runBillingCycle(context: CliContext, options: BillingOptions): Promise<void> {
  const parsed = CycleInput.safeParse({
    region: options.region,
    period: options.period,
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.cutOff ? { cutOffAt: options.cutOff } : {}),
    trigger: 'on-demand',
    requestedBy: context.options.as,
  });
  if (!parsed.success)
    throw new CliError(
      `psflow billing run --region EMEA|AMER|APAC --period YYYY-MM: ${parsed.error.issues.map((issue) => `--${String(issue.path[0])}: ${issue.message}`).join('; ')}`,
    );
  if (context.options.endpoint === 'aws') {
    // In AWS the operations API starts it: finance's role is checked and the start audited there.
    const started = await callApi<BillingRunStarted>(context, 'POST', '/billing/runs', {
      region: parsed.data.region,
      period: parsed.data.period,
      runId: parsed.data.runId,
      ...(parsed.data.cutOffAt ? { cutOffAt: parsed.data.cutOffAt } : {}),
    });
    return reportRun(context, started);
  }
  const sfn = sfnClient(context);
  try {
    const name = `psflow-${context.options.stage}-${WorkflowName.BillingReadiness}`;
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000 }));
    const machine = stateMachines.find((candidate) => candidate.name === name);
    if (!machine?.stateMachineArn) throw new CliError(`no state machine ${name} in this stage`);
    const executionName = cycleExecutionName(parsed.data.region, parsed.data.period, parsed.data.runId);
    let executionArn: string | undefined;
    let alreadyStarted = false;
    try {
      ({ executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machine.stateMachineArn,
          name: executionName,
          input: JSON.stringify(parsed.data),
        }),
      ));
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      alreadyStarted = true;
    }
    reportRun(context, { executionName, executionArn, alreadyStarted });
  } finally {
    sfn.destroy();
  }
}

function reportRun(
  context: CliContext,
  result: { executionName: string; executionArn?: string; alreadyStarted: boolean },
): void {
  if (context.options.json) return context.printJson(result);
  context.print(
    result.alreadyStarted
      ? `${result.executionName} was already started; use --run-id to run the cycle again`
      : `started ${result.executionName}`,
  );
}

/** `psflow billing status --region R --period P [--project ID]`: each project ready or blocked, with every finding. */
export async function billingStatus(context: CliContext, options: BillingOptions): Promise<void> {
  if (!options.region || !options.period)
    throw new CliError('psflow billing status --region R --period P [--project ID] [--json]');
  const table = new BillingReadinessTable(context.documents, context.tableName('billing-readiness'));
  let records: ProjectReadinessRecord[] = [];
  if (options.project) {
    const record = await table.get(options.region, options.period, options.project);
    if (!record) throw new CliError(`no check of ${options.project} in ${options.region} ${options.period}`);
    records = [record];
  } else {
    let cursor: string | undefined;
    do {
      const page = await table.list(options.region, options.period, 500, cursor);
      records.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
  }
  const cycle = await table.getCycle(options.region, options.period);
  if (context.options.json) return context.printJson({ cycle, projects: records });
  if (cycle)
    context.print(`${cycle.region} ${cycle.period}: cut-off ${cycle.cutOffAt} (policy ${cycle.policyVersion})`);
  if (records.length === 0) return context.print('no project checked yet');
  context.print(
    renderTable(
      ['PROJECT', 'STATUS', 'CHECKS', 'BLOCKING', 'INVOICE'],
      records.map((record) => [
        record.projectId,
        record.status === 'carried' ? `carried to ${record.carriedTo}` : record.status,
        String(record.checks),
        String(record.findings.filter((finding) => finding.blocks).length),
        record.invoiceId ? `${record.invoiceId} ${record.totalMinor} ${record.currency} (minor)` : '-',
      ]),
    ),
  );
  const findings = records.flatMap((record) =>
    record.findings.map((finding) => ({ ...finding, projectId: record.projectId })),
  );
  if (findings.length > 0)
    context.print(
      `\n${renderTable(
        ['PROJECT', 'FINDING', 'OWNER', 'DUE', 'RECORDS', 'WHY'],
        findings.map((finding) => [
          finding.projectId,
          finding.code,
          `${finding.owner} ${finding.ownerId}`,
          finding.dueAt,
          finding.recordIds.slice(0, 3).join(',') +
            (finding.recordIds.length > 3 ? ` +${finding.recordIds.length - 3}` : ''),
          finding.message,
        ]),
      )}`,
    );
}

/** `psflow billing recheck --project ID --period P`: checks a project again, as a fix event would. */
export async function recheckBillingProject(context: CliContext, options: BillingOptions): Promise<void> {
  if (!options.project || !options.period)
    throw new CliError('psflow billing recheck --project ID --period P [--note WHY]');
  const detail = {
    projectId: options.project,
    period: options.period,
    recordId: options.note ?? 'operator recheck',
    at: new Date().toISOString(),
    by: context.options.as,
  };
  const result = await context.events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: context.busName,
          Source: PsflowSource.Workflow,
          DetailType: WorkflowDetailType.BillingRecheckRequested,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  if (result.FailedEntryCount) throw new CliError(`the bus refused the recheck: ${result.Entries?.[0]?.ErrorMessage}`);
  if (context.options.json) return context.printJson({ requested: detail, eventId: result.Entries?.[0]?.EventId });
  context.print(`recheck of ${options.project} ${options.period} requested (event ${result.Entries?.[0]?.EventId})`);
}
