import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { connectors } from '../../shared/connectors/connector-registry';
import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { ApprovedPurchase } from '../../shared/procurement/procurement-state';
import { raisePurchaseOrderStep } from '../../shared/procurement/procurement-steps';
import { eventBridgeClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { metrics } from '../../shared/runtime/powertools';

const ports = {
  procurement: procurementConnectors.procurement(),
  purchaseOrders: connectors.erpPurchaseOrders(),
  events: new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
};

/** Lambda entry point of the `RaisePurchaseOrder` state of procurement. */
export const handler = lambdaHandler('RaisePurchaseOrder', ApprovedPurchase, async (state) => {
  const order = await raisePurchaseOrderStep(state, ports, new Date());
  metrics.addMetric('PurchaseOrderCycleTime', MetricUnit.Seconds, order.cycleTimeSeconds);
  return order;
});
