import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildOperationsDrillDefinition } from '../../state-machines/operations-drill';
import type { HumanTasks } from '../human-tasks/human-tasks';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link OperationsDrill}. */
export interface OperationsDrillProps {
  readonly stage: string;
  readonly humanTasks: HumanTasks;
}

/** The operations drill workflow domain: its state machine, its ledger and its one step function. */
export class OperationsDrill extends Construct {
  public readonly ledgerTable: ServiceTable;
  public readonly postDrillEntry: ServiceFunction;
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: OperationsDrillProps) {
    super(scope, id);
    const name = `psflow-${props.stage}-${WorkflowName.OperationsDrill}`;
    this.ledgerTable = new ServiceTable(this, 'LedgerTable', { stage: props.stage, name: 'drill-ledger', partitionKey: 'ledgerKey' });
    this.postDrillEntry = new ServiceFunction(this, 'PostDrillEntryFunction', {
      stage: props.stage,
      name: 'post-drill-entry',
      serviceName: 'operations-drill',
      entry: 'functions/operations-drill/post-drill-entry.ts',
      description: 'Posts the drill journal entry, failing as the drill asks',
    }).bindTable(this.ledgerTable, 'DRILL_LEDGER_TABLE', 'readWrite');
    const logGroup = new LogGroup(this, 'StateMachineLogs', { logGroupName: `/aws/vendedlogs/states/${name}`, retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const { humanTasks } = props;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: buildOperationsDrillDefinition(this, {
        routeApproval: humanTasks.routeApproval,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: humanTasks.fileException,
        postDrillEntry: this.postDrillEntry,
        ledgerTable: this.ledgerTable,
      }),
      timeout: Duration.days(30),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    humanTasks.serveWorkflow(this.stateMachine, name);
    const functionArn = (fn: ServiceFunction): string => `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>:*]`;
    Validations.of(this.stateMachine).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'CloudWatch Logs delivery and X-Ray actions of the state machine role have no resource-level permissions.' },
      ...[humanTasks.routeApproval, humanTasks.openApprovalTask, humanTasks.fileException, this.postDrillEntry].map((fn) => ({
        id: functionArn(fn),
        reason: 'CDK grants invoke on the function and its versions and aliases (ARN plus ":*"); it is still one function.',
      })),
    );
  }
}
