import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  DefinitionBody,
  Fail,
  JsonPath,
  Parallel,
  Pass,
  Succeed,
  TaskInput,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { EventBridgePutEvents, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { PsflowSource, WorkflowDetailType } from '../shared/events/catalogue';
import { ErrorName } from '../shared/errors/error-names';
import { ActivationKey, ActivationResultPath } from '../shared/project-activation/activation-state';
import { WorkflowName } from '../shared/workflows/workflow-names';
import { guardedStep } from './patterns/guarded-step';
import { humanApproval } from './patterns/human-approval';

/** Stable state names of project activation (the patterns add their own). */
export const ProjectActivationState = {
  AcceptWonOpportunity: 'AcceptWonOpportunity',
  PrepareEngagement: 'PrepareEngagement',
  ProvisionProjects: 'ProvisionProjects',
  ProvisionErpProject: 'ProvisionErpProject',
  ProvisionPsaProject: 'ProvisionPsaProject',
  SetUpBilling: 'SetUpBilling',
  RequestResources: 'RequestResources',
  OnboardClient: 'OnboardClient',
  RecordActivation: 'RecordActivation',
  AnnounceProjectActivated: 'AnnounceProjectActivated',
  ProjectActivated: 'ProjectActivated',
  CompensateActivation: 'CompensateActivation',
  ActivationAborted: 'ActivationAborted',
} as const;

/** The functions and resources the definition wires. */
export interface ProjectActivationDefinitionProps {
  readonly prepareEngagement: IFunction;
  readonly provisionErpProject: IFunction;
  readonly provisionPsaProject: IFunction;
  readonly setUpBilling: IFunction;
  readonly requestResources: IFunction;
  readonly onboardClient: IFunction;
  readonly compensateActivation: IFunction;
  readonly routeApproval: IFunction;
  readonly openApprovalTask: IFunction;
  readonly fileException: IFunction;
  readonly recordActivation: IFunction;
  readonly eventBus: IEventBus;
}

/**
 * Quote to project. Input: the `Opportunity Won` detail plus the `projectId` ingestion assigned.
 * Each side-effecting step is a guarded step reading the whole state, so its owner can retry
 * with a corrected engagement, skip with evidence, or abort; an abort anywhere compensates
 * everything created so far, in reverse order. Steps without logic are direct integrations.
 */
export function buildProjectActivationDefinition(
  scope: Construct,
  props: ProjectActivationDefinitionProps,
): DefinitionBody {
  const workflow = WorkflowName.ProjectActivation;
  const step = (id: string, lambdaFunction: IFunction, resultPath: string): LambdaInvoke =>
    new LambdaInvoke(scope, id, {
      lambdaFunction,
      payloadResponseOnly: true,
      resultPath,
      retryOnServiceExceptions: false,
    });
  const compensate = new LambdaInvoke(scope, ProjectActivationState.CompensateActivation, {
    lambdaFunction: props.compensateActivation,
    payloadResponseOnly: true,
    resultPath: ActivationResultPath.compensation,
  });
  compensate.addRetry({ errors: ['States.ALL'], maxAttempts: 5, backoffRate: 2 });
  compensate.next(
    new Fail(scope, ProjectActivationState.ActivationAborted, {
      error: ErrorName.Aborted,
      cause: 'the activation was aborted by its exception owner; what it created was closed or voided',
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
      clientIdPath: '$.opportunity.client.clientId',
      projectIdPath: '$.projectId',
      // Connector calls already retry inside the step; these retries catch what is left, visibly.
      retry: { maxAttempts: 6, interval: Duration.seconds(1) },
    });

  const accept = new Pass(scope, ProjectActivationState.AcceptWonOpportunity);
  const prepare = guard(
    step(ProjectActivationState.PrepareEngagement, props.prepareEngagement, ActivationResultPath.engagement),
    ActivationResultPath.engagement,
  );
  const approval = humanApproval(scope, {
    name: 'Contract',
    workflow,
    routeApproval: props.routeApproval,
    openApprovalTask: props.openApprovalTask,
    subjectPath: `${ActivationResultPath.engagement}.subject`,
    requestedByPath: `${ActivationResultPath.engagement}.requestedBy`,
    resultPath: ActivationResultPath.approval,
  });
  // Inside a branch an abort cannot jump out; it fails the branch, and the Parallel compensates.
  const branchAbort = (id: string): Fail => new Fail(scope, id, { error: ErrorName.Aborted });
  const provision = new Parallel(scope, ProjectActivationState.ProvisionProjects, {
    resultSelector: { 'erp.$': `$[0].${ActivationKey.erp}`, 'psa.$': `$[1].${ActivationKey.psa}` },
    resultPath: ActivationResultPath.provisioned,
  })
    .branch(
      guard(
        step(ProjectActivationState.ProvisionErpProject, props.provisionErpProject, ActivationResultPath.erp),
        ActivationResultPath.erp,
        branchAbort('ErpProvisioningAborted'),
      ),
    )
    .branch(
      guard(
        step(ProjectActivationState.ProvisionPsaProject, props.provisionPsaProject, ActivationResultPath.psa),
        ActivationResultPath.psa,
        branchAbort('PsaProvisioningAborted'),
      ),
    );
  provision.addCatch(compensate, { errors: [ErrorName.Aborted], resultPath: '$.abort' });
  const billing = guard(
    step(ProjectActivationState.SetUpBilling, props.setUpBilling, ActivationResultPath.billing),
    ActivationResultPath.billing,
  );
  const resources = guard(
    step(ProjectActivationState.RequestResources, props.requestResources, ActivationResultPath.resources),
    ActivationResultPath.resources,
  );
  const onboarding = guard(
    step(ProjectActivationState.OnboardClient, props.onboardClient, ActivationResultPath.onboarding),
    ActivationResultPath.onboarding,
  );
  // A Lambda, not a direct write: it computes the cycle time and each stage's share.
  const record = new LambdaInvoke(scope, ProjectActivationState.RecordActivation, {
    lambdaFunction: props.recordActivation,
    payload: TaskInput.fromObject({ 'state.$': '$', 'executionArn.$': '$$.Execution.Id' }),
    payloadResponseOnly: true,
    resultPath: ActivationResultPath.activation,
  });
  record.addRetry({ errors: ['States.ALL'], maxAttempts: 3, backoffRate: 2 });
  const announce = new EventBridgePutEvents(scope, ProjectActivationState.AnnounceProjectActivated, {
    entries: [
      {
        eventBus: props.eventBus,
        source: PsflowSource.Workflow,
        detailType: WorkflowDetailType.ProjectActivated,
        detail: TaskInput.fromJsonPathAt(`${ActivationResultPath.activation}.event`),
      },
    ],
    resultPath: JsonPath.DISCARD,
  });
  return DefinitionBody.fromChainable(
    accept
      .next(prepare)
      .next(approval)
      .next(provision)
      .next(billing)
      .next(resources)
      .next(onboarding)
      .next(record)
      .next(announce)
      .next(new Succeed(scope, ProjectActivationState.ProjectActivated)),
  );
}
