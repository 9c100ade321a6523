import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link PsflowEventBus}. */
export interface PsflowEventBusProps {
  readonly stage: string;
}

/**
 * The stage's custom bus, everything SaaS systems and psflow put on it, with an archive
 * for replay and one dead-letter queue that every rule target uses for failed delivery.
 */
export class PsflowEventBus extends Construct {
  /** The custom bus every producer and rule uses. */
  public readonly bus: EventBus;
  /** Archive of every event on the bus, kept so that a stage can replay after a fix. */
  public readonly archive: Archive;
  /** Where EventBridge parks events it could not deliver to a target after its retries. */
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PsflowEventBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `psflow-${props.stage}` });
    this.archive = this.bus.archive('Archive', {
      archiveName: `psflow-${props.stage}-all-events`,
      description: 'Every event on the psflow bus, for replay',
      eventPattern: { account: [this.bus.stack.account] },
      retention: Duration.days(365),
    });
    this.deadLetterQueue = new Queue(this, 'TargetDeadLetterQueue', {
      queueName: `psflow-${props.stage}-target-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the bus targets; a DLQ of a DLQ only moves the problem.',
    });
  }
}
