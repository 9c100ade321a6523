import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildOperationsDrillDefinition } from '../../state-machines/operations-drill';
import type { HumanTasks } from '../human-tasks/human-tasks';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import { EnvVar } from '../../shared/runtime/environment';

/** Props of {@link OperationsDrill}. */
export interface OperationsDrillProps {
  readonly stage: string;
  readonly humanTasks: HumanTasks;
}

/** The operations drill workflow domain: its state machine, its ledger and its one step function. */
export class OperationsDrill extends Construct {
  public readonly ledgerTable: ServiceTable;
  public readonly postDrillEntry: ServiceFunction;
  public readonly stateMachine: WorkflowStateMachine;

  constructor(scope: Construct, id: string, props: OperationsDrillProps) {
    super(scope, id);
    this.ledgerTable = new ServiceTable(this, 'LedgerTable', { stage: props.stage, name: 'drill-ledger', partitionKey: 'ledgerKey' });
    this.postDrillEntry = new ServiceFunction(this, 'PostDrillEntryFunction', {
      stage: props.stage,
      name: 'post-drill-entry',
      serviceName: 'operations-drill',
      entry: 'functions/operations-drill/post-drill-entry.ts',
      description: 'Posts the drill journal entry, failing as the drill asks',
    }).bindTable(this.ledgerTable, EnvVar.DrillLedgerTable, 'readWrite');
    const { humanTasks } = props;
    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage: props.stage,
      workflow: WorkflowName.OperationsDrill,
      definitionBody: buildOperationsDrillDefinition(this, {
        routeApproval: humanTasks.routeApproval,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: humanTasks.fileException,
        postDrillEntry: this.postDrillEntry,
        ledgerTable: this.ledgerTable,
      }),
      timeout: Duration.days(30),
      invokes: [humanTasks.routeApproval, humanTasks.openApprovalTask, humanTasks.fileException, this.postDrillEntry],
    });
    humanTasks.serveWorkflow(this.stateMachine, this.stateMachine.name);
  }
}
