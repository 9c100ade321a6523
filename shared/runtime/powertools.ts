import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** Service name every function reports under; set per function by ServiceFunction. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'psflow';

/** Module-scope Powertools singletons, shared by every handler in a bundle. */
export const logger = new Logger({ serviceName });
/** Metrics singleton; namespace comes from POWERTOOLS_METRICS_NAMESPACE. */
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'psflow' });
/** Tracer singleton; disabled where POWERTOOLS_TRACE_ENABLED=false (the local cloud has no X-Ray). */
export const tracer = new Tracer({ serviceName });
