/** A JSON object as found in an ASL definition. */
export type AslObject = { [key: string]: unknown };

/** Placeholder that stands in for `$$.Task.Token` until a real token is issued. */
export const TASK_TOKEN_PLACEHOLDER = '\u0000psflow:task-token\u0000';

/**
 * Longest timeout the interpreter can honour: Node timers overflow past 2^31-1 ms (24.8
 * days) and then fire at once, so longer task and execution timeouts are capped locally.
 */
const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/** Integration patterns the local dispatcher serves, by the resource ARN's service part. */
const SUPPORTED_RESOURCES: ReadonlyArray<RegExp> = [
  /^arn:aws[\w-]*:states:::lambda:invoke(\.waitForTaskToken)?$/,
  /^arn:aws[\w-]*:lambda:[^:]+:\d+:function:[^:]+(:[^:]+)?$/,
  /^arn:aws[\w-]*:states:::dynamodb:(getItem|putItem|updateItem|deleteItem)$/,
  // Only the actions dynalite serves: it has no transactions, streams or TTL.
  /^arn:aws[\w-]*:states:::aws-sdk:dynamodb:(getItem|putItem|updateItem|deleteItem|query|scan|batchGetItem|batchWriteItem|describeTable|listTables)$/,
  /^arn:aws[\w-]*:states:::events:putEvents(\.waitForTaskToken)?$/,
  /^arn:aws[\w-]*:states:::states:startExecution(\.sync(:2)?|\.waitForTaskToken)?$/,
  /^arn:aws[\w-]*:states:::sqs:sendMessage(\.waitForTaskToken)?$/,
  /^arn:aws[\w-]*:states:::sns:publish(\.waitForTaskToken)?$/,
];

/** A Task state as the dispatcher needs it. */
export interface TaskStateInfo {
  readonly name: string;
  readonly resource: string;
  readonly heartbeatSeconds?: number;
  /** The declared TimeoutSeconds, if any: the dispatcher times the task out at the same moment. */
  readonly timeoutSeconds?: number;
}

/** A definition made ready for the interpreter, with its Task states indexed by name. */
export interface PreparedDefinition {
  readonly original: AslObject;
  readonly executable: AslObject;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  /** ItemsPath of each Map state, by name, for the MapStateStarted event's length. */
  readonly mapItemsPaths: ReadonlyMap<string, string>;
  /** Error and Cause texts that Fail states declare, to tell them from the interpreter's defaults. */
  readonly declaredFailTexts: ReadonlySet<string>;
}

/** Raised when a definition uses something the local interpreter cannot run faithfully. */
export class UnsupportedDefinitionError extends Error {
  override readonly name = 'UnsupportedDefinitionError';
}

function isObject(value: unknown): value is AslObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces `"X.$": "$$.Task.Token"` with a literal placeholder the dispatcher swaps for a real token. */
function substituteTaskToken(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(substituteTaskToken);
  if (!isObject(value)) return value;
  const result: AslObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('.$') && item === '$$.Task.Token') result[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
    else result[key] = substituteTaskToken(item);
  }
  return result;
}

/**
 * In AWS, `ResultPath: "$"` makes the result replace the whole state, exactly as an absent
 * ResultPath does. aws-local-stepfunctions 3.0 instead writes the result under a key named
 * "$", so a retry's corrected input never reached the step; dropping the field keeps AWS's
 * meaning. The same holds for a Catch's ResultPath.
 */
function replaceWholeStateResultPaths(state: AslObject): void {
  if (state.ResultPath === '$') delete state.ResultPath;
  if (Array.isArray(state.Catch)) {
    state.Catch = state.Catch.map((catcher: unknown) => {
      if (!isObject(catcher) || catcher.ResultPath !== '$') return catcher;
      const { ResultPath: _whole, ...rest } = catcher;
      return rest;
    });
  }
}

/**
 * Checks a definition against what the local interpreter runs faithfully and prepares
 * it: JSONata, `Assign` and unsupported integrations are refused, naming the state, so
 * nothing silently behaves differently from AWS.
 */
