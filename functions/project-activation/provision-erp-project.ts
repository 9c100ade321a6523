import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectors } from '../../shared/connectors/connector-registry';
import { provisionErpProject } from '../../shared/project-activation/activation-steps';
import { logger } from '../../shared/runtime/powertools';

const erp = connectors.erp();

/** Lambda entry point of the `ProvisionErpProject` state of project activation. */
export const handler = middy((event: unknown) => provisionErpProject(event, erp)).use(injectLambdaContext(logger));
