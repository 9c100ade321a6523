import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { PreparedActivation } from '../../shared/project-activation/activation-state';
import { requestResources } from '../../shared/project-activation/activation-steps';
import { eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const events = new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName));

/** Lambda entry point of the `RequestResources` state of project activation. */
export const handler = lambdaHandler('RequestResources', PreparedActivation, (state) =>
  requestResources(state, events, new Date()),
);
