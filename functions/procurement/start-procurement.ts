import * as z from 'zod';
import { startPurchase } from '../../shared/procurement/purchases-api';
import { purchaseRequestFromSubcontractorRequested } from '../../shared/procurement/subcontractor-requested';
import { stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const launcher = new StepFunctionsLauncher(stepFunctionsClient, {
  [WorkflowName.Procurement]: requireEnv(EnvVar.ProcurementStateMachineArn),
});

const BusEvent = z.object({
  id: z.string().optional(),
  source: z.string().optional(),
  'detail-type': z.string().optional(),
  detail: z.unknown(),
});

/**
 * Target of the `Subcontractor Requested` rule: starts procurement under a name derived from the
 * staffing request, so a duplicate delivery finds it started. An invalid event fails with the
 * reason, and EventBridge's retries end in the stage's dead-letter queue, where it is kept.
 */
export const handler = lambdaHandler('StartProcurement', BusEvent, async (event) => {
  const request = purchaseRequestFromSubcontractorRequested(event);
  const started = await startPurchase(request, launcher);
  logger.info('procurement started', { ...started });
  return started;
});
