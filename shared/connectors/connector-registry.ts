import { documentClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';
import type { CrmConnector } from './crm/crm-connector';
import type { DocumentsConnector } from './documents/documents-connector';
import type { ErpConnector } from './erp/erp-connector';
import type { PsaConnector } from './psa/psa-connector';
import { SandboxCrmConnector } from './sandbox/sandbox-crm-connector';
import { SandboxDocumentsConnector } from './sandbox/sandbox-documents-connector';
import { SandboxErpConnector } from './sandbox/sandbox-erp-connector';
import { SandboxPsaConnector } from './sandbox/sandbox-psa-connector';
import { SandboxRecordStore } from './sandbox/sandbox-record-store';
import { withCallRetries } from './retrying-connector';

/**
 * The connectors a function uses. The sandbox systems are the embedded default; a real
 * connector replaces one here, behind the same port, without touching a workflow step.
 */
export const connectors = {
  crm: (): CrmConnector => withCallRetries(new SandboxCrmConnector(documentClient, requireEnv(EnvVar.SandboxCrmTable))),
  erp: (): ErpConnector => withCallRetries(new SandboxErpConnector(records())),
  psa: (): PsaConnector => withCallRetries(new SandboxPsaConnector(records())),
  documents: (): DocumentsConnector => withCallRetries(new SandboxDocumentsConnector(records())),
};

let store: SandboxRecordStore | undefined;

function records(): SandboxRecordStore {
  store ??= new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable));
  return store;
}
