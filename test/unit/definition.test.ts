import {
  type AslObject,
  prepareDefinition,
  TASK_TOKEN_PLACEHOLDER,
  UnsupportedDefinitionError,
} from '../../local/stepfunctions/definition';

/** Node clamps a timer delay above this to 1 ms, so a longer Task timeout would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:psflow-test-fn';

function isRecord(value: unknown): value is AslObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The executable form of a state, found by a path of keys and indexes from the definition root. */
function at(root: AslObject, ...keys: Array<string | number>): AslObject {
  let current: unknown = root;
  for (const key of keys) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isRecord(current) ? current[key] : undefined;
  }
  if (!isRecord(current)) throw new Error(`nothing at ${keys.join('.')}`);
  return current;
}

function prepare(definition: AslObject, name = 'psflow-test-unit'): ReturnType<typeof prepareDefinition> {
  return prepareDefinition(name, JSON.stringify(definition));
}

function refusalOf(definition: AslObject): Error {
  try {
    prepare(definition);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the definition was accepted');
}

function singleTask(resource: string, extra: AslObject = {}): AslObject {
  return { StartAt: 'DoWork', States: { DoWork: { Type: 'Task', Resource: resource, End: true, ...extra } } };
}

describe('prepareDefinition task tokens', () => {
  it('replaces $$.Task.Token with the placeholder in a waitForTaskToken Lambda task', () => {
    // Prepare
    const definition = singleTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
      Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'taskToken.$': '$$.Task.Token', 'input.$': '$' } },
    });

    // Act
    const { executable } = prepare(definition);

    // Assess
    expect(at(executable, 'States', 'DoWork', 'Parameters', 'Payload')).toEqual({
      taskToken: TASK_TOKEN_PLACEHOLDER,
      'input.$': '$',
    });
  });

  it('replaces the token inside arrays, as in an EventBridge putEvents entry', () => {
    // Prepare
    const definition = singleTask('arn:aws:states:::events:putEvents.waitForTaskToken', {
      Parameters: {
        Entries: [
          {
            Source: 'psflow.test',
            DetailType: 'Approval Requested',
            Detail: { 'TaskToken.$': '$$.Task.Token', 'quote.$': '$.quote' },
          },
        ],
      },
    });

    // Act
    const { executable } = prepare(definition);

    // Assess
    expect(at(executable, 'States', 'DoWork', 'Parameters', 'Entries', 0, 'Detail')).toEqual({
      TaskToken: TASK_TOKEN_PLACEHOLDER,
      'quote.$': '$.quote',
    });
  });

  it('replaces the token in a waitForTaskToken task nested in a Parallel branch', () => {
    // Prepare
    const definition = {
      StartAt: 'AskApprovers',
      States: {
        AskApprovers: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'AskFinance',
              States: {
                AskFinance: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'token.$': '$$.Task.Token' } },
                  End: true,
                },
              },
            },
          ],
        },
      },
    };

    // Act
    const { executable } = prepare(definition);

    // Assess
    expect(
      at(executable, 'States', 'AskApprovers', 'Branches', 0, 'States', 'AskFinance', 'Parameters', 'Payload'),
    ).toEqual({ token: TASK_TOKEN_PLACEHOLDER });
  });

  it('leaves the original definition as written', () => {
    // Prepare
    const definition = singleTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
      Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'taskToken.$': '$$.Task.Token' } },
    });

    // Act
    const { original } = prepare(definition);

    // Assess
    expect(original).toEqual(definition);
  });
});

