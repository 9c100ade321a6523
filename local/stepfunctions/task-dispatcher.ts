import { createHash } from 'node:crypto';
import type { DynamoDbService } from '../dynamodb/dynamodb-service';
import type { EventBusService } from '../eventbridge/event-bus-service';
import { AwsError } from '../http/aws-json';
import type { LambdaService } from '../lambda/lambda-service';
import type { TopicService } from '../sns/topic-service';
import type { QueueService } from '../sqs/queue-service';
import { TASK_TOKEN_PLACEHOLDER, type TaskStateInfo } from './definition';
import type { ExecutionHistory } from './history';
import {
  inputTooLarge,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
  resultTooLarge,
  type TerminalFailure,
  TerminalStatesError,
} from './limits';
import { TaskFailure, TIMEOUT_ERRORS, type TaskTokenRegistry } from './task-tokens';

/** What a running execution exposes to the integrations it calls. */
export interface ExecutionHandle {
  readonly arn: string;
  readonly history: ExecutionHistory;
  /** Child executions started with `.sync`, stopped when this one stops. */
  readonly children: Set<string>;
  /** Set when the execution is failing for good (data or history limit): no further task may start. */
  readonly terminalFailure?: TerminalFailure;
}

/** A task's TimeoutSeconds clock, kept beside the interpreter's own so the history says TaskTimedOut. */
interface TaskClock {
  timedOut: boolean;
  onExpiry?: () => void;
  readonly timer?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 0x7fffffff;

/** What `states:startExecution` needs from the Step Functions service. */
export interface ChildExecutionStarter {
  startChild(request: {
    stateMachineArn: string;
    input: string;
    name?: string;
    parentArn: string;
  }): Promise<{ executionArn: string; startDate: number }>;
  /** Resolves with the DescribeExecution shape once the execution is closed. */
  awaitClosed(executionArn: string): Promise<ChildOutcome>;
}

/** A closed child execution, in DescribeExecution shape with epoch-ms dates. */
export interface ChildOutcome {
  readonly ExecutionArn: string;
  readonly StateMachineArn: string;
  readonly Name: string;
  readonly Status: string;
  readonly StartDate: number;
  readonly StopDate: number;
  readonly Input: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/**
 * What the integrations are dispatched to: only the calls each one makes, so the dispatcher is
 * built with all of them at once and a test can hand it stand-ins.
 */
export interface DispatchTargets {
  readonly lambda: Pick<LambdaService, 'invoke' | 'resolve'>;
  readonly dynamodb: Pick<DynamoDbService, 'call'>;
  readonly events: Pick<EventBusService, 'putEvents'>;
  readonly queues: Pick<QueueService, 'send'>;
  readonly topics: Pick<TopicService, 'publish'>;
  readonly tokens: Pick<TaskTokenRegistry, 'issue' | 'expire' | 'revoke'>;
  readonly region: string;
  /** The Step Functions service, for `states:startExecution`. */
  readonly children: ChildExecutionStarter;
}

/** What the Step Functions service needs of the dispatcher: run one Task state. */
export type TaskRunner = Pick<TaskDispatcher, 'run'>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function replaceToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
}

/** `arn:aws:states:::aws-sdk:dynamodb:putItem` → resourceType `aws-sdk:dynamodb`, resource `putItem`. */
function describeResource(resource: string): { resourceType: string; resource: string } {
  const service = resource.split(':::')[1];
  if (service === undefined) return { resourceType: 'lambda', resource };
  const parts = service.split(':');
  const action = parts.pop() ?? '';
  return { resourceType: parts.join(':'), resource: action };
}

const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:/;

/**
 * Runs a Task state's integration by resource ARN, with the result shapes and error names
 * AWS uses, and records the Task* or LambdaFunction* history events on the way.
 */
export class TaskDispatcher {
  constructor(private readonly targets: DispatchTargets) {}