export function prepareDefinition(stateMachineName: string, definitionText: string): PreparedDefinition {
  let original: unknown;
  try {
    original = JSON.parse(definitionText);
  } catch (error) {
    throw new UnsupportedDefinitionError(
      `State machine ${stateMachineName}: definition is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!isObject(original))
    throw new UnsupportedDefinitionError(`State machine ${stateMachineName}: definition must be a JSON object`);
  const tasks = new Map<string, TaskStateInfo>();
  const mapItemsPaths = new Map<string, string>();
  const declaredFailTexts = new Set<string>();
  const names = new Set<string>();
  // Every problem is collected, so one start names all the states to fix, not one per restart.
  const problems: string[] = [];
  const fail = (state: string, reason: string): void => {
    problems.push(`State machine ${stateMachineName}, state ${state}: ${reason}`);
  };

  const prepareStates = (scope: AslObject, where: string): AslObject => {
    if (scope.QueryLanguage === 'JSONata')
      fail(where, 'QueryLanguage JSONata is not supported locally (aws-local-stepfunctions ignores it); use JSONPath');
    if (!isObject(scope.States)) {
      fail(where, 'has no States');
      return scope;
    }
    const states: AslObject = {};
    for (const [name, rawState] of Object.entries(scope.States)) {
      if (!isObject(rawState)) {
        fail(name, 'is not an object');
        continue;
      }
      const state: AslObject = { ...rawState };
      if (state.QueryLanguage === 'JSONata') fail(name, 'QueryLanguage JSONata is not supported locally; use JSONPath');
      const assigns = [
        state,
        ...(Array.isArray(state.Catch) ? state.Catch : []),
        ...(Array.isArray(state.Choices) ? state.Choices : []),
      ];
      if (assigns.some((holder) => isObject(holder) && 'Assign' in holder))
        fail(name, 'Assign (variables) is not supported locally; pass data through ResultPath instead');
      // The interpreter's context object has Execution, StateMachine, Task and Map, but no State.
      if (/"\$\$\.State\./.test(JSON.stringify(state)))
        fail(
          name,
          'the context object $$.State (EnteredTime, RetryCount) is not available locally; take times from a step result instead',
        );
      if (names.has(name)) fail(name, 'state names must be unique across the whole state machine');
      names.add(name);
      if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > MAX_TIMER_SECONDS)
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
      replaceWholeStateResultPaths(state);
      switch (state.Type) {
        case 'Task': {
          const resource = String(state.Resource);
          if (!SUPPORTED_RESOURCES.some((pattern) => pattern.test(resource))) {
            fail(
              name,
              `integration ${resource} is not dispatched by the local cloud (supported: Lambda, DynamoDB, EventBridge putEvents, SQS sendMessage, SNS publish, Step Functions startExecution)`,
            );
          }
          tasks.set(name, {
            name,
            resource,
            heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
            timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
          });
          if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
            state.TimeoutSeconds = MAX_TIMER_SECONDS;
          if (resource.endsWith('.waitForTaskToken')) state.Parameters = substituteTaskToken(state.Parameters);
          break;
        }
        case 'Parallel':
          state.Branches = (Array.isArray(state.Branches) ? state.Branches : []).map((branch: unknown, index) => {
            if (isObject(branch)) return prepareStates(branch, `${name} branch ${index}`);
            fail(name, 'branch is not an object');
            return branch;
          });
          break;
        case 'Map': {
          const processor = isObject(state.ItemProcessor)
            ? state.ItemProcessor
            : isObject(state.Iterator)
              ? state.Iterator
              : undefined;
          if (!processor) {
            fail(name, 'Map has no ItemProcessor');
            break;
          }
          const config = isObject(processor.ProcessorConfig) ? processor.ProcessorConfig : {};
          if (config.Mode === 'DISTRIBUTED' || 'ItemReader' in state || 'ResultWriter' in state) {
            fail(name, 'distributed Map (ItemReader, ResultWriter) is not supported locally');
          }
          mapItemsPaths.set(name, typeof state.ItemsPath === 'string' ? state.ItemsPath : '$');
          const prepared = prepareStates(processor, name);
          if (isObject(state.ItemProcessor)) state.ItemProcessor = prepared;
          else state.Iterator = prepared;
          break;
        }
        case 'Fail':
          for (const text of [state.Error, state.Cause]) if (typeof text === 'string') declaredFailTexts.add(text);
          break;
        default:
          break;
      }
      states[name] = state;
    }
    return { ...scope, States: states };
  };

  const executable = prepareStates(original, '(top level)');
  if (problems.length === 1) throw new UnsupportedDefinitionError(problems[0]);
  if (problems.length > 1)
    throw new UnsupportedDefinitionError(
      `State machine ${stateMachineName} cannot run locally (${problems.length} problems):\n  ${problems.join('\n  ')}`,
    );
  if (typeof executable.TimeoutSeconds === 'number' && executable.TimeoutSeconds > MAX_TIMER_SECONDS)
    executable.TimeoutSeconds = MAX_TIMER_SECONDS;
  return { original, executable, tasks, mapItemsPaths, declaredFailTexts };
}
