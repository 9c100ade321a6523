import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, Pass, Succeed, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { CycleResultPath, ProjectCheckResultPath } from '../shared/billing/billing-state';
import { ErrorName } from '../shared/errors/error-names';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';

/** Stable state names of the billing cycle. */
export const BillingCycleState = {
  PlanBillingCycle: 'PlanBillingCycle',
  BeginFanOut: 'BeginFanOut',
  StartProjectChecks: 'StartProjectChecks',
  AreAllProjectChecksStarted: 'AreAllProjectChecksStarted',
  WaitForCutOff: 'WaitForCutOff',
  CloseBillingCycle: 'CloseBillingCycle',
  BillingCycleClosed: 'BillingCycleClosed',
} as const;

/** Stable state names of one project's check. */
export const ProjectCheckState = {
  CheckProjectReadiness: 'CheckProjectReadiness',
  RouteReadiness: 'RouteReadiness',
  DraftInvoice: 'DraftInvoice',
  RecordInvoiceDrafted: 'RecordInvoiceDrafted',
  InvoiceDrafted: 'InvoiceDrafted',
  AlreadyDrafted: 'AlreadyDrafted',
  ProjectNotReady: 'ProjectNotReady',
  VoidInvoiceDraft: 'VoidInvoiceDraft',
  InvoiceDraftAborted: 'InvoiceDraftAborted',
} as const;

const step = (scope: Construct, id: string, lambdaFunction: IFunction, resultPath: string): LambdaInvoke =>
  new LambdaInvoke(scope, id, {
    lambdaFunction,
    payloadResponseOnly: true,
    resultPath,
    retryOnServiceExceptions: false,
  });

/** The functions the cycle wires. */
export interface BillingCycleDefinitionProps {
  readonly planBillingCycle: IFunction;
  readonly startProjectChecks: IFunction;
  readonly closeBillingCycle: IFunction;
}

/**
 * One region's cycle for one period. The fan-out is a loop of `StartProjectChecks` steps, each
 * starting one child execution per project of one page (100 projects): the parent's history
 * grows by about seven events per page (some 700 for 10,000 projects), far from the 25,000 limit
 * that an inline Map over every project would break, and the local cloud runs it as AWS does
 * (it serves no Distributed Map). Then it waits for the cut-off and closes the cycle.
 */
export function buildBillingCycleDefinition(scope: Construct, props: BillingCycleDefinitionProps): DefinitionBody {
  const plan = step(scope, BillingCycleState.PlanBillingCycle, props.planBillingCycle, CycleResultPath.cycle);
  plan.addRetry({ errors: [ErrorName.RetryableConnector, 'States.TaskFailed'], maxAttempts: 3, backoffRate: 2 });
  const begin = new Pass(scope, BillingCycleState.BeginFanOut, {
    result: { value: { done: false, started: 0, alreadyStarted: 0 } },
    resultPath: CycleResultPath.fanOut,
  });
  const fanOut = step(scope, BillingCycleState.StartProjectChecks, props.startProjectChecks, CycleResultPath.fanOut);
  // A repeated page starts nothing twice (execution names), so any failure may simply be retried.
  fanOut.addRetry({ errors: ['States.ALL'], maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 });
  const close = step(scope, BillingCycleState.CloseBillingCycle, props.closeBillingCycle, CycleResultPath.close);
  close.addRetry({ errors: ['States.ALL'], maxAttempts: 6, interval: Duration.seconds(2), backoffRate: 2 });
  const wait = new Wait(scope, BillingCycleState.WaitForCutOff, {
    time: WaitTime.timestampPath(`${CycleResultPath.cycle}.cutOffAt`),
  });
  return DefinitionBody.fromChainable(
    plan
      .next(begin)
      .next(fanOut)
      .next(
        new Choice(scope, BillingCycleState.AreAllProjectChecksStarted)
          .when(Condition.booleanEquals(`${CycleResultPath.fanOut}.done`, false), fanOut)
          .otherwise(wait.next(close).next(new Succeed(scope, BillingCycleState.BillingCycleClosed))),
      ),
  );
}

/** The functions one project's check wires. */
export interface ProjectCheckDefinitionProps {
  readonly checkProjectReadiness: IFunction;
  readonly draftInvoice: IFunction;
  readonly recordInvoiceDrafted: IFunction;
  readonly voidInvoiceDraft: IFunction;
  readonly fileException: IFunction;
}

/**
 * One project's billing readiness in one cycle: check, then draft the invoice when ready.
 * Drafting is a guarded step: ERP faults are retried, and what remains is an exception owned by
 * finance (the connector names the ERP), who retries, skips or aborts; an abort voids the draft.
 * A blocked project ends here with its findings recorded; a fix starts a new check.
 */
export function buildProjectCheckDefinition(scope: Construct, props: ProjectCheckDefinitionProps): DefinitionBody {
  const check = step(
    scope,
    ProjectCheckState.CheckProjectReadiness,
    props.checkProjectReadiness,
    ProjectCheckResultPath.readiness,
  );
  check.addRetry({ errors: ['States.ALL'], maxAttempts: 4, interval: Duration.seconds(1), backoffRate: 2 });
  const voidDraft = new LambdaInvoke(scope, ProjectCheckState.VoidInvoiceDraft, {
    lambdaFunction: props.voidInvoiceDraft,
    payloadResponseOnly: true,
    resultPath: ProjectCheckResultPath.compensation,
  });
  voidDraft.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  voidDraft.next(
    new Fail(scope, ProjectCheckState.InvoiceDraftAborted, {
      error: ErrorName.Aborted,
      cause: "the project's invoice draft was aborted by its exception owner; any draft was voided",
    }),
  );
  const draft = guardedStep(scope, {
    workflow: WorkflowName.BillingReadinessProject,
    task: step(scope, ProjectCheckState.DraftInvoice, props.draftInvoice, ProjectCheckResultPath.draft),
    inputPath: '$',
    resultPath: ProjectCheckResultPath.draft,
    fileException: props.fileException,
    onAbort: voidDraft,
    retry: { maxAttempts: 4, interval: Duration.seconds(1) },
  });
  const record = step(
    scope,
    ProjectCheckState.RecordInvoiceDrafted,
    props.recordInvoiceDrafted,
    ProjectCheckResultPath.recorded,
  );
  record.addRetry({ errors: ['States.ALL'], maxAttempts: 4, interval: Duration.seconds(1), backoffRate: 2 });
  return DefinitionBody.fromChainable(
    check.next(
      new Choice(scope, ProjectCheckState.RouteReadiness)
        .when(
          Condition.stringEquals(`${ProjectCheckResultPath.readiness}.status`, 'ready'),
          draft.next(record).next(new Succeed(scope, ProjectCheckState.InvoiceDrafted)),
        )
        .when(
          Condition.stringEquals(`${ProjectCheckResultPath.readiness}.status`, 'drafted'),
          new Succeed(scope, ProjectCheckState.AlreadyDrafted),
        )
        .otherwise(new Succeed(scope, ProjectCheckState.ProjectNotReady)),
    ),
  );
}
