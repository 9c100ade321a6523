import { voidInvoiceDraft } from '../../shared/billing/billing-steps';
import { ProjectCheckInput } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { connectors } from '../../shared/connectors/connector-registry';

const erp = connectors.erpInvoices();

/** Lambda entry point of `VoidInvoiceDraft`, the compensation of an aborted project check. */
export const handler = lambdaHandler('VoidInvoiceDraft', ProjectCheckInput, (state) => voidInvoiceDraft(state, erp));
