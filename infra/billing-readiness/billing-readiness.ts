import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { TimeZone, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { currentBillingPolicy, loadBillingPolicy, type BillingPolicyTables } from '../../shared/billing/billing-policy';
import { PsaDetailType, PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { Region } from '../../shared/model/primitives';
import { EnvVar } from '../../shared/runtime/environment';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildBillingCycleDefinition, buildProjectCheckDefinition } from '../../state-machines/billing-readiness';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { OperationsApi } from '../operations-api/operations-api';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import { SANDBOX_BILLING_BY_REGION_INDEX } from '../../shared/connectors/sandbox/sandbox-billing-store';
import type { SandboxSystems } from '../sandbox/sandbox-systems';
import type { SlaSweep } from '../sla/sla-sweep';
import { BILLING_TASKS_OPEN_DUE_INDEX } from '../../shared/repositories/billing-tasks-table';

/** Props of {@link BillingReadiness}. */
export interface BillingReadinessProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly exceptionQueue: ExceptionQueue;
  readonly operationsApi: OperationsApi;
  readonly sandbox: SandboxSystems;
  /** The SLA sweeper, which reminds and escalates the owners' billing tasks. */
  readonly slaSweep: SlaSweep;
  /** Billing tables to check at synth (tests pass broken ones); the published ones by default. */
  readonly billingPolicy?: BillingPolicyTables;
}

/**
 * Time and expense to invoice: per region, a daily schedule in the region's time zone starts
 * the period's cycle on its last business day; the cycle starts one project check per active
 * project and closes at the cut-off; fixes from the PSA check their project again. The
 * billing policy is checked here, at synth.
 */
