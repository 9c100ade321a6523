import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildOperationsDrillDefinition } from '../../state-machines/operations-drill';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { OperationsApi } from '../operations-api/operations-api';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import { EnvVar } from '../../shared/runtime/environment';

/** Props of {@link OperationsDrill}. */
export interface OperationsDrillProps {
  readonly stage: string;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  /** Answers the workflow's task tokens for approvers and exception owners. */
  readonly operationsApi: OperationsApi;
}

/** The operations drill workflow domain: its state machine, its ledger and its one step function. */
export class OperationsDrill extends Construct {
  public readonly ledgerTable: ServiceTable;
  public readonly postDrillEntry: ServiceFunction;
  public readonly stateMachine: WorkflowStateMachine;

  constructor(scope: Construct, id: string, props: OperationsDrillProps) {
    super(scope, id);
    this.ledgerTable = new ServiceTable(this, 'LedgerTable', {
      stage: props.stage,
      name: 'drill-ledger',
      partitionKey: 'ledgerKey',
    });
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
        fileException: props.exceptionQueue.fileException,
        postDrillEntry: this.postDrillEntry,
        ledgerTable: this.ledgerTable,
      }),
      timeout: Duration.days(30),
      invokes: [
        humanTasks.routeApproval,
        humanTasks.openApprovalTask,
        props.exceptionQueue.fileException,
        this.postDrillEntry,
      ],
    });
    props.operationsApi.serveWorkflow(this.stateMachine, this.stateMachine.name);
  }
}
