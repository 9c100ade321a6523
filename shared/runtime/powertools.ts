import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Service name every function reports under; set per function by ServiceFunction. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'psflow';

/**
 * Module-scope Powertools singletons, shared by every handler in a bundle. `@__PURE__` lets the
 * bundler drop one a handler never uses. The tracer lives in `./tracer`: it brings the X-Ray SDK
 * (over 100 KB minified), which only the functions that trace should carry.
 */
export const logger = /* @__PURE__ */ new Logger({ serviceName });
/** Metrics singleton; namespace comes from POWERTOOLS_METRICS_NAMESPACE. */
export const metrics = /* @__PURE__ */ new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'psflow' });
