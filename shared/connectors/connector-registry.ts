import { documentClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';
import { parseConnectorSelection, type ConnectorSelection } from '../integrations/connector-selection';
import { governedClient, runtimeSecrets, stageSecretName } from '../integrations/integration-runtime';
import { BusinessCentralErpConnector } from './business-central/business-central-erp-connector';
import type { CrmConnector } from './crm/crm-connector';
import type { DocumentsConnector } from './documents/documents-connector';
import type { ErpConnector } from './erp/erp-connector';
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
      ? new BusinessCentralErpConnector(
          governedClient('erp', 'business-central-api'),
          runtimeSecrets(),
          stageSecretName('business-central-api'),
        )
      : withCallRetries(new SandboxErpConnector(records())),
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

function kantata(): KantataApi {
  return new KantataApi(governedClient('psa', 'kantata-api'), runtimeSecrets(), stageSecretName('kantata-api'));
}

let store: SandboxRecordStore | undefined;

function records(): SandboxRecordStore {
  store ??= new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable));
  return store;
}
