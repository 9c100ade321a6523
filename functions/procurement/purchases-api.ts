import * as z from 'zod';
import { handleDomainRequest } from '../../shared/procurement/domain-api';
import { procurementConnectors } from '../../shared/procurement/procurement-connectors';
import { PURCHASE_ROUTES } from '../../shared/procurement/purchases-api';
import { DirectoryTable } from '../../shared/repositories/directory-table';
import { documentClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';
import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { WorkflowName } from '../../shared/workflows/workflow-names';

const dependencies = {
  directory: new DirectoryTable(documentClient, requireEnv(EnvVar.DirectoryTable)),
  procurement: procurementConnectors.procurement(),
  launcher: new StepFunctionsLauncher(stepFunctionsClient, {
    [WorkflowName.Procurement]: requireEnv(EnvVar.ProcurementStateMachineArn),
  }),
  now: () => new Date(),
};

const HttpApiEvent = z.object({
  routeKey: z.string(),
  pathParameters: z.record(z.string(), z.string().optional()).optional(),
  queryStringParameters: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z
    .object({
      authorizer: z
        .object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()).optional() }).optional() })
        .optional(),
    })
    .optional(),
});

/** Lambda entry point of the purchases routes of the HTTP API. */
export const handler = lambdaHandler('PurchasesApi', HttpApiEvent, async (event) => {
  const result = await handleDomainRequest(PURCHASE_ROUTES, event, dependencies);
  if (result.statusCode >= 400)
    logger.warn('request refused', { routeKey: event.routeKey, status: result.statusCode, body: result.body });
  return result;
});
