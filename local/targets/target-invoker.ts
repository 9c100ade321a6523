import { AwsError } from '../http/aws-json';
import type { InvocationOutcome } from '../lambda/lambda-service';

/** What the invoker needs of the services it dispatches to. */
export interface TargetServices {
  readonly stepFunctions: {
    startExecution(request: { stateMachineArn: string; name: string; input: string }): Promise<unknown>;
  };
  readonly lambda: { invoke(functionArn: string, payload: unknown): Promise<InvocationOutcome> };
  readonly queues: { send(queueArn: string, body: string): Promise<unknown> };
}

/** One delivery to a target. */
export interface TargetInvocation {
  /** A state machine, Lambda function or SQS queue ARN. */
  readonly arn: string;
  /** The delivered input, as JSON text. */
  readonly input: string;
  /** Names the execution when the target is a state machine. */
  readonly executionName: string;
  /**
   * A redelivery after a crash may find its execution already started, which then counts as
   * delivered; a fresh delivery (a schedule's firing) has a unique name and never does.
   */
  readonly alreadyStartedIsDelivered?: boolean;
}

/**
 * Delivers an input to a target by its ARN, as EventBridge rules and Scheduler schedules both do:
 * a state machine starts an execution, a Lambda function is invoked (a function error fails the
 * delivery, so the caller retries or dead-letters it), anything else is an SQS queue.
 */
export class TargetInvoker {
  constructor(private readonly services: TargetServices) {}

  /** Delivers one input; throws, with the error's AWS name, when the delivery fails. */
  async invoke({ arn, input, executionName, alreadyStartedIsDelivered = false }: TargetInvocation): Promise<void> {
    if (arn.includes(':states:')) {
      try {
        await this.services.stepFunctions.startExecution({ stateMachineArn: arn, input, name: executionName });
      } catch (error) {
        if (!(alreadyStartedIsDelivered && error instanceof AwsError && error.code === 'ExecutionAlreadyExists'))
          throw error;
      }
    } else if (arn.includes(':lambda:')) {
      const outcome = await this.services.lambda.invoke(arn, parsePayload(input));
      if (!outcome.ok) throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
    } else {
      await this.services.queues.send(arn, input);
    }
  }
}

/** Lambda takes JSON only, and says so in its own words when the payload is not. */
function parsePayload(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    throw Object.assign(new Error('Could not parse request body into json'), {
      name: 'InvalidRequestContentException',
    });
  }
}
