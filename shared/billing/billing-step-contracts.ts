import type { StepContract } from '../workflows/step-contract';
import { InvoiceDraftResult, ReadyProject } from './billing-state';

/**
 * The guarded steps of a project's billing check, by state name. What the check found billable
 * (the invoice lines and totals) is what finance may not change in a retry: a correction goes
 * back to the PSA, and the fix's recheck computes the invoice afresh.
 */
export const BILLING_STEP_CONTRACTS: Readonly<Record<string, StepContract>> = {
  DraftInvoice: { input: ReadyProject, output: InvoiceDraftResult, approvedFields: ['/readiness/invoice'] },
};