describe('prepareDefinition task timeouts', () => {
  it('gives a task without a timeout the longest one a Node timer can hold', () => {
    // Prepare
    const definition = singleTask('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: FUNCTION_ARN } });

    // Act
    const timeout = at(prepare(definition).executable, 'States', 'DoWork').TimeoutSeconds;

    // Assess
    expect(typeof timeout).toBe('number');
    expect(Number.isInteger(timeout)).toBe(true);
    expect(Number(timeout) * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
    // A human task may wait for weeks: anything much shorter than the timer limit would time it out early.
    expect((Number(timeout) + 1) * 1000).toBeGreaterThan(MAX_TIMER_MS);
  });

  it('gives nested tasks in branches and Map processors the same finite timeout', () => {
    // Prepare
    const definition = {
      StartAt: 'FanOut',
      States: {
        FanOut: {
          Type: 'Parallel',
          Next: 'EachLine',
          Branches: [
            { StartAt: 'InBranch', States: { InBranch: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } },
          ],
        },
        EachLine: {
          Type: 'Map',
          End: true,
          ItemProcessor: { StartAt: 'InMap', States: { InMap: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } },
        },
      },
    };

    // Act
    const { executable } = prepare(definition);
    const timeouts = [
      at(executable, 'States', 'FanOut', 'Branches', 0, 'States', 'InBranch').TimeoutSeconds,
      at(executable, 'States', 'EachLine', 'ItemProcessor', 'States', 'InMap').TimeoutSeconds,
    ];

    // Assess
    for (const timeout of timeouts) {
      expect(Number.isFinite(timeout)).toBe(true);
      expect(Number(timeout) * 1000).toBeLessThan(2 ** 31);
    }
  });

  it('keeps a timeout the task declares', () => {
    // Prepare
    const definition = singleTask(FUNCTION_ARN, { TimeoutSeconds: 30 });

    // Act
    const state = at(prepare(definition).executable, 'States', 'DoWork');

    // Assess
    expect(state.TimeoutSeconds).toBe(30);
  });

  it('adds no fixed timeout to a task that reads its timeout from the input', () => {
    // Prepare
    const definition = singleTask(FUNCTION_ARN, { TimeoutSecondsPath: '$.timeoutSeconds' });

    // Act
    const state = at(prepare(definition).executable, 'States', 'DoWork');

    // Assess
    expect(state).not.toHaveProperty('TimeoutSeconds');
    expect(state.TimeoutSecondsPath).toBe('$.timeoutSeconds');
  });
});

describe('prepareDefinition state names', () => {
  it('refuses a Task name used in two Parallel branches, naming it', () => {
    // Prepare
    const branch = {
      StartAt: 'BookResource',
      States: { BookResource: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
    };
    const definition = {
      StartAt: 'FanOut',
      States: { FanOut: { Type: 'Parallel', End: true, Branches: [branch, branch] } },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error.message).toContain('state BookResource');
    expect(error.message).toContain('unique');
  });

  it('refuses a Task name used both at the top level and inside a Map', () => {
    // Prepare
    const definition = {
      StartAt: 'PriceLine',
      States: {
        PriceLine: { Type: 'Task', Resource: FUNCTION_ARN, Next: 'EachLine' },
        EachLine: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'PriceLine',
            States: { PriceLine: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
          },
        },
      },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error.message).toContain('state PriceLine');
  });
});

describe('prepareDefinition Map states', () => {
  const inline = { StartAt: 'PriceLine', States: { PriceLine: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } };

  it('refuses a distributed Map, naming it', () => {
    // Prepare
    const definition = {
      StartAt: 'EachFile',
      States: {
        EachFile: {
          Type: 'Map',
          End: true,
          ItemProcessor: { ...inline, ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
        },
      },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error.message).toMatch(/state EachFile: distributed Map/);
  });

  it('refuses a Map that reads its items from S3', () => {
    // Prepare
    const definition = {
      StartAt: 'EachRow',
      States: {
        EachRow: {
          Type: 'Map',
          End: true,
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } },
          ItemProcessor: inline,
        },
      },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error.message).toMatch(/state EachRow: distributed Map/);
  });

  it('accepts an inline Map written with the legacy Iterator field', () => {
    // Prepare
    const definition = { StartAt: 'EachLine', States: { EachLine: { Type: 'Map', End: true, Iterator: inline } } };

    // Act
    const { tasks } = prepare(definition);

    // Assess
    expect([...tasks.keys()]).toEqual(['PriceLine']);
  });
});

describe('prepareDefinition integrations', () => {
  it.each([
    ['a bare Lambda function ARN', FUNCTION_ARN],
    ['a Lambda alias ARN', `${FUNCTION_ARN}:live`],
    ['lambda:invoke', 'arn:aws:states:::lambda:invoke'],
    ['lambda:invoke.waitForTaskToken', 'arn:aws:states:::lambda:invoke.waitForTaskToken'],
    ['dynamodb:putItem', 'arn:aws:states:::dynamodb:putItem'],
    ['dynamodb:getItem', 'arn:aws:states:::dynamodb:getItem'],
    ['dynamodb:updateItem', 'arn:aws:states:::dynamodb:updateItem'],
    ['dynamodb:deleteItem', 'arn:aws:states:::dynamodb:deleteItem'],
    ['aws-sdk:dynamodb:query', 'arn:aws:states:::aws-sdk:dynamodb:query'],
    ['events:putEvents', 'arn:aws:states:::events:putEvents'],
    ['events:putEvents.waitForTaskToken', 'arn:aws:states:::events:putEvents.waitForTaskToken'],
    ['states:startExecution', 'arn:aws:states:::states:startExecution'],
    ['states:startExecution.sync', 'arn:aws:states:::states:startExecution.sync'],
    ['states:startExecution.sync:2', 'arn:aws:states:::states:startExecution.sync:2'],
    ['a GovCloud partition', 'arn:aws-us-gov:states:::lambda:invoke'],
    ['sqs:sendMessage', 'arn:aws:states:::sqs:sendMessage'],
    ['sns:publish', 'arn:aws:states:::sns:publish'],
  ])('accepts %s and indexes the task by name', (_label, resource) => {
    // Prepare
    const definition = singleTask(resource, { HeartbeatSeconds: 60, TimeoutSeconds: 120 });

    // Act
    const { tasks } = prepare(definition);

    // Assess
    expect([...tasks.values()]).toEqual([{ name: 'DoWork', resource, heartbeatSeconds: 60, timeoutSeconds: 120 }]);
  });

  it.each([
    ['ecs:runTask.sync', 'arn:aws:states:::ecs:runTask.sync'],
    ['an activity', 'arn:aws:states:us-east-1:123456789012:activity:approve'],
    ['a Lambda layer ARN', 'arn:aws:lambda:us-east-1:123456789012:layer:tools'],
  ])('refuses %s, naming the state and the resource', (_label, resource) => {
    // Prepare
    const definition = singleTask(resource);

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error.message).toContain('psflow-test-unit');
    expect(error.message).toContain('state DoWork');
    expect(error.message).toContain(resource);
  });

  it('refuses text that is not JSON, naming the state machine', () => {
    // Prepare
    const text = '{"StartAt": "DoWork", ';

    // Act
    const act = (): unknown => prepareDefinition('psflow-test-broken', text);

    // Assess
    expect(act).toThrow(UnsupportedDefinitionError);
    expect(act).toThrow(/psflow-test-broken: definition is not valid JSON/);
  });
});

