import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, JsonPath, Pass, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { DynamoAttributeValue, DynamoPutItem, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Stable state names of the diagnostics probe; tests and history assertions key on them. */
export const DiagnosticsProbeState = {
  AcceptProbe: 'AcceptProbe',
  ComputeProbeResult: 'ComputeProbeResult',
  StoreProbeResult: 'StoreProbeResult',
  ProbeSucceeded: 'ProbeSucceeded',
} as const;

/** What the probe definition needs from its construct. */
export interface DiagnosticsProbeDefinitionProps {
  readonly computeProbeResult: IFunction;
  readonly probeTable: ITable;
}

/**
 * Four states, one of each kind the platform relies on (Pass, Lambda task, direct
 * DynamoDB integration, Succeed), so a probe proves every hop of a stage works.
 */
export function buildDiagnosticsProbeDefinition(
  scope: Construct,
  props: DiagnosticsProbeDefinitionProps,
): DefinitionBody {
  const accept = new Pass(scope, DiagnosticsProbeState.AcceptProbe, {
    parameters: { 'eventId.$': '$.id', 'detail.$': '$.detail' },
  });
  const compute = new LambdaInvoke(scope, DiagnosticsProbeState.ComputeProbeResult, {
    lambdaFunction: props.computeProbeResult,
    payload: undefined,
    resultSelector: { 'probe.$': '$.Payload' },
    resultPath: '$.result',
  });
  const store = new DynamoPutItem(scope, DiagnosticsProbeState.StoreProbeResult, {
    table: props.probeTable,
    item: {
      probeId: DynamoAttributeValue.fromString(JsonPath.stringAt('$.result.probe.probeId')),
      eventId: DynamoAttributeValue.fromString(JsonPath.stringAt('$.eventId')),
      requestedAt: DynamoAttributeValue.fromString(JsonPath.stringAt('$.result.probe.requestedAt')),
      observedAt: DynamoAttributeValue.fromString(JsonPath.stringAt('$.result.probe.observedAt')),
      latencyMs: DynamoAttributeValue.numberFromString(
        JsonPath.format('{}', JsonPath.stringAt('$.result.probe.latencyMs')),
      ),
    },
    resultPath: JsonPath.DISCARD,
  });
  const done = new Succeed(scope, DiagnosticsProbeState.ProbeSucceeded);
  return DefinitionBody.fromChainable(accept.next(compute).next(store).next(done));
}
