import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { EnvVar } from '../../shared/runtime/environment';
import type { AuditTrail } from '../audit/audit-trail';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';

/** Props of {@link SlaSweep}. */
export interface SlaSweepProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  readonly auditTrail: AuditTrail;
}

/**
 * The SLA sweeper on a five-minute schedule: reminds and escalates approval tasks and
 * exceptions past their SLA, audits each breach and announces it on the bus.
 */
export class SlaSweep extends Construct {
  public readonly sweepOverdueTasks: ServiceFunction;
  public readonly sweepSchedule: Schedule;

  constructor(scope: Construct, id: string, props: SlaSweepProps) {
    super(scope, id);
    const { stage } = props;
    this.sweepOverdueTasks = new ServiceFunction(this, 'SweepOverdueTasksFunction', {
      stage,
      name: 'sweep-overdue-tasks',
      serviceName: 'human-tasks',
      entry: 'functions/human-tasks/sweep-overdue-tasks.ts',
      description: 'Reminds and escalates human tasks and exceptions past their SLA',
      timeout: Duration.seconds(60),
    })
      .bindTable(props.humanTasks.tasksTable, EnvVar.HumanTasksTable, 'readWrite')
      .bindTable(props.exceptionQueue.exceptionsTable, EnvVar.ExceptionsTable, 'readWrite')
      .bindTable(props.auditTrail.auditTable, EnvVar.AuditLogTable, 'append');
    this.sweepOverdueTasks.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
    props.eventBus.bus.grantPutEventsTo(this.sweepOverdueTasks);

    // An own role, so its one acknowledgement (the function ARN plus ":*") sits with this construct.
    const scheduleRole = new Role(this, 'SweepScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    this.sweepSchedule = new Schedule(this, 'SweepSchedule', {
      scheduleName: `psflow-${stage}-sweep-overdue-tasks`,
      description: 'Finds human tasks past their SLA every five minutes',
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new ScheduleLambdaInvoke(this.sweepOverdueTasks, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        role: scheduleRole,
      }),
    });
    Validations.of(scheduleRole).acknowledge(this.sweepOverdueTasks.invokeGrantAcknowledgement());
  }
}