describe('prepareDefinition limits of the local interpreter', () => {
  it('caps declared task and execution timeouts to what a Node timer can hold', () => {
    // Prepare: a 30-day human task inside a machine with a very long execution timeout.
    const definition = {
      ...singleTask('arn:aws:states:::lambda:invoke.waitForTaskToken', {
        TimeoutSeconds: 2_592_000,
        Parameters: { FunctionName: FUNCTION_ARN },
      }),
      TimeoutSeconds: 99_999_999,
    };

    // Act
    const { executable } = prepare(definition);

    // Assess
    expect(Number(at(executable, 'States', 'DoWork').TimeoutSeconds) * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(Number(executable.TimeoutSeconds) * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('refuses a non-Task state name used twice across Parallel branches', () => {
    // Prepare
    const branch = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
    const definition = {
      StartAt: 'FanOut',
      States: { FanOut: { Type: 'Parallel', Branches: [branch, branch], End: true } },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error.message).toContain('state Done');
  });

  it('refuses Assign inside a Catch and inside a Choice rule', () => {
    // Prepare
    const inCatch = singleTask(FUNCTION_ARN, {
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover', Assign: { failed: true } }],
    });
    (inCatch.States as AslObject).Recover = { Type: 'Pass', End: true };
    const inChoice = {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.a', IsPresent: true, Next: 'Done', Assign: { routed: true } }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };

    // Act
    const errors = [refusalOf(inCatch), refusalOf(inChoice)];

    // Assess
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining('state DoWork: Assign'),
      expect.stringContaining('state Route: Assign'),
    ]);
  });

  it('refuses DynamoDB transactions, which dynalite cannot serve', () => {
    // Act
    const error = refusalOf(
      singleTask('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', { Parameters: { TransactItems: [] } }),
    );

    // Assess
    expect(error.message).toContain('state DoWork: integration arn:aws:states:::aws-sdk:dynamodb:transactWriteItems');
  });
});

describe('prepareDefinition ResultPath "$"', () => {
  it('replaces the whole state with a Pass result, as AWS does, instead of writing a key named "$"', async () => {
    // Prepare
    await import('../../local/polyfills');
    const { StateMachine } = await import('aws-local-stepfunctions');
    const definition: AslObject = {
      StartAt: 'CorrectStepInput',
      States: { CorrectStepInput: { Type: 'Pass', InputPath: '$.recovery.input', ResultPath: '$', End: true } },
    };
    const { executable } = prepare(definition);
    const machine = new StateMachine(executable as unknown as ConstructorParameters<typeof StateMachine>[0]);

    // Act
    const output = await machine.run({
      engagement: { hours: 10 },
      recovery: { input: { engagement: { hours: 50000 } } },
    }).result;

    // Assess
    expect(output).toEqual({ engagement: { hours: 50000 } });
  });

  it('replaces the whole state with the error output of a Catch whose ResultPath is "$"', () => {
    // Prepare
    const definition = singleTask(FUNCTION_ARN, {
      Catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'Recover' },
        { ErrorEquals: ['Other'], ResultPath: '$.error', Next: 'Recover' },
      ],
    });
    (definition.States as AslObject).Recover = { Type: 'Pass', End: true };

    // Act
    const { executable, original } = prepare(definition);

    // Assess
    expect(at(executable, 'States', 'DoWork').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], Next: 'Recover' },
      { ErrorEquals: ['Other'], ResultPath: '$.error', Next: 'Recover' },
    ]);
    expect(at(original, 'States', 'DoWork', 'Catch', 0)).toMatchObject({ ResultPath: '$' });
  });
});

describe('prepareDefinition refusals', () => {
  it('names every offending state of a definition in one refusal', () => {
    // Prepare
    const definition: AslObject = {
      StartAt: 'RunContainer',
      States: {
        RunContainer: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Next: 'Remember' },
        Remember: { Type: 'Pass', Assign: { seen: true }, Next: 'FanOut' },
        FanOut: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'Each',
            States: { Each: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    };

    // Act
    const error = refusalOf(definition);

    // Assess
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error.message).toContain('psflow-test-unit cannot run locally (3 problems)');
    expect(error.message).toContain('state RunContainer: integration arn:aws:states:::ecs:runTask.sync');
    expect(error.message).toContain('state Remember: Assign');
    expect(error.message).toContain('state FanOut: distributed Map');
  });
});
