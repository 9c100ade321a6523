import * as fs from 'node:fs';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { ApiRefusal, callApi } from '../operations-client';
import { renderTable } from '../table-output';

interface ExceptionView {
  readonly exceptionId: string;
  readonly workflow: string;
  readonly executionArn: string;
  readonly step: string;
  readonly attempt: number;
  readonly ownerRole: string;
  readonly reasonCode: string;
  readonly message: string;
  readonly status: string;
  readonly createdAt: string;
  readonly dueAt: string;
  readonly stepInput: unknown;
  readonly links: { execution: string; console: string };
  readonly resolution?: { action: string; by: string; at: string; note: string; reference?: string };
}

/** Filters of `list` and `bulk-retry`. */
export interface ExceptionFilterOptions {
  readonly status?: string;
  readonly owner?: string;
  readonly workflow?: string;
  readonly client?: string;
  readonly project?: string;
}

function query(filter: ExceptionFilterOptions): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) parameters.set(key, value);
  const text = parameters.toString();
  return text ? `?${text}` : '';
}

/** Reads a JSON option given inline or as `@file`. */
export function jsonOption(value: string | undefined, name: string): unknown {
  if (value === undefined) return undefined;
  const text = value.startsWith('@') ? fs.readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`--${name} is not JSON: ${(error as Error).message}`);
  }
}

/** `psflow exceptions list`. */
export async function listExceptions(context: CliContext, filter: ExceptionFilterOptions): Promise<void> {
  const items = await callApi<ExceptionView[]>(context, 'GET', `/exceptions${query(filter)}`);
  if (context.options.json) return context.printJson(items);
  if (items.length === 0) return context.print('no exceptions match');
  context.print(
    renderTable(
      ['EXCEPTION', 'STATUS', 'OWNER', 'WORKFLOW', 'STEP', 'TRY', 'REASON', 'FILED'],
      items.map((item) => [
        item.exceptionId,
        item.status,
        item.ownerRole,
        item.workflow,
        item.step,
        String(item.attempt),
        `${item.reasonCode}: ${item.message}`,
        item.createdAt,
      ]),
    ),
  );
  context.print('\nAct: psflow exceptions retry|skip|abort <EXCEPTION> --as USER');
}

/** `psflow exceptions show`. */
export async function showException(context: CliContext, exceptionId: string | undefined): Promise<void> {
  if (!exceptionId) throw new CliError('name the exception: psflow exceptions show <EXCEPTION>');
  const item = await callApi<ExceptionView>(context, 'GET', `/exceptions/${encodeURIComponent(exceptionId)}`);
  if (context.options.json) return context.printJson(item);
  context.print(
    [
      `${item.exceptionId}  ${item.status.toUpperCase()}  owner ${item.ownerRole}  due ${item.dueAt}`,
      `${item.workflow} / ${item.step} (attempt ${item.attempt}): ${item.reasonCode}`,
      item.message,
      ...(item.resolution
        ? [
            `${item.resolution.action} by ${item.resolution.by} at ${item.resolution.at}: ${item.resolution.note}${item.resolution.reference ? ` [${item.resolution.reference}]` : ''}`,
          ]
        : []),
      `execution: ${item.links.execution}`,
      `console:   ${item.links.console}`,
      'step input:',
      JSON.stringify(item.stepInput, null, 2),
    ].join('\n'),
  );
}

/** `psflow exceptions retry`. */
export async function retryException(
  context: CliContext,
  exceptionId: string | undefined,
  patch: string | undefined,
  note: string | undefined,
): Promise<void> {
  if (!exceptionId) throw new CliError('name the exception: psflow exceptions retry <EXCEPTION> [--patch JSON]');
  const item = await callApi<ExceptionView>(context, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/retry`, {
    patch: jsonOption(patch, 'patch'),
    note,
  });
  if (context.options.json) return context.printJson(item);
  context.print(
    `retrying ${item.step} of ${item.executionArn}; see the outcome with: psflow exceptions show ${exceptionId}`,
  );
}

/** `psflow exceptions skip`. */
export async function skipException(
  context: CliContext,
  exceptionId: string | undefined,
  output: string | undefined,
  note: string | undefined,
  reference: string | undefined,
): Promise<void> {
  if (!exceptionId || output === undefined || !note || !reference)
    throw new CliError(
      'psflow exceptions skip <EXCEPTION> --output JSON --note TEXT --reference REF (the evidence of the manual fallback)',
    );
  const item = await callApi<ExceptionView>(context, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/skip`, {
    output: jsonOption(output, 'output'),
    note,
    reference,
  });
  if (context.options.json) return context.printJson(item);
  context.print(`skipped ${item.step}; the workflow continues with the output you supplied`);
}

