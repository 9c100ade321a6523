import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { computeProbeResult } from '../../shared/diagnostics/probe';
import { lambdaHandler } from '../../shared/runtime/lambda-handler';
import { metrics } from '../../shared/runtime/powertools';

// The detail is checked by the probe itself, which names what is wrong with a probe request;
// input that is not even an object is such a request too, so it reaches the probe as no detail.
const ComputeProbeResultInput = z.object({ detail: z.unknown() }).catch({ detail: undefined });

/** Lambda entry point of the `ComputeProbeResult` state. */
export const handler = lambdaHandler('ComputeProbeResult', ComputeProbeResultInput, ({ detail }) => {
  const result = computeProbeResult(detail);
  metrics.addMetric('ProbeLatency', MetricUnit.Milliseconds, result.latencyMs);
  return result;
});
