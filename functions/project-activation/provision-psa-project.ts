import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectors } from '../../shared/connectors/connector-registry';
import { provisionPsaProject } from '../../shared/project-activation/activation-steps';
import { logger } from '../../shared/runtime/powertools';

const psa = connectors.psa();

/** Lambda entry point of the `ProvisionPsaProject` state of project activation. */
export const handler = middy((event: unknown) => provisionPsaProject(event, psa)).use(injectLambdaContext(logger));
