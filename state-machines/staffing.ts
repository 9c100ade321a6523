import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Parallel, Pass, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../shared/errors/error-names';
import { StaffingResultPath } from '../shared/staffing/staffing-state';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';
import { humanApproval } from './patterns/human-approval';

/** Stable state names of the staffing workflow (the patterns add their own). */
export const StaffingState = {
  AcceptStaffingRequest: 'AcceptStaffingRequest',
  PrepareStaffingRequest: 'PrepareStaffingRequest',
  RecommendCandidates: 'RecommendCandidates',
  IsResolvedOutsideTheFirm: 'IsResolvedOutsideTheFirm',
  PlaceSoftHolds: 'PlaceSoftHolds',
  ApproveStaffing: 'ApproveStaffing',
  BookAssignment: 'BookAssignment',
  ResourceAssigned: 'ResourceAssigned',
  CloseStaffingRequest: 'CloseStaffingRequest',
  StaffingRequestClosed: 'StaffingRequestClosed',
  StaffingAborted: 'StaffingAborted',
} as const;

/** The functions the definition wires. */
export interface StaffingDefinitionProps {
  readonly prepareRequest: IFunction;
  readonly recommendCandidates: IFunction;
  readonly placeSoftHolds: IFunction;
  readonly bookAssignment: IFunction;
  readonly closeRequest: IFunction;
  readonly routeApproval: IFunction;
  readonly openApprovalTask: IFunction;
  readonly fileException: IFunction;
}

/**
 * Request to staffing. Input: a `Resource Requested` event (from the rule) or `{ request,
 * requestedBy }` (ad hoc). Prepare and check the request (bad input is held as an exception
 * owned by staffing); recommend (nobody fits: an exception whose owner relaxes a constraint and
 * retries, or skips with a subcontractor or a requisition as the resolution); hold the proposed
 * people; the staffing manager approves (or picks another candidate, or rejects asking for a
 * subcontractor) and the delivery lead confirms; book hard and announce `Resource Assigned`.
 */
export function buildStaffingDefinition(scope: Construct, props: StaffingDefinitionProps): DefinitionBody {
  const workflow = WorkflowName.Staffing;
  const step = (id: string, lambdaFunction: IFunction, resultPath: string): LambdaInvoke =>
    new LambdaInvoke(scope, id, {
      lambdaFunction,
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
    });
  const aborted = new Fail(scope, StaffingState.StaffingAborted, {
    error: ErrorName.Aborted,
    cause: 'the staffing request was aborted by its exception owner; any holds lapse and are released',
  });
  const guard = (task: LambdaInvoke, resultPath: string) =>
    guardedStep(scope, {
      workflow,
      task,
      inputPath: '$',
      resultPath,
      fileException: props.fileException,
      onAbort: aborted,
      retry: { maxAttempts: 4, interval: Duration.seconds(1) },
    });

  const close = step(StaffingState.CloseStaffingRequest, props.closeRequest, StaffingResultPath.closed);
  close.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  close.next(new Succeed(scope, StaffingState.StaffingRequestClosed));

  const prepare = guard(
    step(StaffingState.PrepareStaffingRequest, props.prepareRequest, StaffingResultPath.prepared),
    StaffingResultPath.prepared,
  );
  const recommend = guard(
    step(StaffingState.RecommendCandidates, props.recommendCandidates, StaffingResultPath.recommended),
    StaffingResultPath.recommended,
  );
  const holds = guard(
    step(StaffingState.PlaceSoftHolds, props.placeSoftHolds, StaffingResultPath.holds),
    StaffingResultPath.holds,
  );
  // The approval runs in a branch so that a rejection (which may ask for a subcontractor) is
  // caught and closes the request, instead of ending the execution at the pattern's Fail state.
  const approve = new Parallel(scope, StaffingState.ApproveStaffing, {
    resultSelector: { 'decisions.$': '$[0].approval.decisions' },
    resultPath: StaffingResultPath.approval,
  }).branch(
    humanApproval(scope, {
      name: 'Staffing',
      workflow,
      routeApproval: props.routeApproval,
      openApprovalTask: props.openApprovalTask,
      subjectPath: `${StaffingResultPath.recommended}.subject`,
      requestedByPath: `${StaffingResultPath.prepared}.requestedBy`,
      resultPath: StaffingResultPath.approval,
    }),
  );
  approve.addCatch(close, { errors: [ErrorName.ApprovalRejected], resultPath: StaffingResultPath.rejection });
  const book = guard(
    step(StaffingState.BookAssignment, props.bookAssignment, StaffingResultPath.assigned),
    StaffingResultPath.assigned,
  );
  const resolved = new Choice(scope, StaffingState.IsResolvedOutsideTheFirm)
    .when(Condition.isPresent(`${StaffingResultPath.recommended}.resolution`), close)
    .otherwise(holds.next(approve).next(book).next(new Succeed(scope, StaffingState.ResourceAssigned)));
  return DefinitionBody.fromChainable(
    new Pass(scope, StaffingState.AcceptStaffingRequest).next(prepare).next(recommend).next(resolved),
  );
}
