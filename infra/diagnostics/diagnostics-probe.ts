import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import { buildDiagnosticsProbeDefinition } from '../../state-machines/diagnostics-probe';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link DiagnosticsProbe}. */
export interface DiagnosticsProbeProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
}

/**
 * The stage's end-to-end self-check: a `Probe Requested` event runs through a rule, a
 * state machine, a Lambda step and a table write. Deploy smoke tests and the local-cloud
 * benchmark both use it, so what they measure is the path workflows take.
 */
export class DiagnosticsProbe extends Construct {
  public readonly probeTable: ServiceTable;
  public readonly computeProbeResult: ServiceFunction;
  public readonly stateMachine: StateMachine;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DiagnosticsProbeProps) {
    super(scope, id);
    this.probeTable = new ServiceTable(this, 'ProbeTable', { stage: props.stage, name: 'probes', partitionKey: 'probeId' });
    this.computeProbeResult = new ServiceFunction(this, 'ComputeProbeResultFunction', {
      stage: props.stage,
      name: 'compute-probe-result',
      serviceName: 'diagnostics',
      entry: 'functions/diagnostics/compute-probe-result.ts',
      description: 'Validates a probe request and measures its latency',
    });
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/psflow-${props.stage}-diagnostics-probe`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `psflow-${props.stage}-diagnostics-probe`,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: buildDiagnosticsProbeDefinition(this, {
        computeProbeResult: this.computeProbeResult,
        probeTable: this.probeTable,
      }),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    this.rule = new Rule(this, 'ProbeRequestedRule', {
      ruleName: `psflow-${props.stage}-probe-requested`,
      eventBus: props.eventBus.bus,
      eventPattern: { source: [PsflowSource.Diagnostics], detailType: [DiagnosticsDetailType.ProbeRequested] },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          deadLetterQueue: props.eventBus.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery and X-Ray actions of the state machine role have no resource-level permissions.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.computeProbeResult.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason: 'CDK grants invoke on the function and its versions and aliases (ARN plus ":*"); it is still one function.',
      },
    );
  }
}
