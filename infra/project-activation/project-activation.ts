import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildProjectActivationDefinition } from '../../state-machines/project-activation';

/** Props of {@link ProjectActivation}. */
export interface ProjectActivationProps {
  readonly stage: string;
}

/**
 * The quote-to-project workflow domain: a Standard state machine, because activation waits
 * on people and must run exactly once per won opportunity.
 */
export class ProjectActivation extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ProjectActivationProps) {
    super(scope, id);
    const name = `psflow-${props.stage}-${WorkflowName.ProjectActivation}`;
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: buildProjectActivationDefinition(this),
      timeout: Duration.days(30),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs delivery and X-Ray actions of the state machine role have no resource-level permissions.',
    });
  }
}
