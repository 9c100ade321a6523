import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { postDrillEntry } from '../../shared/operations-drill/post-drill-entry';
import { documentClient } from '../../shared/runtime/aws-clients';
import { requireEnv } from '../../shared/runtime/environment';
import { logger } from '../../shared/runtime/powertools';

const tableName = requireEnv('DRILL_LEDGER_TABLE');

/** Lambda entry point of the drill's guarded `PostDrillEntry` state. */
export const handler = middy((event: unknown) => postDrillEntry(event, documentClient, tableName, new Date())).use(injectLambdaContext(logger));
