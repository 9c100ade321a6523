import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Pass, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../shared/errors/error-names';
import { ProcurementResultPath } from '../shared/procurement/procurement-state';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';
import { humanApproval } from './patterns/human-approval';

/** Stable state names of procurement (the patterns add their own). */
export const ProcurementStateName = {
  AcceptPurchaseRequest: 'AcceptPurchaseRequest',
  AssessPurchase: 'AssessPurchase',
  OnboardVendor: 'OnboardVendor',
  RaisePurchaseOrder: 'RaisePurchaseOrder',
  IsSubcontractor: 'IsSubcontractor',
  AddBookableResource: 'AddBookableResource',
  PurchaseCompleted: 'PurchaseCompleted',
  CompensatePurchase: 'CompensatePurchase',
  PurchaseAborted: 'PurchaseAborted',
} as const;

/** The functions the definition wires. */
export interface ProcurementDefinitionProps {
  readonly assessPurchase: IFunction;
  readonly routePurchaseApproval: IFunction;
  readonly onboardVendor: IFunction;
  readonly raisePurchaseOrder: IFunction;
  readonly addBookableResource: IFunction;
  readonly compensatePurchase: IFunction;
  readonly openApprovalTask: IFunction;
  readonly fileException: IFunction;
}

/**
 * Purchase request to purchase order. Input: `{ request }` (a {@link PurchaseRequest}). The
 * assessment holds what the policy refuses (to finance, through the exception queue); approval
 * levels come from the procurement policy; a new vendor is onboarded before the order; the order is
 * raised once; a subcontractor joins the PSA pool. An abort anywhere cancels what exists.
 */
export function buildProcurementDefinition(scope: Construct, props: ProcurementDefinitionProps): DefinitionBody {
  const workflow = WorkflowName.Procurement;
  const step = (id: string, lambdaFunction: IFunction, resultPath: string): LambdaInvoke =>
    new LambdaInvoke(scope, id, {
      lambdaFunction,
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
    });
  const compensate = new LambdaInvoke(scope, ProcurementStateName.CompensatePurchase, {
    lambdaFunction: props.compensatePurchase,
    payloadResponseOnly: true,
    resultPath: ProcurementResultPath.compensation,
  });
  compensate.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  compensate.next(
    new Fail(scope, ProcurementStateName.PurchaseAborted, {
      error: ErrorName.Aborted,
      cause: 'the purchase was aborted by its exception owner; the order was cancelled, nothing deleted',
    }),
  );
  const guard = (task: LambdaInvoke, resultPath: string, onAbort: IChainable = compensate) =>
    guardedStep(scope, {
      workflow,
      task,
      inputPath: '$',
      resultPath,
      fileException: props.fileException,
      onAbort,
      retry: { maxAttempts: 6, interval: Duration.seconds(1) },
    });
  const assess = guard(
    step(ProcurementStateName.AssessPurchase, props.assessPurchase, ProcurementResultPath.assessment),
    ProcurementResultPath.assessment,
  );
  const approval = humanApproval(scope, {
    name: 'Purchase',
    workflow,
    routeApproval: props.routePurchaseApproval,
    openApprovalTask: props.openApprovalTask,
    subjectPath: `${ProcurementResultPath.assessment}.subject`,
    requestedByPath: '$.request.requestedBy',
    resultPath: ProcurementResultPath.approval,
  });
  const onboard = guard(
    step(ProcurementStateName.OnboardVendor, props.onboardVendor, ProcurementResultPath.onboarding),
    ProcurementResultPath.onboarding,
  );
  const order = guard(
    step(ProcurementStateName.RaisePurchaseOrder, props.raisePurchaseOrder, ProcurementResultPath.purchaseOrder),
    ProcurementResultPath.purchaseOrder,
  );
  const resource = guard(
    step(ProcurementStateName.AddBookableResource, props.addBookableResource, ProcurementResultPath.resource),
    ProcurementResultPath.resource,
  );
  const done = new Succeed(scope, ProcurementStateName.PurchaseCompleted);
  const subcontractor = new Choice(scope, ProcurementStateName.IsSubcontractor)
    .when(Condition.isPresent('$.request.roleLine'), resource.next(done))
    .otherwise(done);
  return DefinitionBody.fromChainable(
    new Pass(scope, ProcurementStateName.AcceptPurchaseRequest)
      .next(assess)
      .next(approval)
      .next(onboard)
      .next(order)
      .next(subcontractor),
  );
}
