import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** Service name every function reports under; set per function by ServiceFunction. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'psflow';

/** Module-scope Powertools singletons, shared by every handler in a bundle. */
export const logger = new Logger({ serviceName });

/**
 * Every handler publishes metrics, but many add one only when something happens (a breach, an
 * exception filed), so an empty flush is normal here and must not warn on every invocation.
 */
const metricsLogger = {
  debug: (...args: unknown[]) => logger.debug(String(args[0]), ...args.slice(1).map((extra) => ({ extra }))),
  info: (...args: unknown[]) => logger.info(String(args[0]), ...args.slice(1).map((extra) => ({ extra }))),
  error: (...args: unknown[]) => logger.error(String(args[0]), ...args.slice(1).map((extra) => ({ extra }))),
  warn: (...args: unknown[]) => {
    if (!String(args[0]).startsWith('No application metrics to publish'))
      logger.warn(String(args[0]), ...args.slice(1).map((extra) => ({ extra })));
  },
};

/** Metrics singleton; namespace comes from POWERTOOLS_METRICS_NAMESPACE. */
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'psflow',
  logger: metricsLogger,
});
/** Tracer singleton; disabled where POWERTOOLS_TRACE_ENABLED=false (the local cloud has no X-Ray). */
export const tracer = new Tracer({ serviceName });
