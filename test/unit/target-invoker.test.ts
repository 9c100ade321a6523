import { AwsError } from '../../local/http/aws-json';
import type { InvocationOutcome } from '../../local/lambda/lambda-service';
import { TargetInvoker, type TargetServices } from '../../local/targets/target-invoker';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-project-activation';
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:psflow-sweep';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:psflow-dlq';

/** Records every call and answers as told. */
function fakeServices(answers: { start?: () => Promise<unknown>; invoke?: InvocationOutcome } = {}): {
  services: TargetServices;
  calls: unknown[];
} {
  const calls: unknown[] = [];
  return {
    calls,
    services: {
      stepFunctions: {
        startExecution: async (request) => (calls.push(['start', request]), (answers.start ?? (async () => ({})))()),
      },
      lambda: {
        invoke: async (arn, payload) => (
          calls.push(['invoke', arn, payload]),
          answers.invoke ?? { ok: true, value: null }
        ),
      },
      queues: { send: async (arn, body) => (calls.push(['send', arn, body]), 'message-1') },
    },
  };
}

describe('TargetInvoker', () => {
  it('starts a state machine execution with the given name, invokes a function with the parsed input, and sends anything else to its queue', async () => {
    // Prepare
    const { services, calls } = fakeServices();
    const invoker = new TargetInvoker(services);

    // Act
    await invoker.invoke({ arn: MACHINE, input: '{"a":1}', executionName: 'run-1' });
    await invoker.invoke({ arn: FUNCTION, input: '{"b":2}', executionName: 'unused' });
    await invoker.invoke({ arn: QUEUE, input: '{"c":3}', executionName: 'unused' });

    // Assess
    expect(calls).toEqual([
      ['start', { stateMachineArn: MACHINE, input: '{"a":1}', name: 'run-1' }],
      ['invoke', FUNCTION, { b: 2 }],
      ['send', QUEUE, '{"c":3}'],
    ]);
  });

  it('counts an execution already started as delivered only for a redelivery', async () => {
    // Prepare
    const { services } = fakeServices({
      start: async () => Promise.reject(new AwsError('ExecutionAlreadyExists', 'Execution already exists', 400)),
    });
    const invoker = new TargetInvoker(services);

    // Act
    const redelivered = invoker.invoke({
      arn: MACHINE,
      input: '{}',
      executionName: 'run-1',
      alreadyStartedIsDelivered: true,
    });
    const fresh = invoker.invoke({ arn: MACHINE, input: '{}', executionName: 'run-1' });

    // Assess
    await expect(redelivered).resolves.toBeUndefined();
    await expect(fresh).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
  });

  it("fails the delivery with the function's error name when the function fails", async () => {
    // Prepare
    const { services } = fakeServices({
      invoke: {
        ok: false,
        error: { errorType: 'PermanentConnectorError', errorMessage: 'the period is closed', trace: [] },
      },
    });

    // Act
    const delivery = new TargetInvoker(services).invoke({ arn: FUNCTION, input: '{}', executionName: 'unused' });

    // Assess
    await expect(delivery).rejects.toMatchObject({ name: 'PermanentConnectorError', message: 'the period is closed' });
  });

  it('refuses input that is not JSON for a function, in Lambda words, without invoking it', async () => {
    // Prepare
    const { services, calls } = fakeServices();

    // Act
    const delivery = new TargetInvoker(services).invoke({ arn: FUNCTION, input: 'not json', executionName: 'unused' });

    // Assess
    await expect(delivery).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      message: 'Could not parse request body into json',
    });
    expect(calls).toEqual([]);
  });
});
