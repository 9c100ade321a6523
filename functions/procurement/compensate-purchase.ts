import { connectors } from '../../shared/connectors/connector-registry';
import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { PurchaseCompensationInput } from '../../shared/procurement/procurement-state';
import { compensatePurchase } from '../../shared/procurement/procurement-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const ports = {
  procurement: procurementConnectors.procurement(),
  purchaseOrders: connectors.erpPurchaseOrders(),
  resources: procurementConnectors.resources(),
};

/** Lambda entry point of the `CompensatePurchase` state: cancels and retires, never deletes. */
export const handler = lambdaHandler('CompensatePurchase', PurchaseCompensationInput, async (input) => {
  const result = await compensatePurchase(input, ports, new Date());
  logger.warn('purchase compensated', { actions: result.actions });
  return result;
});