/** `psflow exceptions abort`. */
export async function abortException(
  context: CliContext,
  exceptionId: string | undefined,
  note: string | undefined,
): Promise<void> {
  if (!exceptionId || !note) throw new CliError('psflow exceptions abort <EXCEPTION> --note TEXT');
  const item = await callApi<ExceptionView>(context, 'POST', `/exceptions/${encodeURIComponent(exceptionId)}/abort`, {
    note,
  });
  if (context.options.json) return context.printJson(item);
  context.print(`aborted ${item.executionArn}; its compensation runs now`);
}

/** The outcome of one item of a bulk retry, after its step re-ran (or why it did not). */
export interface BulkRetryOutcome {
  readonly exceptionId: string;
  readonly outcome: string;
  readonly detail?: string;
  readonly nextExceptionId?: string;
}

/**
 * `psflow exceptions bulk-retry`: retries every open exception the filter matches, then waits
 * until each re-run has an outcome (succeeded, failed again with a new exception, the
 * execution ended) and reports that, not "submitted".
 */
export async function bulkRetryExceptions(
  context: CliContext,
  filter: ExceptionFilterOptions,
  patch: string | undefined,
  note: string | undefined,
  waitSeconds: number,
): Promise<void> {
  const items = await callApi<ExceptionView[]>(context, 'GET', `/exceptions${query({ ...filter, status: 'open' })}`);
  if (items.length === 0)
    return context.options.json ? context.printJson([]) : context.print('no open exceptions match');
  context.print(`retrying ${items.length} exception(s) ...`);
  const outcomes = new Map<string, BulkRetryOutcome>();
  for (const item of items) {
    try {
      await callApi(context, 'POST', `/exceptions/${encodeURIComponent(item.exceptionId)}/retry`, {
        patch: jsonOption(patch, 'patch'),
        note: note ?? 'bulk retry',
      });
    } catch (error) {
      if (!(error instanceof ApiRefusal)) throw error;
      outcomes.set(item.exceptionId, { exceptionId: item.exceptionId, outcome: 'refused', detail: error.message });
    }
  }
  const deadline = Date.now() + waitSeconds * 1000;
  let pending = items.filter((item) => !outcomes.has(item.exceptionId));
  while (pending.length > 0) {
    for (const item of pending) {
      const outcome = await callApi<BulkRetryOutcome>(
        context,
        'GET',
        `/exceptions/${encodeURIComponent(item.exceptionId)}/outcome`,
      );
      if (outcome.outcome !== 'running') outcomes.set(item.exceptionId, outcome);
    }
    pending = pending.filter((item) => !outcomes.has(item.exceptionId));
    if (pending.length === 0 || Date.now() > deadline) break;
    context.print(`  ${items.length - pending.length} of ${items.length} settled, waiting ...`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const item of pending)
    outcomes.set(item.exceptionId, {
      exceptionId: item.exceptionId,
      outcome: 'still-running',
      detail: `no outcome within ${waitSeconds} s`,
    });
  const results = items.map((item) => outcomes.get(item.exceptionId) as BulkRetryOutcome);
  if (context.options.json) return context.printJson(results);
  context.print(
    renderTable(
      ['EXCEPTION', 'OUTCOME', 'DETAIL'],
      results.map((result) => [
        result.exceptionId,
        result.outcome,
        result.nextExceptionId ? `new exception ${result.nextExceptionId}: ${result.detail}` : (result.detail ?? ''),
      ]),
      100,
    ),
  );
  const counts = results.reduce<Record<string, number>>(
    (totals, result) => ({ ...totals, [result.outcome]: (totals[result.outcome] ?? 0) + 1 }),
    {},
  );
  context.print(
    `\n${Object.entries(counts)
      .map(([outcome, count]) => `${count} ${outcome}`)
      .join(', ')}`,
  );
}
