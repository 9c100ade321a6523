import { withCallRetries } from '../connectors/retrying-connector';
import { SandboxBillingStore } from '../connectors/sandbox/sandbox-billing-store';
import { SandboxRecordStore } from '../connectors/sandbox/sandbox-record-store';
import { EventBridgePublisher } from '../events/eventbridge-publisher';
import { ChangeRequestsTable } from '../repositories/change-requests-table';
import { documentClient, eventBridgeClient } from '../runtime/aws-clients';
import { EnvVar, requireEnv } from '../runtime/environment';
import type { ChangeControlPorts } from './change-steps';
import { SandboxChangeApplication } from './sandbox-change-application';
import { SandboxChangePorts } from './sandbox-change-ports';

/**
 * The ports change control uses, sandboxes by default, kept beside the workflow (like
 * procurement's) so real ERP and PSA adapters can be wired here. Each is made on first use, so
 * a function binds only the tables and the bus it needs.
 */
export const changeControlConnectors = {
  reads: (): SandboxChangePorts =>
    withCallRetries(
      new SandboxChangePorts(
        records(),
        new SandboxBillingStore(documentClient, requireEnv(EnvVar.SandboxBillingTable)),
      ),
    ),
  application: (): SandboxChangeApplication => withCallRetries(new SandboxChangeApplication(records())),
  log: (): ChangeRequestsTable => new ChangeRequestsTable(documentClient, requireEnv(EnvVar.ChangeRequestsTable)),
  events: (): EventBridgePublisher => new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
};

/** Every port over the sandboxes: the read ports, the application, the change log and the bus. */
export function changeControlPorts(): ChangeControlPorts {
  const reads = changeControlConnectors.reads();
  return {
    plans: reads,
    costRates: reads,
    bookings: reads,
    approvedHours: reads,
    billing: reads,
    application: changeControlConnectors.application(),
    log: changeControlConnectors.log(),
    events: changeControlConnectors.events(),
  };
}

let store: SandboxRecordStore | undefined;

function records(): SandboxRecordStore {
  store ??= new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable));
  return store;
}
