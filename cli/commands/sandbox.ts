import * as fs from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadBillingSections } from './sandbox-billing-load';
import { SystemFaults } from '../../shared/connectors/sandbox/sandbox-faults';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { sandboxCrmKey } from '../../shared/connectors/sandbox/sandbox-crm-connector';
import { seedSandbox } from '../../shared/connectors/sandbox/seed-sandbox';
import { SandboxHrisConnector } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { SandboxPsaBookings } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { loadStaffingRecords } from '../../shared/connectors/sandbox/staffing-sandbox-loader';
import { SandboxLoadFile } from '../../shared/connectors/sandbox/staffing-load-file';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { renderTable } from '../table-output';

const SYSTEMS = ['erp', 'psa', 'documents'] as const;

function store(context: CliContext): SandboxRecordStore {
  return new SandboxRecordStore(context.documents, context.tableName('sandbox-records'));
}

function system(name: string | undefined): string {
  if (!name || !(SYSTEMS as readonly string[]).includes(name))
    throw new CliError(`name a sandbox system: ${SYSTEMS.join(', ')}`);
  return name;
}

/** `psflow sandbox list SYSTEM TYPE`: records of a sandbox system, e.g. `erp project`. */
export async function listSandboxRecords(
  context: CliContext,
  systemName: string | undefined,
  type: string | undefined,
): Promise<void> {
  if (!type)
    throw new CliError(
      'psflow sandbox list SYSTEM TYPE, for example: erp project, erp billing, psa project, documents task-list',
    );
  const records = await store(context).list(system(systemName), type);
  if (context.options.json) return context.printJson(records);
  if (records.length === 0) return context.print(`no ${systemName} ${type} records`);
  context.print(
    renderTable(
      ['ID', 'CREATED', 'STATUS', 'PSFLOW PROJECT', 'KEY'],
      records.map((record) => [
        record.id,
        record.createdAt,
        String(record.status ?? '-'),
        String(record.psflowProjectId ?? record.erpProjectId ?? '-'),
        record.recordKey,
      ]),
    ),
  );
}

/** `psflow sandbox show KEY`. */
export async function showSandboxRecord(context: CliContext, recordKey: string | undefined): Promise<void> {
  if (!recordKey) throw new CliError('psflow sandbox show RECORD-KEY (as listed, e.g. erp#project#ERP-...)');
  const record = await store(context).get(recordKey);
  if (!record) throw new CliError(`no sandbox record ${recordKey}`);
  context.printJson(record);
}

/** `psflow sandbox faults SYSTEM [--set JSON|@file] [--clear]`: shows or changes fault injection. */
export async function sandboxFaults(
  context: CliContext,
  systemName: string | undefined,
  set: unknown,
  clear: boolean,
): Promise<void> {
  const name = system(systemName);
  if (set !== undefined && clear) throw new CliError('--set and --clear exclude each other');
  if (set !== undefined) {
    const parsed = SystemFaults.safeParse(set);
    if (!parsed.success)
      throw new CliError(
        `--set: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      );
    await store(context).setFaults(name, parsed.data);
  } else if (clear) {
    await store(context).setFaults(name, undefined);
  }
  const faults = (await store(context).getFaults(name)) ?? {};
  if (context.options.json) return context.printJson(faults);
  const entries = Object.entries(faults);
  if (entries.length === 0) return context.print(`no faults injected into ${name}`);
  context.print(
    renderTable(
      ['OPERATION', 'LATENCY MS', 'THROTTLE', 'UNAVAILABLE', 'TIMEOUT', 'REJECT'],
      entries.map(([operation, f]) => [
        operation,
        String(f.latencyMs),
        String(f.throttleRate),
        String(f.unavailableRate),
        String(f.timeoutRate),
        String(f.rejectRate),
      ]),
    ),
  );
}

/**
 * `psflow sandbox load FILE`: stages CRM accounts and opportunities, and HRIS people, leave and
 * holidays and PSA bookings, from a JSON file, replacing records with the same id. A booking over
 * capacity or a leave entry of an unknown person is refused and listed, and the command fails.
 */
export async function loadSandboxFile(context: CliContext, file: string | undefined): Promise<void> {
  if (!file)
    throw new CliError(
      'psflow sandbox load FILE ({ "accounts": [...], "opportunities": [...], "people": [...], "leave": [...], "bookings": [...] })',
    );
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = SandboxLoadFile.safeParse(data);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const table = context.tableName('sandbox-crm');
  for (const account of parsed.data.accounts)
    await context.documents.send(
      new PutCommand({
        TableName: table,
        Item: { recordKey: sandboxCrmKey('Account', account.accountId), ...account },
      }),
    );
  for (const opportunity of parsed.data.opportunities)
    await context.documents.send(
      new PutCommand({
        TableName: table,
        Item: { recordKey: sandboxCrmKey('Opportunity', opportunity.opportunityId), ...opportunity },
      }),
    );
  for (const sow of parsed.data.statementsOfWork)
    await context.documents.send(
      new PutCommand({ TableName: table, Item: { recordKey: sandboxCrmKey('Sow', sow.opportunityId), ...sow } }),
    );
  const staffing = await loadStaffingRecords(
    new SandboxHrisConnector(context.documents, context.tableName('sandbox-hris')),
    new SandboxPsaBookings(context.documents, context.tableName('sandbox-bookings'), undefined),
    parsed.data,
  );
  const billing = await loadBillingSections(context, file, data);
  const summary = {
    accounts: parsed.data.accounts.length,
    opportunities: parsed.data.opportunities.length,
    statementsOfWork: parsed.data.statementsOfWork.length,
    people: staffing.people,
    leave: staffing.leave,
    holidays: staffing.holidays,
    bookings: staffing.bookings,
    refused: staffing.refused,
    ...billing,
  };
  if (context.options.json) {
    context.printJson(summary);
  } else {
    context.print(
      `loaded ${summary.accounts} account(s), ${summary.opportunities} opportunity(ies) and ${summary.statementsOfWork} statement(s) of work into the sandbox CRM`,
    );
    // A file without staffing sections gets no line about them.
    if (summary.people + summary.leave + summary.holidays + summary.bookings + summary.refused.length > 0)
      context.print(
        `loaded ${summary.people} person(s), ${summary.leave} leave entry(ies), ${summary.holidays} holiday calendar(s) into the sandbox HRIS and ${summary.bookings} booking(s) into the sandbox PSA`,
      );
    if (billing)
      context.print(
        `loaded ${Object.entries(billing)
          .map(([section, count]) => `${count} ${section}`)
          .join(', ')} into the sandbox PSA billing records`,
      );
  }
  if (staffing.refused.length > 0)
    throw new CliError(
      `${file}: refused ${staffing.refused.map((refusal) => `${refusal.id}: ${refusal.reason}`).join('; ')}`,
    );
}

/** `psflow sandbox seed`: the demo data, where it is missing. */
export async function seedSandboxData(context: CliContext): Promise<void> {
  const result = await seedSandbox(context.documents, context.options.stage);
  if (context.options.json) return context.printJson(result);
  context.print(`${result.written} demo record(s) written, ${result.kept} already present`);
}
