import { BILLING_LOAD_SECTIONS, BillingLoadFile } from '../../shared/connectors/sandbox/billing-load-file';
import { SandboxBillingAssignments } from '../../shared/connectors/sandbox/sandbox-billing-assignments';
import { SandboxBillingStore } from '../../shared/connectors/sandbox/sandbox-billing-store';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';

/** The short name of the sandbox billing table. */
export const SANDBOX_BILLING_TABLE = 'sandbox-billing';

/**
 * Loads the billing sections of a `psflow sandbox load` file into the sandbox PSA billing
 * records; `undefined` when the file has none. The whole file is checked before anything is
 * written, and every offending path is named.
 */
export async function loadBillingSections(
  context: CliContext,
  file: string,
  data: unknown,
): Promise<Record<string, number> | undefined> {
  if (typeof data !== 'object' || data === null || !BILLING_LOAD_SECTIONS.some((section) => section in data))
    return undefined;
  const parsed = BillingLoadFile.safeParse(data);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const table = context.tableName(SANDBOX_BILLING_TABLE);
  const store = new SandboxBillingStore(context.documents, table);
  await store.putProjects(parsed.data.billingProjects);
  await new SandboxBillingAssignments(context.documents, table).putAssignments(parsed.data.billingAssignments);
  await store.putRecords(parsed.data);
  return Object.fromEntries(BILLING_LOAD_SECTIONS.map((section) => [section, sectionLength(parsed.data, section)]));
}

function sectionLength(file: BillingLoadFile, section: string): number {
  const value: unknown = Object.entries(file).find(([name]) => name === section)?.[1];
  return Array.isArray(value) ? value.length : 0;
}
