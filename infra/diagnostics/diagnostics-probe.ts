import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { DiagnosticsDetailType, PsflowSource } from '../../shared/events/catalogue';
import { buildDiagnosticsProbeDefinition } from '../../state-machines/diagnostics-probe';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';

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
  public readonly stateMachine: WorkflowStateMachine;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DiagnosticsProbeProps) {
    super(scope, id);
    this.probeTable = new ServiceTable(this, 'ProbeTable', {
      stage: props.stage,
      name: 'probes',
      partitionKey: 'probeId',
    });
    this.computeProbeResult = new ServiceFunction(this, 'ComputeProbeResultFunction', {
      stage: props.stage,
      name: 'compute-probe-result',
      serviceName: 'diagnostics',
      entry: 'functions/diagnostics/compute-probe-result.ts',
      description: 'Validates a probe request and measures its latency',
    });
    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage: props.stage,
      workflow: 'diagnostics-probe',
      definitionBody: buildDiagnosticsProbeDefinition(this, {
        computeProbeResult: this.computeProbeResult,
        probeTable: this.probeTable,
      }),
      timeout: Duration.minutes(5),
      invokes: [this.computeProbeResult],
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
  }
}
