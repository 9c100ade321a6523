import { RemovalPolicy, Validations, type Duration } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType, type DefinitionBody } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

/** Props of a {@link WorkflowStateMachine}. */
export interface WorkflowStateMachineProps {
  readonly stage: string;
  /** Kebab-case workflow name; the state machine is `psflow-<stage>-<workflow>`. */
  readonly workflow: string;
  readonly definitionBody: DefinitionBody;
  readonly timeout: Duration;
  /** The functions the definition invokes, whose invoke grants the role holds. */
  readonly invokes: readonly ServiceFunction[];
}

/**
 * A state machine with the house defaults: Standard (workflows wait on people and run once),
 * active tracing, every event logged with its data to a log group with a fixed retention, and
 * the cdk-nag acknowledgements every such role needs, stated once.
 */
export class WorkflowStateMachine extends StateMachine {
  /** The full name, `psflow-<stage>-<workflow>`. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    const name = `psflow-${props.stage}-${props.workflow}`;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: props.definitionBody,
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    this.name = name;
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery and X-Ray actions of the state machine role have no resource-level permissions.',
      },
      ...props.invokes.map((fn) => fn.invokeGrantAcknowledgement()),
    );
  }
}