export class BillingReadiness extends Construct {
  public readonly cycleStateMachine: WorkflowStateMachine;
  public readonly projectStateMachine: WorkflowStateMachine;
  public readonly readinessTable: ServiceTable;
  /** The sandbox PSA's billing records and psflow's billing projects. */
  public readonly sandboxBillingTable: ServiceTable;
  public readonly functions: readonly ServiceFunction[];
  public readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: BillingReadinessProps) {
    super(scope, id);
    const { stage } = props;
    const policy = props.billingPolicy ? loadBillingPolicy(props.billingPolicy) : currentBillingPolicy();
    this.readinessTable = new ServiceTable(this, 'ReadinessTable', {
      stage,
      name: 'billing-readiness',
      partitionKey: 'pk',
      sortKey: 'sk',
      // Open billing tasks by due time, for the SLA sweeper (sparse: closing a task leaves it).
      globalSecondaryIndexes: [{ indexName: BILLING_TASKS_OPEN_DUE_INDEX, partitionKey: 'openTask', sortKey: 'dueAt' }],
    });
    this.sandboxBillingTable = new ServiceTable(this, 'SandboxBillingTable', {
      stage,
      name: 'sandbox-billing',
      partitionKey: 'pk',
      sortKey: 'sk',
      globalSecondaryIndexes: [
        { indexName: SANDBOX_BILLING_BY_REGION_INDEX, partitionKey: 'activeRegion', sortKey: 'projectId' },
      ],
    });
    const fn = (constructId: string, name: string, description: string, timeout?: Duration): ServiceFunction =>
      new ServiceFunction(this, constructId, {
        stage,
        name,
        serviceName: 'billing-readiness',
        entry: `functions/billing-readiness/${name}.ts`,
        description,
        timeout,
      });
    const withBus = (f: ServiceFunction): ServiceFunction => {
      f.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
      props.eventBus.bus.grantPutEventsTo(f);
      return f;
    };
    const plan = fn(
      'PlanBillingCycleFunction',
      'plan-billing-cycle',
      'Plans a billing cycle in the region calendar',
    ).bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'readWrite');
    const startChecks = fn(
      'StartProjectChecksFunction',
      'start-project-checks',
      'Starts one project check per active project of a page',
      Duration.seconds(120),
    )
      .bindTable(this.sandboxBillingTable, EnvVar.SandboxBillingTable, 'read')
      .bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'read');
    const close = withBus(
      fn(
        'CloseBillingCycleFunction',
        'close-billing-cycle',
        'Carries blocked projects over at the cut-off',
        Duration.minutes(10),
      )
        .bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'readWrite')
        .bindTable(this.sandboxBillingTable, EnvVar.SandboxBillingTable, 'read'),
    );
    const check = withBus(
      fn('CheckProjectReadinessFunction', 'check-project-readiness', "Checks one project's billing readiness")
        .bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'readWrite')
        .bindTable(this.sandboxBillingTable, EnvVar.SandboxBillingTable, 'read'),
    );
    const draft = fn('DraftInvoiceFunction', 'draft-invoice', 'Drafts the invoice in the ERP').bindTable(
      props.sandbox.recordsTable,
      EnvVar.SandboxRecordsTable,
      'readWrite',
    );
    const record = withBus(
      fn(
        'RecordInvoiceDraftedFunction',
        'record-invoice-drafted',
        'Records the draft and emits Invoice Drafted once',
      ).bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'readWrite'),
    );
    const voidDraft = fn(
      'VoidInvoiceDraftFunction',
      'void-invoice-draft',
      'Voids the draft of an aborted check',
    ).bindTable(props.sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const recheck = fn('RecheckBillingProjectFunction', 'recheck-billing-project', 'Checks a project again after a fix')
      .bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'read')
      .bindTable(this.sandboxBillingTable, EnvVar.SandboxBillingTable, 'read');
    const scheduled = fn(
      'StartScheduledBillingCycleFunction',
      'start-scheduled-cycle',
      "Starts a region's cycle on its day",
    );
    this.functions = [plan, startChecks, close, check, draft, record, voidDraft, recheck, scheduled];

    this.projectStateMachine = new WorkflowStateMachine(this, 'ProjectStateMachine', {
      stage,
      workflow: WorkflowName.BillingReadinessProject,
      definitionBody: buildProjectCheckDefinition(this, {
        checkProjectReadiness: check,
        draftInvoice: draft,
        recordInvoiceDrafted: record,
        voidInvoiceDraft: voidDraft,
        fileException: props.exceptionQueue.fileException,
      }),
      timeout: Duration.days(30),
      invokes: [check, draft, record, voidDraft, props.exceptionQueue.fileException],
    });
    this.cycleStateMachine = new WorkflowStateMachine(this, 'CycleStateMachine', {
      stage,
      workflow: WorkflowName.BillingReadiness,
      definitionBody: buildBillingCycleDefinition(this, {
        planBillingCycle: plan,
        startProjectChecks: startChecks,
        closeBillingCycle: close,
      }),
      timeout: Duration.days(45),
      invokes: [plan, startChecks, close],
    });
    for (const starter of [startChecks, recheck]) {
      starter.addEnvironment(EnvVar.BillingProjectStateMachineArn, this.projectStateMachine.stateMachineArn);
      this.projectStateMachine.grantStartExecution(starter);
    }
    scheduled.addEnvironment(EnvVar.BillingCycleStateMachineArn, this.cycleStateMachine.stateMachineArn);
    this.cycleStateMachine.grantStartExecution(scheduled);
    props.operationsApi.serveWorkflow(this.projectStateMachine, this.projectStateMachine.name);
    props.operationsApi.operationsApi.bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'read');
    // `POST /billing/runs`: finance starts a cycle on demand through the API (authorized and audited there).
    props.operationsApi.operationsApi.addEnvironment(
      EnvVar.BillingCycleStateMachineArn,
      this.cycleStateMachine.stateMachineArn,
    );
    this.cycleStateMachine.grantStartExecution(props.operationsApi.operationsApi);
    props.slaSweep.sweepOverdueTasks.bindTable(this.readinessTable, EnvVar.BillingReadinessTable, 'readWrite');

    new Rule(this, 'FixRule', {
      ruleName: `psflow-${stage}-billing-fixes`,
      description: 'A fixed billing prerequisite checks its project again (no polling)',
      eventBus: props.eventBus.bus,
      eventPattern: {
        source: [PsflowSource.Psa, PsflowSource.Workflow],
        // Only the fixes: other PSA events (a change request) are not billing prerequisites.
        detailType: [
          PsaDetailType.TimeEntryApproved,
          PsaDetailType.ExpenseApproved,
          PsaDetailType.MilestoneAccepted,
          WorkflowDetailType.BillingRecheckRequested,
        ],
      },
      targets: [
        new LambdaFunction(recheck, {
          deadLetterQueue: props.eventBus.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    const scheduleRole = new Role(this, 'ScheduleRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    this.schedules = Region.options.map((region) => {
      const calendar = policy.calendars[region];
      const [hour, minute] = calendar.runTime.split(':').map(Number);
      return new Schedule(this, `${region}Schedule`, {
        scheduleName: `psflow-${stage}-billing-${region.toLowerCase()}`,
        description: `Starts the ${region} billing cycle on the last business day of each period, ${calendar.runTime} ${calendar.timeZone}`,
        // Cron cannot say "last business day after holidays", so it fires each weekday and the
        // function starts the cycle only on that day (a holiday calendar in the policy decides).
        schedule: ScheduleExpression.cron({
          minute: String(minute),
          hour: String(hour),
          weekDay: 'MON-FRI',
          timeZone: TimeZone.of(calendar.timeZone),
        }),
        target: new ScheduleLambdaInvoke(scheduled, {
          input: ScheduleTargetInput.fromObject({ region, scheduledTime: ContextAttribute.scheduledTime }),
          retryAttempts: 2,
          role: scheduleRole,
        }),
      });
    });
    Validations.of(scheduleRole).acknowledge(scheduled.invokeGrantAcknowledgement());
  }
}
