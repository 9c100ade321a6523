import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectors } from '../../shared/connectors/connector-registry';
import { prepareEngagement } from '../../shared/project-activation/engagement';
import { logger } from '../../shared/runtime/powertools';

const crm = connectors.crm();

/** Lambda entry point of the `PrepareEngagement` state of project activation. */
export const handler = middy((event: unknown) => prepareEngagement(event, crm)).use(injectLambdaContext(logger));
