import * as z from 'zod';
import { BillingProject, ProjectAssignment } from '../../billing/billing-ports';
import { Expense, Milestone, TimeEntry } from '../psa/psa-billing-records';

/**
 * The billing sections of a `psflow sandbox load FILE`: billing projects, who is booked on them
 * (with their leave), and the PSA's time entries, expenses and milestones. They may sit in the
 * same file as the CRM sections; each loader reads its own.
 */
export const BillingLoadFile = z.object({
  billingProjects: z.array(BillingProject).default([]),
  billingAssignments: z.array(ProjectAssignment).default([]),
  timeEntries: z.array(TimeEntry).default([]),
  expenses: z.array(Expense).default([]),
  milestones: z.array(Milestone).default([]),
});
/** Typed {@link BillingLoadFile}. */
export type BillingLoadFile = z.infer<typeof BillingLoadFile>;

/** The sections {@link BillingLoadFile} reads, so a loader can tell which of them a file holds. */
export const BILLING_LOAD_SECTIONS = Object.keys(BillingLoadFile.shape);

/** Where the billing load format's JSON Schema is published, relative to the repository root. */
export const BILLING_LOAD_FILE_SCHEMA_PATH = 'docs/schemas/sandbox-billing.schema.json';

/** The JSON Schema of {@link BillingLoadFile} as a file's author writes it (lists that default to empty are optional). */
export function billingLoadFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(BillingLoadFile, { io: 'input', target: 'draft-2020-12' }),
    title: 'psflow sandbox billing load file',
    description:
      'Billing projects, assignments (with leave), time entries, expenses and milestones for `psflow sandbox load FILE`; a record replaces the one with the same id. Hours, amounts and currencies are taken as the PSA holds them: wrong ones become readiness findings, not load errors.',
  };
}
