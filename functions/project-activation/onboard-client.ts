import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectors } from '../../shared/connectors/connector-registry';
import { onboardClient } from '../../shared/project-activation/activation-steps';
import { logger } from '../../shared/runtime/powertools';

const documents = connectors.documents();

/** Lambda entry point of the `OnboardClient` state of project activation. */
export const handler = middy((event: unknown) => onboardClient(event, documents)).use(injectLambdaContext(logger));
