import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, Fail, JsonPath, Pass, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import {
  DynamoAttributeValue,
  DynamoPutItem,
  DynamoUpdateItem,
  LambdaInvoke,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../shared/errors/error-names';
import { DrillKey, DrillResultPath } from '../shared/operations-drill/drill-state';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';
import { humanApproval } from './patterns/human-approval';

/** Stable state names of the operations drill (besides those the patterns add). */
export const OperationsDrillState = {
  AcceptDrill: 'AcceptDrill',
  ReserveDrillBudget: 'ReserveDrillBudget',
  PostDrillEntry: 'PostDrillEntry',
  ConsumeDrillBudget: 'ConsumeDrillBudget',
  DrillSucceeded: 'DrillSucceeded',
  ReleaseDrillBudget: 'ReleaseDrillBudget',
  DrillAborted: 'DrillAborted',
} as const;

/** What the drill definition needs from its construct. */
export interface OperationsDrillDefinitionProps {
  readonly routeApproval: IFunction;
  readonly openApprovalTask: IFunction;
  readonly fileException: IFunction;
  readonly postDrillEntry: IFunction;
  readonly ledgerTable: ITable;
}

/**
 * The operations drill: an approval routed by policy, a budget reservation, one guarded step
 * that fails on request, and compensation on abort. Operators rehearse approvals and
 * exception handling on it, and the integration tests drive the patterns through it.
 * Input: `{ drillId, requestedBy, title, amount, region, practice, clientId, failWith }`.
 */
export function buildOperationsDrillDefinition(
  scope: Construct,
  props: OperationsDrillDefinitionProps,
): DefinitionBody {
  const accept = new Pass(scope, OperationsDrillState.AcceptDrill, {
    parameters: {
      'drillId.$': '$.drillId',
      'requestedBy.$': '$.requestedBy',
      'clientId.$': '$.clientId',
      subject: {
        'title.$': '$.title',
        'amount.$': '$.amount',
        'region.$': '$.region',
        'practice.$': '$.practice',
        'clientId.$': '$.clientId',
      },
      [DrillKey.entryInput]: { 'drillId.$': '$.drillId', 'amount.$': '$.amount', 'failWith.$': '$.failWith' },
    },
  });
  const approval = humanApproval(scope, {
    name: 'Drill',
    workflow: WorkflowName.OperationsDrill,
    routeApproval: props.routeApproval,
    openApprovalTask: props.openApprovalTask,
    subjectPath: '$.subject',
    requestedByPath: '$.requestedBy',
    resultPath: DrillResultPath.approval,
  });
  const reserve = new DynamoPutItem(scope, OperationsDrillState.ReserveDrillBudget, {
    table: props.ledgerTable,
    item: {
      ledgerKey: DynamoAttributeValue.fromString(JsonPath.format('budget#{}', JsonPath.stringAt('$.drillId'))),
      status: DynamoAttributeValue.fromString('reserved'),
      executionArn: DynamoAttributeValue.fromString(JsonPath.executionId),
    },
    resultPath: JsonPath.DISCARD,
  });
  const post = new LambdaInvoke(scope, OperationsDrillState.PostDrillEntry, {
    lambdaFunction: props.postDrillEntry,
    payload: undefined,
    inputPath: DrillResultPath.entryInput,
    payloadResponseOnly: true,
    resultPath: DrillResultPath.entry,
    retryOnServiceExceptions: false,
  });
  const budgetKey = {
    ledgerKey: DynamoAttributeValue.fromString(JsonPath.format('budget#{}', JsonPath.stringAt('$.drillId'))),
  };
  const release = new DynamoUpdateItem(scope, OperationsDrillState.ReleaseDrillBudget, {
    table: props.ledgerTable,
    key: budgetKey,
    // Compensation closes the reservation; the record stays, as every financial record must.
    updateExpression: 'SET #status = :released',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: { ':released': DynamoAttributeValue.fromString('released') },
    resultPath: JsonPath.DISCARD,
  });
  release.next(
    new Fail(scope, OperationsDrillState.DrillAborted, {
      error: ErrorName.Aborted,
      cause: 'the owner aborted the drill; the budget reservation was released',
    }),
  );
  const guarded = guardedStep(scope, {
    workflow: WorkflowName.OperationsDrill,
    task: post,
    inputPath: DrillResultPath.entryInput,
    resultPath: DrillResultPath.entry,
    fileException: props.fileException,
    onAbort: release,
    clientIdPath: '$.clientId',
  });
  const consume = new DynamoUpdateItem(scope, OperationsDrillState.ConsumeDrillBudget, {
    table: props.ledgerTable,
    key: budgetKey,
    updateExpression: 'SET #status = :consumed, entryId = :entry',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':consumed': DynamoAttributeValue.fromString('consumed'),
      ':entry': DynamoAttributeValue.fromString(JsonPath.stringAt(`${DrillResultPath.entry}.entryId`)),
    },
    resultPath: JsonPath.DISCARD,
  });
  return DefinitionBody.fromChainable(
    accept
      .next(approval)
      .next(reserve)
      .next(guarded)
      .next(consume)
      .next(new Succeed(scope, OperationsDrillState.DrillSucceeded)),
  );
}