  /**
   * Starts the task's timeout clock. Called before the first await: the interpreter arms its
   * own timer for the same TimeoutSeconds right after, so this one fires first and the history
   * shows TaskTimedOut (and the token is dead) before the interpreter moves on with States.Timeout.
   */
  private startClock(task: TaskStateInfo): TaskClock {
    if (task.timeoutSeconds === undefined) return { timedOut: false };
    const clock: TaskClock = {
      timedOut: false,
      timer: setTimeout(
        () => {
          clock.timedOut = true;
          clock.onExpiry?.();
        },
        Math.min(task.timeoutSeconds * 1000, MAX_TIMER_MS),
      ),
    };
    clock.timer?.unref();
    return clock;
  }

  /** Runs one Task state with its effective parameters and returns the integration result. */
  async run(task: TaskStateInfo, parameters: unknown, execution: ExecutionHandle): Promise<unknown> {
    const clock = this.startClock(task);
    try {
      // Let the interpreter's StateEntered event reach the history before this task's events.
      await new Promise((resolve) => setImmediate(resolve));
      if (execution.terminalFailure) throw new TerminalStatesError(execution.terminalFailure);
      if (payloadBytes(parameters) > MAX_PAYLOAD_BYTES) throw new TerminalStatesError(inputTooLarge(task.name));
      const output = LAMBDA_ARN.test(task.resource)
        ? await this.runBareLambda(task, parameters, execution, clock)
        : await this.runIntegration(task, parameters, execution, clock);
      if (payloadBytes(output) > MAX_PAYLOAD_BYTES) throw new TerminalStatesError(resultTooLarge(task.name));
      return output;
    } finally {
      clearTimeout(clock.timer);
    }
  }

  private async runIntegration(
    task: TaskStateInfo,
    parameters: unknown,
    execution: ExecutionHandle,
    clock: TaskClock,
  ): Promise<unknown> {
    const { resourceType, resource } = describeResource(task.resource);
    const waitForToken = task.resource.endsWith('.waitForTaskToken');
    const history = execution.history;
    // After a timeout the task's late outcome is not part of the history, as in AWS.
    const record = (type: string, details: Record<string, unknown>): void => {
      if (!clock.timedOut) history.record(type, details);
    };
    let effective = parameters;
    let completion: Promise<unknown> | undefined;
    let token: string | undefined;
    if (waitForToken) {
      const issued = this.targets.tokens.issue(execution.arn, task.name, task.heartbeatSeconds);
      effective = replaceToken(parameters, issued.token);
      completion = issued.completion;
      token = issued.token;
    }
    clock.onExpiry = () => {
      history.record('TaskTimedOut', { resourceType, resource, error: 'States.Timeout', cause: '' });
      if (token) this.targets.tokens.expire(token, 'States.Timeout', '');
    };
    record('TaskScheduled', {
      resourceType,
      resource,
      region: this.targets.region,
      parameters: JSON.stringify(effective),
      ...(task.heartbeatSeconds !== undefined ? { heartbeatInSeconds: task.heartbeatSeconds } : {}),
      ...(task.timeoutSeconds !== undefined ? { timeoutInSeconds: task.timeoutSeconds } : {}),
    });
    record('TaskStarted', { resourceType, resource });
    try {
      const output = await this.invoke(task.resource, effective, execution, waitForToken);
      if (!completion) {
        record('TaskSucceeded', { resourceType, resource, output: JSON.stringify(output) });
        return output;
      }
      record('TaskSubmitted', { resourceType, resource, output: JSON.stringify(output) });
      const callbackOutput = await completion;
      record('TaskSucceeded', { resourceType, resource, output: JSON.stringify(callbackOutput) });
      return callbackOutput;
    } catch (error) {
      const failure =
        error instanceof TaskFailure ? error : new TaskFailure('States.TaskFailed', (error as Error).message);
      // Only this task's token: other branches of a Parallel or Map may still be waiting on theirs.
      if (token) this.targets.tokens.revoke(token);
      record(TIMEOUT_ERRORS.has(failure.name) ? 'TaskTimedOut' : 'TaskFailed', {
        resourceType,
        resource,
        error: failure.name,
        cause: failure.message,
      });
      throw failure;
    }
  }

