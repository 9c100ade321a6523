import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXCEPTION_SLA_SECONDS } from '../../shared/exceptions/file-exception';
import { EnvVar } from '../../shared/runtime/environment';
import { ServiceFunction } from '../platform/service-function';
import type { ServiceTable } from '../platform/service-table';
import type { WorkflowStateMachine } from '../platform/workflow-state-machine';

/** The metric namespace every function's Powertools metrics use (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'psflow';

/** Share of ingested events rejected (or unknown) over 15 minutes above which the alarm fires, in %. */
export const INGESTION_REJECTION_ALARM_PERCENT = 5;

/** Props of {@link OperationsObservability}. */
export interface OperationsObservabilityProps {
  readonly stage: string;
  /** Every workflow state machine of the stage, with its workflow name. */
  readonly workflows: ReadonlyArray<{ readonly workflow: string; readonly stateMachine: WorkflowStateMachine }>;
  /** The bus targets' dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  readonly exceptionsTable: ServiceTable;
}

/**
 * The stage's CloudWatch dashboard and alarms: executions started and failed per workflow,
 * the exception queue's depth and age (measured every five minutes), SLA breaches, the
 * dead-letter queue, ingestion outcomes and the KPI metrics the aggregator publishes. Every
 * alarm notifies one SNS topic, encrypted with a key CloudWatch may use.
 */
export class OperationsObservability extends Construct {
  public readonly dashboard: Dashboard;
  public readonly alarmTopic: Topic;
  public readonly alarms: readonly Alarm[];
  public readonly measureExceptionQueue: ServiceFunction;

  constructor(scope: Construct, id: string, props: OperationsObservabilityProps) {
    super(scope, id);
    const { stage } = props;
    const metric = (service: string, metricName: string, statistic = 'Sum', dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, ...dimensions },
        statistic,
        period: Duration.minutes(5),
      });

