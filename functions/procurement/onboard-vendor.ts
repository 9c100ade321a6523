import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { AssessedPurchase } from '../../shared/procurement/procurement-state';
import { onboardVendorStep } from '../../shared/procurement/procurement-steps';
import { eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = {
  procurement: procurementConnectors.procurement(),
  documents: procurementConnectors.documents(),
  events: new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
};

/** Lambda entry point of the `OnboardVendor` state of procurement. */
export const handler = lambdaHandler('OnboardVendor', AssessedPurchase, (state) =>
  onboardVendorStep(state, ports, new Date()),
);
