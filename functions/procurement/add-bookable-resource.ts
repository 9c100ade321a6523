import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { OrderedPurchase } from '../../shared/procurement/procurement-state';
import { addBookableResourceStep } from '../../shared/procurement/procurement-steps';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

const resources = procurementConnectors.resources();

/** Lambda entry point of the `AddBookableResource` state of procurement. */
export const handler = lambdaHandler('AddBookableResource', OrderedPurchase, (state) =>
  addBookableResourceStep(state, resources, new Date()),
);
