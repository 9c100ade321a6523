import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { KPI_EVENT_DETAIL_TYPES, KPI_EVENT_SOURCES } from '../../shared/kpis/fact-registry';
import { KPI_EXPIRY_ATTRIBUTE } from '../../shared/kpis/kpi-aggregates-table';
import { EnvVar } from '../../shared/runtime/environment';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link KpiPipeline}. */
export interface KpiPipelineProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  /** Functions that announce KPI events (decisions, exceptions): they get the bus name and PutEvents. */
  readonly announcers: readonly ServiceFunction[];
  /** Functions that answer KPI queries (the operations API): they read the KPI table. */
  readonly readers: readonly ServiceFunction[];
}

/**
 * The KPI pipeline: a rule on the workflow events the fact registry knows, the aggregator
 * that adds each to its day, week and month items exactly once, and the table of those items that queries read.
 */
export class KpiPipeline extends Construct {
  public readonly kpiTable: ServiceTable;
  public readonly aggregator: ServiceFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: KpiPipelineProps) {
    super(scope, id);
    const { stage } = props;
    this.kpiTable = new ServiceTable(this, 'KpiTable', {
      stage,
      name: 'kpis',
      partitionKey: 'pk',
      sortKey: 'sk',
      // The event markers expire, so the exactly-once records do not grow forever.
      timeToLiveAttribute: KPI_EXPIRY_ATTRIBUTE,
    });
    this.aggregator = new ServiceFunction(this, 'AggregateKpiEventFunction', {
      stage,
      name: 'aggregate-kpi-event',
      serviceName: 'kpis',
      entry: 'functions/kpis/aggregate-kpi-event.ts',
      description: 'Adds each workflow event to the KPI items, once',
      timeout: Duration.seconds(30),
    }).bindTable(this.kpiTable, EnvVar.KpiTable, 'readWrite');
    // Infrastructure failures (not bad events: those are kept as rejected) end in the bus's dead-letter queue.
    this.aggregator.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.eventBus.deadLetterQueue),
    });
    this.rule = new Rule(this, 'KpiRule', {
      ruleName: `psflow-${stage}-kpi-events`,
      description: 'Workflow events the KPIs count',
      eventBus: props.eventBus.bus,
      eventPattern: { source: [...KPI_EVENT_SOURCES], detailType: [...KPI_EVENT_DETAIL_TYPES] },
      targets: [
        new LambdaFunction(this.aggregator, {
          deadLetterQueue: props.eventBus.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    for (const announcer of props.announcers) {
      announcer.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
      props.eventBus.bus.grantPutEventsTo(announcer);
    }
    for (const reader of props.readers) reader.bindTable(this.kpiTable, EnvVar.KpiTable, 'read');
  }
}
