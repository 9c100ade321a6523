import { draftInvoice } from '../../shared/billing/billing-steps';
import { ReadyProject } from '../../shared/billing/billing-state';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { connectors } from '../../shared/connectors/connector-registry';

const erp = connectors.erpInvoices();

/** Lambda entry point of `DraftInvoice`. */
export const handler = lambdaHandler('DraftInvoice', ReadyProject, (state) => draftInvoice(state, erp, new Date()));
