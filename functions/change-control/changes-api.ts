import * as z from 'zod';
import { CHANGE_ROUTES } from '../../shared/change-control/changes-api';
import { handleDomainRequest } from '../../shared/procurement/domain-api';
import { ChangeRequestsTable } from '../../shared/repositories/change-requests-table';
import { DirectoryTable } from '../../shared/repositories/directory-table';
import { documentClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv } from '../../shared/runtime/environment';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { logger } from '../../shared/runtime/powertools';

const dependencies = {
  directory: new DirectoryTable(documentClient, requireEnv(EnvVar.DirectoryTable)),
  changes: new ChangeRequestsTable(documentClient, requireEnv(EnvVar.ChangeRequestsTable)),
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

/** Lambda entry point of the changes routes of the HTTP API: a project's change history, and one change. */
export const handler = lambdaHandler('ChangesApi', HttpApiEvent, async (event) => {
  const result = await handleDomainRequest(CHANGE_ROUTES, event, dependencies);
  if (result.statusCode >= 400)
    logger.warn('request refused', { routeKey: event.routeKey, status: result.statusCode, body: result.body });
  return result;
});
