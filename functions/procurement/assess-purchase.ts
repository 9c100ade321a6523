import { connectors } from '../../shared/connectors/connector-registry';
import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { currentProcurementPolicy } from '../../shared/procurement/procurement-policy';
import { ProcurementState } from '../../shared/procurement/procurement-state';
import { assessPurchaseStep } from '../../shared/procurement/procurement-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const ports = {
  procurement: procurementConnectors.procurement(),
  purchaseOrders: connectors.erpPurchaseOrders(),
};

/** Lambda entry point of the `AssessPurchase` state of procurement. */
export const handler = lambdaHandler('AssessPurchase', ProcurementState, (state) =>
  assessPurchaseStep(state, ports, currentProcurementPolicy(), new Date()),
);
