import fs from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { ErrorName } from '../../shared/errors/error-names';
import { InvalidStepInputError, lambdaHandler } from '../../shared/runtime/lambda-handler';

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'psflow-test-step',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:psflow-test-step',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/psflow-test-step',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

const Input = z.object({ projectId: z.string().min(1), hours: z.number().positive() });

describe('lambdaHandler', () => {
  it('hands the step its parsed input and returns what the step returns', async () => {
    // Prepare
    const seen: unknown[] = [];
    const handler = lambdaHandler('Plan', Input, (input) => {
      seen.push(input);
      return { planned: input.hours * 2 };
    });

    // Act
    const result = await handler({ projectId: 'PRJ-1', hours: 4, extra: 'dropped' }, context);

    // Assess
    expect(result).toEqual({ planned: 8 });
    expect(seen).toEqual([{ projectId: 'PRJ-1', hours: 4 }]);
  });

  it('refuses input that does not fit, naming every path as a JSON Pointer, before the step runs', async () => {
    // Prepare
    const step = jest.fn();
    const handler = lambdaHandler('Plan', Input, step);

    // Act
    const error: unknown = await handler({ projectId: '', hours: 'four' }, context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect(error).toMatchObject({ name: ErrorName.InvalidStepInput, step: 'Plan' });
    expect((error as InvalidStepInputError).issues).toEqual([
      expect.stringMatching(/^\/projectId: /),
      expect.stringMatching(/^\/hours: /),
    ]);
    expect((error as Error).message).toMatch(
      /^Plan: the input does not fit the step's contract: \/projectId: .*; \/hours: /,
    );
    expect(step).not.toHaveBeenCalled();
  });

  it('lets a named error from the step through with its name, so the state machine can catch it by name', async () => {
    // Prepare
    class ThrottledError extends Error {
      override readonly name = ErrorName.RetryableConnector;
    }
    const handler = lambdaHandler('Plan', Input, () => {
      throw new ThrottledError('erp.createProject: 429');
    });

    // Act
    const error: unknown = await handler({ projectId: 'PRJ-1', hours: 1 }, context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'RetryableConnectorError', message: 'erp.createProject: 429' });
  });
});

describe('every Lambda handler', () => {
  const functionsDirectory = path.resolve(__dirname, '..', '..', 'functions');
  const handlerFiles = fs
    .readdirSync(functionsDirectory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'));

  it('is built by the one handler factory, never by hand', () => {
    // Act
    // A function folder may hold one `<folder>-dependencies.ts` that wires its handlers' adapters.
    const offenders = handlerFiles.filter((file) => {
      const source = fs.readFileSync(path.join(functionsDirectory, file), 'utf8');
      const wiring = file.endsWith('-dependencies.ts') && !/export const handler\b/.test(source);
      return (
        (!wiring && !/export const handler = lambdaHandler\(/.test(source)) ||
        /from '@middy\/core'|injectLambdaContext|captureLambdaHandler/.test(source)
      );
    });

    // Assess
    expect(handlerFiles.length).toBeGreaterThanOrEqual(16);
    expect(offenders).toEqual([]);
  });
});
