import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEMO_USERS, FIRM_PRACTICES } from '../../shared/directory/demo-directory';
import { scopesWithoutDecider } from '../../shared/human-tasks/deciders';
import { currentApprovalPolicy, loadApprovalPolicy } from '../../shared/policies/approval-policy';
import {
  TASKS_BY_REQUEST_INDEX,
  TASKS_BY_ROLE_STATUS_INDEX,
  TASKS_BY_STATUS_DUE_INDEX,
} from '../../shared/repositories/human-tasks-table';
import { EnvVar } from '../../shared/runtime/environment';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import type { AuditTrail } from '../audit/audit-trail';

/** Props of {@link HumanTasks}. */
export interface HumanTasksProps {
  readonly stage: string;
  /** Where opening a task records why it was routed past a role nobody holds. */
  readonly auditTrail: AuditTrail;
  /**
   * The approval decision table, as data. Defaults to the current published version; it is
   * checked here, so an incomplete or unreachable table fails `cdk synth`.
   */
  readonly approvalPolicy?: unknown;
}

/**
 * Approvals: the human-task table, delegations, and the two functions the approval pattern
 * (`state-machines/patterns/human-approval.ts`) calls to route a request through the decision
 * table and open one task per level. The exception queue, the audit trail, the SLA sweep and
 * the operations API are their own constructs beside this one.
 */
export class HumanTasks extends Construct {
  public readonly tasksTable: ServiceTable;
  public readonly delegationsTable: ServiceTable;
  public readonly routeApproval: ServiceFunction;
  public readonly openApprovalTask: ServiceFunction;

  constructor(scope: Construct, id: string, props: HumanTasksProps) {
    super(scope, id);
    const { stage } = props;
    const policy =
      props.approvalPolicy === undefined ? currentApprovalPolicy() : loadApprovalPolicy(props.approvalPolicy);
    this.tasksTable = new ServiceTable(this, 'TasksTable', {
      stage,
      name: 'human-tasks',
      partitionKey: 'taskId',
      globalSecondaryIndexes: [
        { indexName: TASKS_BY_ROLE_STATUS_INDEX, partitionKey: 'roleStatus', sortKey: 'dueAt' },
        { indexName: TASKS_BY_STATUS_DUE_INDEX, partitionKey: 'status', sortKey: 'dueAt' },
        { indexName: TASKS_BY_REQUEST_INDEX, partitionKey: 'requestId', sortKey: 'taskId' },
      ],
    });
    this.delegationsTable = new ServiceTable(this, 'DelegationsTable', {
      stage,
      name: 'delegations',
      partitionKey: 'delegate',
      sortKey: 'roleUntil',
    });

    this.routeApproval = new ServiceFunction(this, 'RouteApprovalFunction', {
      stage,
      name: 'route-approval',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/route-approval.ts',
      description: 'Routes an approval request through the approval decision table',
    });
    // The bundle routes with the published policy; a stack given another table must not deploy it silently.
    if (
      policy.version !== currentApprovalPolicy().version ||
      JSON.stringify(policy) !== JSON.stringify(currentApprovalPolicy())
    ) {
      throw new Error(
        `approval policy v${policy.version} differs from the published table the functions bundle; publish it under shared/policies first`,
      );
    }
    this.routeApproval.addEnvironment(EnvVar.ApprovalPolicyVersion, String(policy.version));
    this.openApprovalTask = new ServiceFunction(this, 'OpenApprovalTaskFunction', {
      stage,
      name: 'open-approval-task',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/open-approval-task.ts',
      description: 'Opens the task of one approval level and parks its token',
    })
      .bindTable(this.tasksTable, EnvVar.HumanTasksTable, 'readWrite')
      .bindTable(props.auditTrail.auditTable, EnvVar.AuditLogTable, 'append');
    // The directory's holes, found at synth: a scope where no one may decide some level escalates
    // at once when a task opens there, and the platform team should know before a deal strands.
    for (const warning of scopesWithoutDecider(policy, DEMO_USERS, FIRM_PRACTICES)) {
      Annotations.of(this).addWarningV2('psflow:approvals:no-decider', warning);
    }
  }
}
