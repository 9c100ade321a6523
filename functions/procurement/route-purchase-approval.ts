import { currentProcurementPolicy } from '../../shared/procurement/procurement-policy';
import { RouteInput, routePurchaseApproval } from '../../shared/procurement/purchase-approval-route';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';

/** Lambda entry point of the `RoutePurchaseApproval` state: levels from the procurement policy. */
export const handler = lambdaHandler('RoutePurchaseApproval', RouteInput, (input) =>
  routePurchaseApproval(currentProcurementPolicy(), input),
);