  private async runBareLambda(
    task: TaskStateInfo,
    payload: unknown,
    execution: ExecutionHandle,
    clock: TaskClock,
  ): Promise<unknown> {
    const history = execution.history;
    const record = (type: string, details?: Record<string, unknown>): void => {
      if (!clock.timedOut) history.record(type, details);
    };
    clock.onExpiry = () => history.record('LambdaFunctionTimedOut', { error: 'States.Timeout', cause: '' });
    record('LambdaFunctionScheduled', {
      resource: task.resource,
      input: JSON.stringify(payload),
      ...(task.timeoutSeconds !== undefined ? { timeoutInSeconds: task.timeoutSeconds } : {}),
    });
    record('LambdaFunctionStarted');
    const outcome = await this.targets.lambda.invoke(task.resource, payload);
    if (outcome.ok) {
      record('LambdaFunctionSucceeded', { output: JSON.stringify(outcome.value) });
      return outcome.value;
    }
    const cause = JSON.stringify({
      errorMessage: outcome.error.errorMessage,
      errorType: outcome.error.errorType,
      stackTrace: outcome.error.trace,
    });
    record('LambdaFunctionFailed', { error: outcome.error.errorType, cause });
    throw new TaskFailure(outcome.error.errorType, cause);
  }

  private async invoke(
    resourceArn: string,
    parameters: unknown,
    execution: ExecutionHandle,
    waitForToken: boolean,
  ): Promise<unknown> {
    const params = isObject(parameters) ? parameters : {};
    const service = resourceArn.split(':::')[1] ?? '';
    const base = service.replace(/\.(waitForTaskToken|sync(:2)?)$/, '');
    if (base === 'lambda:invoke') return this.lambdaInvoke(params, waitForToken);
    if (base.startsWith('dynamodb:') || base.startsWith('aws-sdk:dynamodb:')) {
      const action = base.split(':').pop() as string;
      const prefix = base.startsWith('aws-sdk:') ? 'DynamoDb' : 'DynamoDB';
      try {
        return await this.targets.dynamodb.call(action.charAt(0).toUpperCase() + action.slice(1), params);
      } catch (error) {
        if (error instanceof AwsError) throw new TaskFailure(`${prefix}.${error.code}`, error.message);
        throw error;
      }
    }
    if (base === 'events:putEvents') return this.putEvents(params);
    if (base === 'sqs:sendMessage') return this.sendMessage(params);
    if (base === 'sns:publish') return this.publish(params);
    if (base === 'states:startExecution') return this.startExecution(resourceArn, params, execution);
    throw new TaskFailure('States.Runtime', `Integration ${resourceArn} is not dispatched by the local cloud`);
  }

  private async lambdaInvoke(params: Record<string, unknown>, asynchronous: boolean): Promise<unknown> {
    const functionName = params.FunctionName;
    if (typeof functionName !== 'string') throw new TaskFailure('States.Runtime', 'lambda:invoke needs a FunctionName');
    if (!this.targets.lambda.resolve(functionName))
      throw new TaskFailure('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
    const payload = params.Payload === undefined ? {} : params.Payload;
    if (asynchronous || params.InvocationType === 'Event') {
      // Asynchronous invocation: Lambda accepts the event; the function's outcome reaches the token holder, not this task.
      void this.targets.lambda.invoke(functionName, payload);
      return { StatusCode: 202, Payload: '' };
    }
    const outcome = await this.targets.lambda.invoke(functionName, payload);
    if (!outcome.ok) {
      throw new TaskFailure(
        outcome.error.errorType,
        JSON.stringify({
          errorMessage: outcome.error.errorMessage,
          errorType: outcome.error.errorType,
          stackTrace: outcome.error.trace,
        }),
      );
    }
    return {
      ExecutedVersion: '$LATEST',
      Payload: outcome.value,
      SdkHttpMetadata: { HttpHeaders: { 'Content-Type': 'application/json' }, HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: 'local' },
      StatusCode: 200,
    };
  }

  private async putEvents(params: Record<string, unknown>): Promise<unknown> {
    const entries = Array.isArray(params.Entries) ? params.Entries : [];
    const normalised = entries.map((entry) => {
      if (!isObject(entry)) return entry;
      // Step Functions accepts Detail as a JSON object and serialises it for EventBridge.
      return { ...entry, Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}) };
    });
    let result: { FailedEntryCount: number; Entries: Array<Record<string, string>> };
    try {
      result = await this.targets.events.putEvents({ Entries: normalised });
    } catch (error) {
      if (error instanceof AwsError) throw new TaskFailure(`EventBridge.${error.code}`, error.message);
      throw error;
    }
    if (result.FailedEntryCount > 0) throw new TaskFailure('EventBridge.FailedEntry', JSON.stringify(result));
    return result;
  }

