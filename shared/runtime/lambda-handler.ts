import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { ErrorName } from '../errors/error-names';
import { logger, metrics, tracer } from './powertools';

/**
 * A step's input did not fit its contract. Named, so a guarded step files it as an exception
 * with this reason code, and the message lists every offending path, so the owner knows what
 * to correct.
 */
export class InvalidStepInputError extends Error {
  override readonly name = ErrorName.InvalidStepInput;
  constructor(
    readonly step: string,
    readonly issues: readonly string[],
  ) {
    super(`${step}: the input does not fit the step's contract: ${issues.join('; ')}`);
  }
}

/** `/a/b/0: message` for each issue, so a correction can be written as a JSON Patch path. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `/${issue.path.map(String).join('/')}: ${issue.message}`);
}

/**
 * Builds every Lambda handler the same way (house style): the input is parsed with its zod
 * schema before any domain code runs, and a mismatch becomes an {@link InvalidStepInputError};
 * the logger gets the Lambda context, metrics are flushed after each invocation, and the
 * tracer captures the invocation (the SDK clients are captured where they are created).
 *
 * @param name the step or entry point, for the error message
 * @param input the schema of the event
 * @param fn the step itself: typed input in, result out
 */
export function lambdaHandler<Schema extends z.ZodType, Result>(
  name: string,
  input: Schema,
  fn: (input: z.output<Schema>, context: Context) => Promise<Result> | Result,
): MiddyfiedHandler<unknown, Result, Error, Context> {
  return middy<unknown, Result, Error, Context>(async (event: unknown, context: Context): Promise<Result> => {
    const parsed = input.safeParse(event);
    if (!parsed.success) throw new InvalidStepInputError(name, describeIssues(parsed.error));
    return fn(parsed.data, context);
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(captureLambdaHandler(tracer));
}
