import { recordInvoiceDrafted } from '../../shared/billing/billing-steps';
import { DraftedProject } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const deps = { store: billing.store(), tasks: billing.tasks(), publisher: billing.publisher(), policy: billing.policy };

/** Lambda entry point of `RecordInvoiceDrafted`. */
export const handler = lambdaHandler('RecordInvoiceDrafted', DraftedProject, (state) =>
  recordInvoiceDrafted(state, deps),
);