    this.measureExceptionQueue = new ServiceFunction(this, 'MeasureExceptionQueueFunction', {
      stage,
      name: 'measure-exception-queue',
      serviceName: 'kpis',
      entry: 'functions/kpis/measure-exception-queue.ts',
      description: "Publishes the exception queue's depth and oldest age as metrics",
      timeout: Duration.seconds(30),
    }).bindTable(props.exceptionsTable, EnvVar.ExceptionsTable, 'read');
    const scheduleRole = new Role(this, 'MeasureScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    new Schedule(this, 'MeasureSchedule', {
      scheduleName: `psflow-${stage}-measure-exception-queue`,
      description: "Measures the exception queue's depth and age every five minutes",
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new ScheduleLambdaInvoke(this.measureExceptionQueue, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        role: scheduleRole,
      }),
    });
    Validations.of(scheduleRole).acknowledge(this.measureExceptionQueue.invokeGrantAcknowledgement());

    // CloudWatch may publish only to a topic whose key lets it: the AWS-managed SNS key does not.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `psflow ${stage}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      topicName: `psflow-${stage}-alarms`,
      displayName: `psflow ${stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    const notify = new SnsAction(this.alarmTopic);

    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, alarmProps: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const created = new Alarm(this, alarmId, alarmProps);
      created.addAlarmAction(notify);
      alarms.push(created);
      return created;
    };
    for (const { workflow, stateMachine } of props.workflows) {
      alarm(`${pascal(workflow)}FailedExecutions`, {
        alarmName: `psflow-${stage}-${workflow}-failed-executions`,
        alarmDescription: `An execution of ${workflow} failed, timed out or was aborted`,
        metric: new MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: {
            failed: stateMachine.metricFailed({ period: Duration.minutes(5) }),
            timedOut: stateMachine.metricTimedOut({ period: Duration.minutes(5) }),
            aborted: stateMachine.metricAborted({ period: Duration.minutes(5) }),
          },
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    alarm('DeadLetterQueueNotEmpty', {
      alarmName: `psflow-${stage}-dead-letters`,
      alarmDescription: 'An event could not be delivered to a rule target or a function after its retries',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const queueAge = metric('kpis', 'ExceptionQueueOldestAge', 'Maximum');
    alarm('ExceptionQueueAgeOverSla', {
      alarmName: `psflow-${stage}-exception-queue-age`,
      alarmDescription: `The oldest open exception waits longer than its SLA (${EXCEPTION_SLA_SECONDS / 3600} h)`,
      metric: queueAge,
      threshold: EXCEPTION_SLA_SECONDS,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No measurement means the measuring function is not running: that is worth a look too.
      treatMissingData: TreatMissingData.BREACHING,
    });
    const outcome = (name: string) => metric('ingestion', name, 'Sum');
    const rejectionRate = new MathExpression({
      expression: '100 * (rejected + unknown) / (started + already + ignored + rejected + unknown)',
      usingMetrics: {
        started: outcome('WorkflowsStarted'),
        already: outcome('WorkflowsAlreadyStarted'),
        ignored: outcome('EventsIgnored'),
        rejected: outcome('EventsRejected'),
        unknown: outcome('UnknownEvents'),
      },
      label: 'ingestion rejections, %',
      period: Duration.minutes(15),
    });
    alarm('IngestionRejectionRate', {
      alarmName: `psflow-${stage}-ingestion-rejections`,
      alarmDescription: `More than ${INGESTION_REJECTION_ALARM_PERCENT} % of ingested events were rejected or unknown over 15 minutes`,
      metric: rejectionRate,
      threshold: INGESTION_REJECTION_ALARM_PERCENT,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = alarms;

    const perWorkflow = (pick: (machine: WorkflowStateMachine) => IMetric[]) =>
      props.workflows.flatMap(({ stateMachine }) => pick(stateMachine));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `psflow-${stage}-operations`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# psflow ${stage}\nExecutions, the exception queue, SLAs, dead letters and KPIs. Alarms go to the SNS topic psflow-${stage}-alarms.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Executions started, per workflow',
        left: perWorkflow((machine) => [machine.metricStarted({ label: machine.name, period: Duration.minutes(5) })]),
        width: 12,
      }),
      new GraphWidget({
        title: 'Executions failed, per workflow',
        left: perWorkflow((machine) => [machine.metricFailed({ label: machine.name, period: Duration.minutes(5) })]),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Exception queue: open exceptions',
        left: [metric('kpis', 'ExceptionQueueDepth', 'Maximum')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Exception queue: oldest open, seconds',
        left: [queueAge],
        leftAnnotations: [{ value: EXCEPTION_SLA_SECONDS, label: 'SLA' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'SLA breaches',
        left: [
          metric('human-tasks', 'ApprovalSlaBreaches', 'Sum'),
          metric('human-tasks', 'ExceptionSlaBreaches', 'Sum'),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Dead-letter queue depth',
        metrics: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: 'Maximum',
          }),
        ],
        width: 8,
      }),
      new GraphWidget({ title: 'Ingestion rejections, %', left: [rejectionRate], width: 8 }),
      new GraphWidget({
        title: 'KPI events',
        left: [
          metric('kpis', 'KpiEventsApplied'),
          metric('kpis', 'KpiEventsDuplicate'),
          metric('kpis', 'KpiEventsRejected'),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Cycle time p50 / p95, seconds, per workflow',
        left: props.workflows.flatMap(({ workflow }) => [
          metric('kpis', 'CycleTime', 'p50', { workflow }).with({ label: `${workflow} p50` }),
          metric('kpis', 'CycleTime', 'p95', { workflow }).with({ label: `${workflow} p95` }),
        ]),
        width: 12,
      }),
      new GraphWidget({
        title: 'Approval decision time and exception time to resolve, p95, seconds',
        left: props.workflows.flatMap(({ workflow }) => [
          metric('kpis', 'ApprovalDecisionTime', 'p95', { workflow }).with({ label: `${workflow} approvals` }),
          metric('kpis', 'ExceptionTimeToResolve', 'p95', { workflow }).with({ label: `${workflow} exceptions` }),
        ]),
        width: 12,
      }),
    );
  }
}

/** `project-activation` → `ProjectActivation`, for construct ids. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
