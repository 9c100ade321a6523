import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Chain,
  Choice,
  Timeout,
  Condition,
  Fail,
  IntegrationPattern,
  JsonPath,
  Map as MapState,
  Pass,
  TaskInput,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName } from '../../shared/errors/error-names';

/** What an approval step needs from its workflow. */
export interface HumanApprovalProps {
  /** PascalCase stem of the state names, e.g. `Contract` gives `RouteContractApproval`. */
  readonly name: string;
  readonly workflow: string;
  readonly routeApproval: IFunction;
  readonly openApprovalTask: IFunction;
  /** JSONPath of the subject: `{ title, amount, region, practice, clientId?, ... }`. */
  readonly subjectPath: string;
  /** JSONPath of the user who asked, for separation of duties. */
  readonly requestedByPath: string;
  /** Where the route and the decisions are written in the state. */
  readonly resultPath: string;
  /** The longest a single level may wait before the workflow gives up on it. */
  readonly levelTimeout?: Duration;
  /**
   * Runs on a rejection (the rejection under `$.rejection`) instead of failing at once at
   * `<name>Rejected`; it must end in a failure state of its own, so a rejection still fails.
   */
  readonly onRejected?: IChainable;
}

/** Stable state names of an approval step named `name`. */
export function humanApprovalStateNames(name: string): {
  route: string;
  needed: string;
  collect: string;
  request: string;
  rejected: string;
  granted: string;
} {
  return {
    route: `Route${name}Approval`,
    needed: `Is${name}ApprovalNeeded`,
    collect: `Collect${name}Approvals`,
    request: `Request${name}Approval`,
    rejected: `${name}Rejected`,
    granted: `${name}Approved`,
  };
}

/**
 * The human-task pattern: the decision table routes the request to zero or more approval
 * levels; each level, in order, opens a task in the task store and waits on its token
 * (`.waitForTaskToken`) until a person decides through the API or CLI. A rejection fails the
 * level with `psflow.ApprovalRejected`, which ends the workflow at `<name>Rejected`; no
 * levels means the policy approved it outright.
 */
export function humanApproval(scope: Construct, props: HumanApprovalProps): Chain {
  const names = humanApprovalStateNames(props.name);
  const route = new LambdaInvoke(scope, names.route, {
    lambdaFunction: props.routeApproval,
    payload: TaskInput.fromObject({ workflow: props.workflow, 'subject.$': props.subjectPath }),
    resultSelector: { 'route.$': '$.Payload' },
    resultPath: props.resultPath,
    retryOnServiceExceptions: true,
  });
  const request = new LambdaInvoke(scope, names.request, {
    lambdaFunction: props.openApprovalTask,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      taskToken: JsonPath.taskToken,
      workflow: props.workflow,
      'executionArn.$': '$.executionArn',
      step: names.collect,
      'requestedBy.$': '$.requestedBy',
      'subject.$': '$.subject',
      'levelIndex.$': '$.levelIndex',
      'levels.$': '$.route.levels',
      'policy.$': '$.route.policy',
    }),
    taskTimeout: Timeout.duration(props.levelTimeout ?? Duration.days(14)),
  });
  const collect = new MapState(scope, names.collect, {
    itemsPath: `${props.resultPath}.route.levelIndexes`,
    maxConcurrency: 1,
    itemSelector: {
      'levelIndex.$': '$$.Map.Item.Value',
      'route.$': `${props.resultPath}.route`,
      'subject.$': props.subjectPath,
      'requestedBy.$': props.requestedByPath,
      'executionArn.$': '$$.Execution.Id',
    },
    resultPath: `${props.resultPath}.decisions`,
  });
  collect.itemProcessor(request);
  const rejected =
    props.onRejected ??
    new Fail(scope, names.rejected, {
      error: ErrorName.ApprovalRejected,
      causePath: '$.rejection.Cause',
    });
  collect.addCatch(rejected, { errors: [ErrorName.ApprovalRejected], resultPath: '$.rejection' });
  const granted = new Pass(scope, names.granted);
  const needed = new Choice(scope, names.needed)
    .when(Condition.numberGreaterThan(`${props.resultPath}.route.levelCount`, 0), collect.next(granted))
    .otherwise(granted);
  route.next(needed);
  return Chain.custom(route, [granted], granted);
}
