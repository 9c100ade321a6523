import { voidInvoiceDraft } from '../../shared/billing/billing-steps';
import { ProjectCheckInput } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { billing } from './billing-dependencies';

const erp = billing.erp();

/** Lambda entry point of `VoidInvoiceDraft`, the compensation of an aborted project check. */
export const handler = lambdaHandler('VoidInvoiceDraft', ProjectCheckInput, (state) => voidInvoiceDraft(state, erp));
