import type { DocumentsConnector } from '../connectors/documents/documents-connector';
import type { ProcurementConnector } from '../connectors/procurement/procurement-connector';
import { SandboxProcurementConnector } from '../connectors/procurement/sandbox-procurement-connector';
import type { PsaResources } from '../connectors/psa/psa-resources';
import { withCallRetries } from '../connectors/retrying-connector';
import { SandboxDocumentsConnector } from '../connectors/sandbox/sandbox-documents-connector';
import { SandboxPsaResources } from '../connectors/sandbox/sandbox-psa-resources';
import { SandboxRecordStore } from '../connectors/sandbox/sandbox-record-store';
import { documentClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';

/**
 * The ports procurement uses that have only sandbox implementations so far. Kept beside the
 * workflow rather than in the shared connector registry until a real one exists; the ERP's
 * purchase orders, which Business Central implements, come from the registry
 * (`connectors.erpPurchaseOrders()`).
 */
export const procurementConnectors = {
  procurement: (): ProcurementConnector =>
    withCallRetries(new SandboxProcurementConnector(documentClient, requireEnv(EnvVar.SandboxProcurementTable))),
  resources: (): PsaResources => withCallRetries(new SandboxPsaResources(records())),
  documents: (): DocumentsConnector => withCallRetries(new SandboxDocumentsConnector(records())),
};

let store: SandboxRecordStore | undefined;

function records(): SandboxRecordStore {
  store ??= new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable));
  return store;
}
