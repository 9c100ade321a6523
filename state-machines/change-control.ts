import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, Fail, Pass, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ChangeControlResultPath } from '../shared/change-control/change-state';
import { ErrorName } from '../shared/errors/error-names';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';
import { humanApproval, humanApprovalStateNames } from './patterns/human-approval';

/** Stable state names of change control (the patterns add their own). */
export const ChangeControlStateName = {
  AcceptChangeRequest: 'AcceptChangeRequest',
  AssessChange: 'AssessChange',
  RecordChangeApproval: 'RecordChangeApproval',
  ReviseBudget: 'ReviseBudget',
  UpdateProjectPlan: 'UpdateProjectPlan',
  UpdateBillingSchedule: 'UpdateBillingSchedule',
  AdjustBookings: 'AdjustBookings',
  RequestChangeResources: 'RequestChangeResources',
  AnnounceChangeApplied: 'AnnounceChangeApplied',
  ChangeApplied: 'ChangeApplied',
  RecordChangeRejected: 'RecordChangeRejected',
  CompensateChange: 'CompensateChange',
  ChangeAborted: 'ChangeAborted',
} as const;

/** The functions the definition wires. */
export interface ChangeControlDefinitionProps {
  readonly assessChange: IFunction;
  readonly routeChangeApproval: IFunction;
  readonly recordChangeApproval: IFunction;
  readonly reviseBudget: IFunction;
  readonly updateProjectPlan: IFunction;
  readonly updateBillingSchedule: IFunction;
  readonly adjustBookings: IFunction;
  readonly requestChangeResources: IFunction;
  readonly announceChangeApplied: IFunction;
  readonly recordChangeRejected: IFunction;
  readonly compensateChange: IFunction;
  readonly openApprovalTask: IFunction;
  readonly fileException: IFunction;
}

/**
 * `Change Requested` to applied change. Input: `{ change }` (the event's detail). The assessment
 * holds what the analysis refuses (to delivery, through the exception queue); the approval chain
 * comes from the change policy, one level after another; once approved, each system is changed by
 * its own guarded step, the ERP budget first as a new baseline version. An abort anywhere voids
 * that version and restores what the steps replaced; a rejection is recorded and announced.
 */
export function buildChangeControlDefinition(scope: Construct, props: ChangeControlDefinitionProps): DefinitionBody {
  const workflow = WorkflowName.ChangeControl;
  const step = (id: string, lambdaFunction: IFunction, resultPath: string): LambdaInvoke =>
    new LambdaInvoke(scope, id, {
      lambdaFunction,
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
    });
  const compensate = new LambdaInvoke(scope, ChangeControlStateName.CompensateChange, {
    lambdaFunction: props.compensateChange,
    payloadResponseOnly: true,
    resultPath: ChangeControlResultPath.compensation,
  });
  compensate.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  compensate.next(
    new Fail(scope, ChangeControlStateName.ChangeAborted, {
      error: ErrorName.Aborted,
      cause: 'the change was aborted by its exception owner; the previous baseline version is current again',
    }),
  );
  const guard = (id: string, lambdaFunction: IFunction, resultPath: string, onAbort: IChainable = compensate) =>
    guardedStep(scope, {
      workflow,
      task: step(id, lambdaFunction, resultPath),
      inputPath: '$',
      resultPath,
      fileException: props.fileException,
      onAbort,
      projectIdPath: '$.change.projectId',
      retry: { maxAttempts: 6, interval: Duration.seconds(1) },
    });
  const rejected = new LambdaInvoke(scope, ChangeControlStateName.RecordChangeRejected, {
    lambdaFunction: props.recordChangeRejected,
    payloadResponseOnly: true,
    resultPath: '$.rejected',
  });
  rejected.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  rejected.next(
    new Fail(scope, humanApprovalStateNames('Change').rejected, {
      error: ErrorName.ApprovalRejected,
      causePath: '$.rejection.Cause',
    }),
  );
  const approval = humanApproval(scope, {
    name: 'Change',
    workflow,
    routeApproval: props.routeChangeApproval,
    openApprovalTask: props.openApprovalTask,
    subjectPath: `${ChangeControlResultPath.assessment}.subject`,
    requestedByPath: '$.change.requestedBy',
    resultPath: ChangeControlResultPath.approval,
    onRejected: rejected,
  });
  const names = ChangeControlStateName;
  const paths = ChangeControlResultPath;
  return DefinitionBody.fromChainable(
    new Pass(scope, names.AcceptChangeRequest)
      .next(guard(names.AssessChange, props.assessChange, paths.assessment))
      .next(approval)
      .next(guard(names.RecordChangeApproval, props.recordChangeApproval, paths.approvalRecorded))
      .next(guard(names.ReviseBudget, props.reviseBudget, paths.budget))
      .next(guard(names.UpdateProjectPlan, props.updateProjectPlan, paths.plan))
      .next(guard(names.UpdateBillingSchedule, props.updateBillingSchedule, paths.billing))
      .next(guard(names.AdjustBookings, props.adjustBookings, paths.bookings))
      .next(guard(names.RequestChangeResources, props.requestChangeResources, paths.resources))
      .next(guard(names.AnnounceChangeApplied, props.announceChangeApplied, paths.applied))
      .next(new Succeed(scope, names.ChangeApplied)),
  );
}
