import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Chain,
  Choice,
  Condition,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  Pass,
  TaskInput,
  type IChainable,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName, RETRYABLE_ERRORS } from '../../shared/errors/error-names';

/** What a guarded step needs from its workflow. */
export interface GuardedStepProps {
  readonly workflow: string;
  /** The step itself; its name is the step name the exception records. */
  readonly task: TaskStateBase;
  /** Where the step reads its input; a retry with corrections replaces it. */
  readonly inputPath: string;
  /** Where the step writes its output; a skip writes the supplied output there. */
  readonly resultPath: string;
  readonly fileException: IFunction;
  /** Runs when the owner aborts: compensation, ending in a failure state. */
  readonly onAbort: IChainable;
  /** JSONPaths of the business keys the exception is listed under. */
  readonly clientIdPath?: string;
  readonly projectIdPath?: string;
  readonly retry?: { readonly maxAttempts: number; readonly interval: Duration };
}

/** Stable state names of a guarded step called `step`. */
export function guardedStepStateNames(step: string): {
  file: string;
  decide: string;
  correct: string;
  skip: string;
  invalid: string;
} {
  return {
    file: `File${step}Exception`,
    decide: `Decide${step}Recovery`,
    correct: `Correct${step}Input`,
    skip: `Use${step}SuppliedOutput`,
    invalid: `${step}RecoveryInvalid`,
  };
}

/**
 * The guarded-step pattern (design decision 6): retryable failures are retried with
 * exponential backoff and full jitter; a failure that remains files an exception owned by
 * the team its error class names, and the workflow waits on the exception's token. The owner
 * retries (optionally with corrected input), skips with evidence (the workflow continues with
 * the output they supply), or aborts (`psflow.Aborted`, which runs `onAbort`).
 */
export function guardedStep(scope: Construct, props: GuardedStepProps): Chain {
  const step = props.task.id;
  const names = guardedStepStateNames(step);
  const retry = props.retry ?? { maxAttempts: 3, interval: Duration.seconds(1) };
  props.task.addRetry({
    errors: [...RETRYABLE_ERRORS],
    interval: retry.interval,
    maxAttempts: retry.maxAttempts,
    backoffRate: 2,
    jitterStrategy: JitterType.FULL,
  });
  const file = new LambdaInvoke(scope, names.file, {
    lambdaFunction: props.fileException,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      taskToken: JsonPath.taskToken,
      workflow: props.workflow,
      'executionArn.$': '$$.Execution.Id',
      step,
      'failure.$': '$.failure',
      'stepInput.$': props.inputPath,
      ...(props.clientIdPath ? { 'clientId.$': props.clientIdPath } : {}),
      ...(props.projectIdPath ? { 'projectId.$': props.projectIdPath } : {}),
    }),
    resultPath: '$.recovery',
  });
  props.task.addCatch(file, { errors: ['States.ALL'], resultPath: '$.failure' });
  file.addCatch(props.onAbort, { errors: [ErrorName.Aborted], resultPath: '$.abort' });
  const correct = new Pass(scope, names.correct, { inputPath: '$.recovery.input', resultPath: props.inputPath });
  const skip = new Pass(scope, names.skip, { inputPath: '$.recovery.output', resultPath: props.resultPath });
  correct.next(props.task);
  file.next(
    new Choice(scope, names.decide)
      .when(Condition.stringEquals('$.recovery.action', 'retry'), correct)
      .when(Condition.stringEquals('$.recovery.action', 'skip'), skip)
      .otherwise(
        new Fail(scope, names.invalid, {
          error: ErrorName.InvalidRecovery,
          cause: 'the exception was answered with an unknown action',
        }),
      ),
  );
  return Chain.custom(props.task, [props.task, skip], skip);
}