  /** `sqs:sendMessage`: MessageBody may be JSON, which Step Functions serialises, as it does for SNS. */
  private async sendMessage(params: Record<string, unknown>): Promise<unknown> {
    if (typeof params.QueueUrl !== 'string')
      throw new TaskFailure('States.Runtime', 'sqs:sendMessage needs a QueueUrl');
    if (params.MessageBody === undefined)
      throw new TaskFailure('States.Runtime', 'sqs:sendMessage needs a MessageBody');
    const body = typeof params.MessageBody === 'string' ? params.MessageBody : JSON.stringify(params.MessageBody);
    const attributes: Record<string, string> = {};
    if (isObject(params.MessageAttributes)) {
      for (const [name, attribute] of Object.entries(params.MessageAttributes)) {
        if (isObject(attribute) && typeof attribute.StringValue === 'string') attributes[name] = attribute.StringValue;
      }
    }
    try {
      const messageId = await this.targets.queues.send(params.QueueUrl, body, attributes);
      return {
        MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
        MessageId: messageId,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: 'local' },
      };
    } catch (error) {
      if (error instanceof AwsError)
        throw new TaskFailure(
          error.code === 'AWS.SimpleQueueService.NonExistentQueue'
            ? 'SQS.QueueDoesNotExistException'
            : `SQS.${error.code}`,
          error.message,
        );
      throw error;
    }
  }

  /** `sns:publish` to a topic of the template. */
  private async publish(params: Record<string, unknown>): Promise<unknown> {
    const message =
      typeof params.Message === 'string' || params.Message === undefined
        ? params.Message
        : JSON.stringify(params.Message);
    try {
      const published = await this.targets.topics.publish({
        TopicArn: params.TopicArn,
        Message: message,
        Subject: params.Subject,
        MessageAttributes: params.MessageAttributes,
      });
      return {
        MessageId: published.MessageId,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: 'local' },
      };
    } catch (error) {
      if (error instanceof AwsError)
        throw new TaskFailure(
          `SNS.${error.code === 'NotFound' ? 'NotFoundException' : `${error.code}Exception`}`,
          error.message,
        );
      throw error;
    }
  }

  private async startExecution(
    resourceArn: string,
    params: Record<string, unknown>,
    execution: ExecutionHandle,
  ): Promise<unknown> {
    const stateMachineArn = params.StateMachineArn;
    if (typeof stateMachineArn !== 'string')
      throw new TaskFailure('States.Runtime', 'startExecution needs a StateMachineArn');
    const input =
      params.Input === undefined
        ? '{}'
        : typeof params.Input === 'string'
          ? params.Input
          : JSON.stringify(params.Input);
    let started: { executionArn: string; startDate: number };
    try {
      started = await this.targets.children.startChild({
        stateMachineArn,
        input,
        name: typeof params.Name === 'string' ? params.Name : undefined,
        parentArn: execution.arn,
      });
    } catch (error) {
      if (error instanceof AwsError) throw new TaskFailure(`StepFunctions.${error.code}`, error.message);
      throw error;
    }
    if (!/\.sync(:2)?$/.test(resourceArn)) return { ExecutionArn: started.executionArn, StartDate: started.startDate };
    execution.children.add(started.executionArn);
    const outcome = await this.targets.children.awaitClosed(started.executionArn);
    execution.children.delete(started.executionArn);
    const asJson = resourceArn.endsWith(':2');
    const described: Record<string, unknown> = {
      ...outcome,
      Input: asJson ? JSON.parse(outcome.Input) : outcome.Input,
      InputDetails: { Included: true },
    };
    if (outcome.Output !== undefined) {
      described.Output = asJson ? JSON.parse(outcome.Output) : outcome.Output;
      described.OutputDetails = { Included: true };
    }
    if (outcome.Status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(described));
    return described;
  }
}
