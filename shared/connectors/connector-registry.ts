import { documentClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';
import { parseConnectorSelection, type ConnectorSelection } from '../integrations/connector-selection';
import { governedClient, runtimeSecrets, stageSecretName } from '../integrations/integration-runtime';
import { BusinessCentralApi } from './business-central/business-central-client';
import { BusinessCentralErpConnector } from './business-central/business-central-erp-connector';
import { BusinessCentralInvoices } from './business-central/business-central-invoices';
import { BusinessCentralPurchaseOrders } from './business-central/business-central-purchase-orders';
import type { CrmConnector } from './crm/crm-connector';
import type { DocumentsConnector } from './documents/documents-connector';
import type { ErpConnector } from './erp/erp-connector';
import type { ErpInvoices } from './erp/erp-invoices';
import type { ErpPurchaseOrders } from './erp/erp-purchase-orders';
import { KantataApi } from './kantata/kantata-client';
import { KantataBillingRecords } from './kantata/kantata-billing-records';
import { KantataPsaBookings } from './kantata/kantata-psa-bookings';
import { KantataPsaConnector } from './kantata/kantata-psa-connector';
import type { PsaBookings } from './psa/psa-bookings';
import type { PsaBillingRecords } from './psa/psa-billing-records';
import type { PsaConnector } from './psa/psa-connector';
import { SalesforceCrmConnector } from './salesforce/salesforce-crm-connector';
import { SandboxCrmConnector } from './sandbox/sandbox-crm-connector';
import { SandboxDocumentsConnector } from './sandbox/sandbox-documents-connector';
import { SandboxErpConnector } from './sandbox/sandbox-erp-connector';
import { SandboxErpInvoices } from './sandbox/sandbox-erp-invoices';
import { SandboxErpPurchaseOrders } from './sandbox/sandbox-erp-purchase-orders';
import { SandboxPsaConnector } from './sandbox/sandbox-psa-connector';
import { SandboxRecordStore } from './sandbox/sandbox-record-store';
import { withCallRetries } from './retrying-connector';

/**
 * The one place every connector is built, ingestion's CRM included. Which one is
 * configuration: the stage's choice reaches each function as `PSFLOW_CONNECTORS`
 * (`crm=salesforce,erp=sandbox,...`, see `shared/integrations/connector-selection.ts`), and a
 * function without it uses the sandbox systems. A real connector retries per the API
 * catalogue inside its governed client, so only the sandbox ones get the call-retry wrapper.
 */
export const connectors = {
  crm: (): CrmConnector =>
    selection().crm === 'salesforce'
      ? new SalesforceCrmConnector(
          governedClient('crm', 'salesforce-rest'),
          runtimeSecrets(),
          stageSecretName('salesforce-rest'),
        )
      : withCallRetries(new SandboxCrmConnector(documentClient, requireEnv(EnvVar.SandboxCrmTable))),
  erp: (): ErpConnector =>
    selection().erp === 'business-central'
      ? new BusinessCentralErpConnector(businessCentral())
      : withCallRetries(new SandboxErpConnector(records())),
  /** Billing's invoice drafts: Business Central `salesInvoices` when the stage chose it, else the sandbox ERP's. */
  erpInvoices: (): ErpInvoices =>
    selection().erp === 'business-central'
      ? new BusinessCentralInvoices(businessCentral())
      : withCallRetries(new SandboxErpInvoices(records())),
  /** Procurement's purchase orders: Business Central `purchaseOrders` when the stage chose it, else the sandbox ERP's. */
  erpPurchaseOrders: (): ErpPurchaseOrders =>
    selection().erp === 'business-central'
      ? new BusinessCentralPurchaseOrders(businessCentral())
      : withCallRetries(new SandboxErpPurchaseOrders(records())),
  psa: (): PsaConnector =>
    selection().psa === 'kantata'
      ? new KantataPsaConnector(kantata())
      : withCallRetries(new SandboxPsaConnector(records())),
  /**
   * Billing's PSA records: the time entries from Kantata when the stage chose it, the rest (and
   * everything on the sandbox) from `others`, the records source billing already has.
   */
  psaBillingRecords: (others: PsaBillingRecords): PsaBillingRecords =>
    selection().psa === 'kantata' ? new KantataBillingRecords(kantata(), others) : others,
  /**
   * Staffing's bookings: Kantata's workspace allocations when the stage chose it, with the
   * utilisation targets (not a Kantata concept) still read from `others`; otherwise `others`.
   */
  psaBookings: (others: PsaBookings): PsaBookings =>
    selection().psa === 'kantata' ? new KantataPsaBookings(kantata(), () => others.utilisationTargets()) : others,
  documents: (): DocumentsConnector => withCallRetries(new SandboxDocumentsConnector(records())),
};

/** The stage's connector choice, as the construct passed it. */
export function selection(): ConnectorSelection {
  return parseConnectorSelection(process.env[EnvVar.Connectors] ?? '');
}

function businessCentral(): BusinessCentralApi {
  return new BusinessCentralApi(
    governedClient('erp', 'business-central-api'),
    runtimeSecrets(),
    stageSecretName('business-central-api'),
  );
}

function kantata(): KantataApi {
  return new KantataApi(governedClient('psa', 'kantata-api'), runtimeSecrets(), stageSecretName('kantata-api'));
}

let store: SandboxRecordStore | undefined;

function records(): SandboxRecordStore {
  store ??= new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable));
  return store;
}
