import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readCloudAssembly } from '../../local/cdk/cloud-assembly';
import { buildResourceModel } from '../../local/cdk/resource-model';
import { PsflowStack } from '../../infra/psflow-stack';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { EXCEPTION_SLA_SECONDS } from '../../shared/exceptions/file-exception';
import { KPI_EVENT_DETAIL_TYPES } from '../../shared/kpis/fact-registry';
import { KPI_EXPIRY_ATTRIBUTE } from '../../shared/kpis/kpi-aggregates-table';
import { TEST_TMPDIR_VARIABLE } from '../support/local-cloud-process';

const STAGE = 'test';
// NodejsFunction runs esbuild during synth, which takes seconds rather than milliseconds.
const SYNTH_TIMEOUT_MS = 240_000;

let outdir: string;
let template: Template;
let synthError: unknown;
let violations: unknown[];

type JsonObject = Record<string, unknown>;

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resourcesOf(type: string): Array<[string, JsonObject]> {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    isRecord(resource.Properties) ? resource.Properties : {},
  ]);
}

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(process.env[TEST_TMPDIR_VARIABLE] ?? os.tmpdir(), 'psflow-kpis-test-'));
  const app = new App({ outdir });
  const stack = new PsflowStack(app, `psflow-${STAGE}`, { stage: STAGE });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports?: Array<{ violations?: unknown[] }>;
  };
  violations = (report.pluginReports ?? []).flatMap((pluginReport) => pluginReport.violations ?? []);
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

describe('KPI pipeline and observability in the CDK app', () => {
  it('passes the cdk-nag AwsSolutions checks with the KPI and observability resources in', () => {
    // Assess
    expect(synthError).toBeUndefined();
    expect(violations).toEqual([]);
  });

  it('routes every event kind the fact registry knows, and only those, to the aggregator', () => {
    // Act
    const rule = resourcesOf('AWS::Events::Rule').find(
      ([, properties]) => properties.Name === 'psflow-test-kpi-events',
    );

    // Assess
    expect(rule?.[1].EventPattern).toEqual({
      source: [PsflowSource.Workflow],
      'detail-type': [...KPI_EVENT_DETAIL_TYPES],
    });
    expect(KPI_EVENT_DETAIL_TYPES).toEqual(
      expect.arrayContaining([
        WorkflowDetailType.ProjectActivated,
        WorkflowDetailType.ApprovalDecided,
        WorkflowDetailType.ExceptionFiled,
        WorkflowDetailType.ExceptionResolved,
        WorkflowDetailType.ApprovalSlaBreached,
        WorkflowDetailType.ExceptionSlaBreached,
        WorkflowDetailType.ResourceAssigned,
        WorkflowDetailType.StaffingRequestUnfilled,
        WorkflowDetailType.ProjectReadinessChecked,
        WorkflowDetailType.InvoiceDrafted,
        WorkflowDetailType.BillingCycleClosed,
        WorkflowDetailType.PurchaseOrderIssued,
        WorkflowDetailType.VendorOnboarded,
        WorkflowDetailType.ChangeApproved,
        WorkflowDetailType.ChangeRejected,
        WorkflowDetailType.ChangeApplied,
      ]),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'psflow-test-aggregate-kpi-event',
      Environment: { Variables: Match.objectLike({ KPI_TABLE: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'psflow-test-kpis',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('lets DynamoDB expire the event markers on the attribute the aggregator writes', () => {
    // Assess: only markers carry the attribute, so day, week and month items are never expired.
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'psflow-test-kpis',
      TimeToLiveSpecification: { AttributeName: KPI_EXPIRY_ATTRIBUTE, Enabled: true },
    });
  });

  it('gives the announcers the bus name, and the operations API the KPI table', () => {
    // Assess
    for (const name of ['psflow-test-file-exception', 'psflow-test-operations-api'])
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: Match.anyValue() }) },
      });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'psflow-test-operations-api',
      Environment: { Variables: Match.objectLike({ KPI_TABLE: Match.anyValue() }) },
    });
  });

  it('has one dashboard with the executions, exception queue, SLA, DLQ and KPI widgets', () => {
    // Act
    const dashboards = resourcesOf('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboards[0]?.[1].DashboardBody);

    // Assess
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0][1].DashboardName).toBe('psflow-test-operations');
    for (const title of [
      'Executions started, per workflow',
      'Executions failed, per workflow',
      'Exception queue: open exceptions',
      'Exception queue: oldest open, seconds',
      'SLA breaches',
      'Dead-letter queue depth',
      'Cycle time p50 / p95, seconds, per workflow',
    ])
      expect(body).toContain(title);
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsFailed',
      'ExceptionQueueDepth',
      'CycleTime',
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(body).toContain(metric);
  });

  it('alarms on failed executions per workflow, dead letters, exception age over the SLA and ingestion rejections, to one encrypted topic', () => {
    // Act
    const alarms = resourcesOf('AWS::CloudWatch::Alarm').map(([, properties]) => properties);
    const names = alarms.map((alarm) => String(alarm.AlarmName)).sort();
    const topics = resourcesOf('AWS::SNS::Topic');
    // Every workflow in the stack, whichever exist: a new one must get its alarm without this test changing.
    const workflowAlarms = resourcesOf('AWS::StepFunctions::StateMachine').map(
      ([, properties]) => `${String(properties.StateMachineName)}-failed-executions`,
    );

    // Assess
    expect(workflowAlarms).toEqual(
      expect.arrayContaining([
        'psflow-test-diagnostics-probe-failed-executions',
        'psflow-test-operations-drill-failed-executions',
        'psflow-test-project-activation-failed-executions',
      ]),
    );
    expect(names).toEqual(
      [
        'psflow-test-dead-letters',
        'psflow-test-exception-queue-age',
        'psflow-test-ingestion-rejections',
        ...workflowAlarms,
      ].sort(),
    );
    const topicId = topics.find(([, properties]) => properties.TopicName === 'psflow-test-alarms')?.[0];
    expect(topicId).toBeDefined();
    expect(topics.find(([id]) => id === topicId)?.[1].KmsMasterKeyId).toBeDefined();
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    const age = alarms.find((alarm) => alarm.AlarmName === 'psflow-test-exception-queue-age');
    expect(age).toMatchObject({ Threshold: EXCEPTION_SLA_SECONDS, MetricName: 'ExceptionQueueOldestAge' });
  });

  it('lets CloudWatch use the alarm topic key', () => {
    // Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('lists the dashboard and the alarms as not emulated in the local cloud', () => {
    // Act
    const model = buildResourceModel(readCloudAssembly(outdir), {
      region: 'us-east-1',
      accountId: '000000000000',
      endpoint: 'http://127.0.0.1',
    });
    const types = model.notEmulated.map((resource) => resource.type);

    // Assess
    expect(types).toContain('AWS::CloudWatch::Dashboard');
    expect(types.filter((type) => type === 'AWS::CloudWatch::Alarm')).toHaveLength(
      resourcesOf('AWS::CloudWatch::Alarm').length,
    );
    expect(model.tables.map((table) => table.name)).toContain('psflow-test-kpis');
  });
});
