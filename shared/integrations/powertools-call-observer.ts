import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallObserver, CallRecord } from './governed-http';

/**
 * Per-API metrics and a log line for every outbound call. Metrics are single metrics with the
 * `api` dimension (`ApiLatency`, `ApiErrors`, `ApiThrottles`), so the dashboard
 * shows each API on its own whatever function called it. The log line carries the call's
 * `traceparent` and never a header or a body: those may hold credentials or client data.
 */
export class PowertoolsCallObserver implements CallObserver {
  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  record(call: CallRecord): void {
    // A single metric flushes on each addMetric, so each name gets its own (with the api dimension):
    // ApiLatency for every call (its sample count is the call count), the others when they happen.
    this.emit(call.apiId, 'ApiLatency', MetricUnit.Milliseconds, call.latencyMs);
    if (call.outcome !== 'ok') this.emit(call.apiId, 'ApiErrors', MetricUnit.Count, 1);
    if (call.outcome === 'throttled') this.emit(call.apiId, 'ApiThrottles', MetricUnit.Count, 1);
    // The trace id rides on every later line of this invocation too.
    this.logger.appendKeys({ traceparent: call.traceparent });
    (call.outcome === 'ok' ? this.logger.info : this.logger.warn).call(this.logger, 'outbound call', {
      api: call.apiId,
      connector: call.connector,
      operation: call.operation,
      method: call.method,
      path: call.path,
      status: call.status,
      outcome: call.outcome,
      latencyMs: call.latencyMs,
    });
  }

  private emit(apiId: string, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
    const metric = this.metrics.singleMetric();
    metric.addDimension('api', apiId);
    metric.addMetric(name, unit, value);
  }
}
