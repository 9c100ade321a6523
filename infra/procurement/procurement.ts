import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { PROCUREMENT_BY_PARENT_INDEX } from '../../shared/connectors/procurement/sandbox-procurement-connector';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { currentProcurementPolicy, loadProcurementPolicy } from '../../shared/procurement/procurement-policy';
import { PURCHASE_ROUTES } from '../../shared/procurement/purchases-api';
import { EnvVar } from '../../shared/runtime/environment';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { buildProcurementDefinition } from '../../state-machines/procurement';
import type { PeopleDirectory } from '../directory/directory';
import type { ExceptionQueue } from '../exceptions/exception-queue';
import type { HumanTasks } from '../human-tasks/human-tasks';
import type { OperationsApi } from '../operations-api/operations-api';
import type { PsflowEventBus } from '../platform/event-bus';
import { ServiceFunction } from '../platform/service-function';
import { ServiceTable } from '../platform/service-table';
import { WorkflowStateMachine } from '../platform/workflow-state-machine';
import type { SandboxSystems } from '../sandbox/sandbox-systems';

/** Props of {@link Procurement}. */
export interface ProcurementProps {
  readonly stage: string;
  readonly eventBus: PsflowEventBus;
  readonly humanTasks: HumanTasks;
  readonly exceptionQueue: ExceptionQueue;
  readonly operationsApi: OperationsApi;
  readonly sandbox: SandboxSystems;
  readonly directory: PeopleDirectory;
  /** The procurement policy to check at synth (tests pass broken ones); defaults to the published one. */
  readonly procurementPolicy?: unknown;
}

/**
 * The procurement workflow domain: the sandbox procurement system (vendors, quotes, the purchase
 * ledger), a Standard state machine (it waits on approvers and must raise one order per request),
 * its step functions, the rule that starts it on `Subcontractor Requested`, and the purchases
 * routes of the operations HTTP API.
 */
export class Procurement extends Construct {
  public readonly stateMachine: WorkflowStateMachine;
  public readonly procurementTable: ServiceTable;
  public readonly functions: readonly ServiceFunction[];
  public readonly purchasesApi: ServiceFunction;
  public readonly startProcurement: ServiceFunction;

  constructor(scope: Construct, id: string, props: ProcurementProps) {
    super(scope, id);
    const { stage, sandbox, humanTasks } = props;
    // Checked here so that a broken policy stops the synth with every problem listed.
    if (props.procurementPolicy !== undefined) loadProcurementPolicy(props.procurementPolicy);
    this.procurementTable = new ServiceTable(this, 'ProcurementTable', {
      stage,
      name: 'sandbox-procurement',
      partitionKey: 'recordKey',
      globalSecondaryIndexes: [
        { indexName: PROCUREMENT_BY_PARENT_INDEX, partitionKey: 'parentKey', sortKey: 'sortKey' },
      ],
    });
    const fn = (constructId: string, name: string, description: string): ServiceFunction =>
      new ServiceFunction(this, constructId, {
        stage,
        name,
        serviceName: 'procurement',
        entry: `functions/procurement/${name}.ts`,
        description,
      });
    const procurementData = (f: ServiceFunction): ServiceFunction =>
      f
        .bindTable(this.procurementTable, EnvVar.SandboxProcurementTable, 'readWrite')
        .bindTable(sandbox.recordsTable, EnvVar.SandboxRecordsTable, 'readWrite');
    const publishes = (f: ServiceFunction): ServiceFunction => {
      f.addEnvironment(EnvVar.EventBusName, props.eventBus.bus.eventBusName);
      props.eventBus.bus.grantPutEventsTo(f);
      return f;
    };
    const assessPurchase = procurementData(
      fn('AssessPurchaseFunction', 'assess-purchase', 'Chooses the vendor and checks a purchase against the policy'),
    );
    const routePurchaseApproval = fn(
      'RoutePurchaseApprovalFunction',
      'route-purchase-approval',
      'Routes a purchase to the approval levels of its region and amount',
    );
    routePurchaseApproval.addEnvironment(EnvVar.ApprovalPolicyVersion, String(currentProcurementPolicy().version));
    const onboardVendor = publishes(
      procurementData(fn('OnboardVendorFunction', 'onboard-vendor', 'Onboarding tasks and document checks')),
    );
    const raisePurchaseOrder = publishes(
      procurementData(fn('RaisePurchaseOrderFunction', 'raise-purchase-order', 'Raises the purchase order in the ERP')),
    );
    const addBookableResource = procurementData(
      fn('AddBookableResourceFunction', 'add-bookable-resource', 'Adds a subcontractor to the PSA resource pool'),
    );
    const compensatePurchase = procurementData(
      fn('CompensatePurchaseFunction', 'compensate-purchase', 'Cancels what an aborted purchase created'),
    );
    this.functions = [
      assessPurchase,
      routePurchaseApproval,
      onboardVendor,
      raisePurchaseOrder,
      addBookableResource,
      compensatePurchase,
    ];
    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      stage,
      workflow: WorkflowName.Procurement,
      definitionBody: buildProcurementDefinition(this, {
        assessPurchase,
        routePurchaseApproval,
        onboardVendor,
        raisePurchaseOrder,
        addBookableResource,
        compensatePurchase,
        openApprovalTask: humanTasks.openApprovalTask,
        fileException: props.exceptionQueue.fileException,
      }),
      timeout: Duration.days(30),
      invokes: [...this.functions, humanTasks.openApprovalTask, props.exceptionQueue.fileException],
    });
    props.operationsApi.serveWorkflow(this.stateMachine, this.stateMachine.name);

    this.startProcurement = fn(
      'StartProcurementFunction',
      'start-procurement',
      'Starts procurement for a Subcontractor Requested event, once per staffing request',
    );
    this.startProcurement.addEnvironment(EnvVar.ProcurementStateMachineArn, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(this.startProcurement);
    this.startProcurement.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.eventBus.deadLetterQueue),
    });
    new Rule(this, 'SubcontractorRequestedRule', {
      ruleName: `psflow-${stage}-procurement-subcontractor-requested`,
      description: 'Staffing asks for a subcontractor: procurement sources one',
      eventBus: props.eventBus.bus,
      eventPattern: {
        source: [PsflowSource.Workflow],
        detailType: [WorkflowDetailType.SubcontractorRequested],
      },
      targets: [
        new LambdaFunction(this.startProcurement, {
          deadLetterQueue: props.eventBus.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    this.purchasesApi = new ServiceFunction(this, 'PurchasesApiFunction', {
      stage,
      name: 'purchases-api',
      serviceName: 'procurement',
      entry: 'functions/procurement/purchases-api.ts',
      description: 'Purchase requests, the purchase ledger and goods receipt over HTTP',
      timeout: Duration.seconds(29),
    }).bindTable(this.procurementTable, EnvVar.SandboxProcurementTable, 'readWrite');
    this.purchasesApi.addEnvironment(EnvVar.ProcurementStateMachineArn, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(this.purchasesApi);
    props.directory.serve(this.purchasesApi, 'read');
    const integration = new HttpLambdaIntegration('PurchasesIntegration', this.purchasesApi);
    for (const routeKey of Object.keys(PURCHASE_ROUTES)) {
      const [method, path] = routeKey.split(' ');
      props.operationsApi.httpApi.addRoutes({
        path,
        methods: [method === 'POST' ? HttpMethod.POST : HttpMethod.GET],
        integration,
      });
    }
  }
}
