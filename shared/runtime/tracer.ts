import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Tracer singleton; disabled where POWERTOOLS_TRACE_ENABLED=false (the local cloud has no X-Ray).
 * Apart from the other Powertools singletons because importing it bundles the X-Ray SDK.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'psflow' });
