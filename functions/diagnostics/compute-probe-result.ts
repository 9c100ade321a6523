import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { computeProbeResult, type ProbeResult } from '../../shared/diagnostics/probe';
import { logger, metrics } from '../../shared/runtime/powertools';
import { tracer } from '../../shared/runtime/tracer';

/** Input the state machine passes: the probe event's detail. */
interface ComputeProbeResultInput {
  readonly detail: unknown;
}

async function computeProbeResultStep(input: ComputeProbeResultInput): Promise<ProbeResult> {
  const result = computeProbeResult(input.detail);
  metrics.addMetric('ProbeLatency', MetricUnit.Milliseconds, result.latencyMs);
  return result;
}

/** Lambda entry point of the `ComputeProbeResult` state. */
export const handler = middy(computeProbeResultStep)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
