import type { HrisConnector } from '../../shared/connectors/hris/hris-connector';
import type { PsaBookings } from '../../shared/connectors/psa/psa-bookings';
import { withCallRetries } from '../../shared/connectors/retrying-connector';
import { SandboxHrisConnector } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { SandboxPsaBookings } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { documentClient, eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { DynamoDbStaffingRequestStore } from '../../shared/staffing/staffing-request-store';

/**
 * The ports the staffing steps use, built once per function from the environment its construct
 * bound. Each getter builds on first use, so a function reads only the variables it was given.
 */
export const staffingPorts = {
  hris: (): HrisConnector =>
    withCallRetries(new SandboxHrisConnector(documentClient, requireEnv(EnvVar.SandboxHrisTable))),
  /** `choose` is the registry's choice of bookings over the sandbox's: the entry file passes its getter. */
  bookings: (choose: (sandbox: PsaBookings) => PsaBookings = (sandbox) => sandbox): PsaBookings =>
    choose(
      withCallRetries<PsaBookings>(
        new SandboxPsaBookings(
          documentClient,
          requireEnv(EnvVar.SandboxBookingsTable),
          process.env[EnvVar.SandboxRecordsTable]
            ? new SandboxRecordStore(documentClient, requireEnv(EnvVar.SandboxRecordsTable))
            : undefined,
        ),
      ),
    ),
  store: (): DynamoDbStaffingRequestStore =>
    new DynamoDbStaffingRequestStore(documentClient, requireEnv(EnvVar.StaffingRequestsTable)),
  events: (): EventBridgePublisher => new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
};
