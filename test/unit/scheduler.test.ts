import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCloudAssembly, type TemplateResource, type TemplateValue } from '../../local/cdk/cloud-assembly';
import {
  buildResourceModel,
  type ResourceModel,
  type ScheduleSpec,
  type ScheduleTargetSpec,
} from '../../local/cdk/resource-model';
import {
  formatScheduledTime,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleFire,
  substituteContextAttributes,
} from '../../local/scheduler/schedule-expression';
import { SchedulerService } from '../../local/scheduler/scheduler-service';

const at = (iso: string): number => Date.parse(iso);
const UTC = { timezone: 'UTC' };

describe('parseScheduleExpression', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(3 days)', 259_200_000],
  ])('reads %s as an interval of %d ms', (text, intervalMs) => {
    // Act
    const expression = parseScheduleExpression(text);

    // Assess
    expect(expression).toEqual({ kind: 'rate', text, intervalMs });
  });

  it('reads an at() expression as a wall-clock time', () => {
    // Act
    const expression = parseScheduleExpression('at(2026-11-25T10:00:00)');

    // Assess
    expect(expression).toEqual({
      kind: 'at',
      text: 'at(2026-11-25T10:00:00)',
      at: { year: 2026, month: 11, day: 25, hour: 10, minute: 0, second: 0 },
    });
  });

  it.each([
    ['rate(0 minutes)', 'the rate must be at least 1'],
    ['rate(5 seconds)', 'not a rate(), at() or cron() expression'],
    ['at(2026-02-30T10:00:00)', 'not a valid date and time'],
    ['at(2026-11-25 10:00)', 'not a rate(), at() or cron() expression'],
    ['cron(0 10 * * *)', 'cron() takes 6 fields'],
    ['cron(0 10 * * MON *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 10 L * ? *)', 'the L, W and # cron wildcards are not served locally'],
    ['cron(0 10 ? * 2#1 *)', 'the L, W and # cron wildcards are not served locally'],
    ['cron(0 25 * * ? *)', '"25" is out of range 0-23'],
  ])('refuses %s, saying why', (text, reason) => {
    // Act
    const parse = (): unknown => parseScheduleExpression(text);

    // Assess
    expect(parse).toThrow(reason);
  });
});

describe('nextFireTime', () => {
  it('fires a rate() schedule one interval after the start of the minute it started in, then every interval', () => {
    // Prepare
    const expression = parseScheduleExpression('rate(5 minutes)');
    const now = at('2026-11-25T10:02:31.500Z');

    // Act
    const first = nextFireTime(expression, now, UTC);
    const second = nextFireTime(expression, at('2026-11-25T10:07:00.010Z'), UTC, first);

    // Assess
    expect(first).toBe(at('2026-11-25T10:07:00Z'));
    expect(second).toBe(at('2026-11-25T10:12:00Z'));
  });

  it('overrides the rate with --schedule-interval, counting from the whole second', () => {
    // Prepare
    const expression = parseScheduleExpression('rate(1 day)');

    // Act
    const first = nextFireTime(expression, at('2026-11-25T10:02:31.500Z'), { ...UTC, rateOverrideMs: 1000 });

    // Assess
    expect(first).toBe(at('2026-11-25T10:02:32Z'));
  });

  it('skips the times missed while the process was not running its timers', () => {
    // Prepare
    const expression = parseScheduleExpression('rate(1 minute)');

    // Act
    const next = nextFireTime(expression, at('2026-11-25T10:10:30Z'), UTC, at('2026-11-25T10:01:00Z'));

    // Assess
    expect(next).toBe(at('2026-11-25T10:11:00Z'));
  });

  it('fires an at() schedule once, in its time zone, and never when the time has passed', () => {
    // Prepare
    const expression = parseScheduleExpression('at(2026-11-25T10:00:00)');
    const now = at('2026-11-25T08:00:00Z');

    // Act
    const utc = nextFireTime(expression, now, UTC);
    const berlin = nextFireTime(expression, now, { timezone: 'Europe/Berlin' });
    const again = nextFireTime(expression, now, UTC, utc);
    const past = nextFireTime(expression, at('2026-11-25T10:00:01Z'), UTC);

    // Assess
    expect(utc).toBe(at('2026-11-25T10:00:00Z'));
    expect(berlin).toBe(at('2026-11-25T09:00:00Z'));
    expect([again, past]).toEqual([undefined, undefined]);
  });

  it('finds the next cron() time by day of week, in the schedule time zone', () => {
    // Prepare
    const weekdays = parseScheduleExpression('cron(30 9 ? * MON-FRI *)');
    const saturday = at('2026-11-28T12:00:00Z');

    // Act
    const utc = nextFireTime(weekdays, saturday, UTC);
    const newYork = nextFireTime(weekdays, saturday, { timezone: 'America/New_York' });

    // Assess
    expect(utc).toBe(at('2026-11-30T09:30:00Z'));
    expect(newYork).toBe(at('2026-11-30T14:30:00Z'));
  });

  it('reads cron() lists, ranges and steps', () => {
    // Prepare
    const expression = parseScheduleExpression('cron(0/15 8-10 1,15 JAN,NOV ? 2026-2027)');

    // Act
    const next = nextFireTime(expression, at('2026-11-01T10:45:00Z'), UTC);
    const afterYears = nextFireTime(expression, at('2027-11-15T10:45:00Z'), UTC);

    // Assess
    expect(next).toBe(at('2026-11-15T08:00:00Z'));
    expect(afterYears).toBeUndefined();
  });

  it('does not fire before StartDate or after EndDate', () => {
    // Prepare
    const expression = parseScheduleExpression('rate(1 hour)');
    const now = at('2026-11-25T10:00:00Z');

    // Act
    const started = nextFireTime(expression, now, { ...UTC, startDate: at('2026-12-01T00:00:30Z') });
    const ended = nextFireTime(expression, now, { ...UTC, endDate: at('2026-11-25T10:30:00Z') });

    // Assess
    expect(started).toBe(at('2026-12-01T01:00:00Z'));
    expect(ended).toBeUndefined();
  });
});

describe('context attributes', () => {
  const fire: ScheduleFire = {
    scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly',
    scheduledTime: at('2026-11-25T10:00:00.123Z'),
    executionId: '6d3f2a1e-0000-4000-8000-000000000000',
    attemptNumber: 1,
  };

  it('substitutes every attribute wherever it appears, and leaves other text alone', () => {
    // Prepare
    const input =
      '{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","try":<aws.scheduler.attempt-number>,"again":"<aws.scheduler.execution-id>","other":"<aws.events.rule-name>"}';

    // Act
    const substituted = substituteContextAttributes(input, fire);

    // Assess
    expect(JSON.parse(substituted)).toEqual({
      arn: fire.scheduleArn,
      at: '2026-11-25T10:00:00Z',
      id: fire.executionId,
      try: 1,
      again: fire.executionId,
      other: '<aws.events.rule-name>',
    });
  });

  it('formats the scheduled time as ISO-8601 UTC to the second', () => {
    // Act
    const formatted = formatScheduledTime(at('2026-01-02T03:04:05.999Z'));

    // Assess
    expect(formatted).toBe('2026-01-02T03:04:05Z');
  });
});

describe('SchedulerService', () => {
  const NOW = at('2026-11-25T10:00:00.250Z');
  let directory: string;
  let service: SchedulerService | undefined;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-scheduler-'));
    // Streams need the real nextTick and setImmediate; only the clock and timers are faked.
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    jest.useRealTimers();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function schedule(name: string, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
    return {
      logicalId: name,
      name,
      groupName: 'default',
      arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`,
      expression: 'rate(1 minute)',
      timezone: 'UTC',
      enabled: true,
      target: {
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:worker',
        roleArn: 'arn:aws:iam::000000000000:role/scheduler',
        input: '{"at":"<aws.scheduler.scheduled-time>"}',
      },
      ...overrides,
    };
  }

  function logLines(): Array<Record<string, unknown>> {
    return fs
      .readFileSync(path.join(directory, 'scheduler.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('delivers the substituted input of each enabled schedule at its times, and logs each firing', async () => {
    // Prepare
    const delivered: Array<[string, string]> = [];
    let counter = 0;
    service = new SchedulerService([schedule('every-minute'), schedule('disabled', { enabled: false })], {
      logFile: path.join(directory, 'scheduler.log'),
      newExecutionId: () => `execution-${++counter}`,
      deliver: async (target: ScheduleTargetSpec, input: string) => {
        delivered.push([target.arn, input]);
      },
    });

    // Act
    service.start();
    await jest.advanceTimersByTimeAsync(2 * 60_000);
    await service.stop();
    service = undefined;

    // Assess
    expect(delivered.map(([, input]) => input)).toEqual([
      '{"at":"2026-11-25T10:01:00Z"}',
      '{"at":"2026-11-25T10:02:00Z"}',
    ]);
    expect(logLines()).toEqual([
      {
        time: expect.any(String),
        schedule: 'every-minute',
        scheduledTime: '2026-11-25T10:01:00Z',
        executionId: 'execution-1',
        target: 'arn:aws:lambda:us-east-1:000000000000:function:worker',
        outcome: 'delivered',
      },
      {
        time: expect.any(String),
        schedule: 'every-minute',
        scheduledTime: '2026-11-25T10:02:00Z',
        executionId: 'execution-2',
        target: 'arn:aws:lambda:us-east-1:000000000000:function:worker',
        outcome: 'delivered',
      },
    ]);
  });

  it('logs a target failure and keeps firing', async () => {
    // Prepare
    let attempts = 0;
    service = new SchedulerService([schedule('failing')], {
      logFile: path.join(directory, 'scheduler.log'),
      rateOverrideMs: 1000,
      deliver: async () => {
        attempts++;
        throw Object.assign(new Error('boom'), { name: 'HandlerFailure' });
      },
    });

    // Act
    service.start();
    await jest.advanceTimersByTimeAsync(3000);
    const statistics = service.statistics();
    await service.stop();
    service = undefined;

    // Assess
    expect(attempts).toBe(3);
    expect(statistics).toEqual({ fired: 3, failed: 3 });
    expect(logLines().map((line) => [line.outcome, line.error])).toEqual(
      Array(3).fill(['failed', { name: 'HandlerFailure', message: 'boom' }]),
    );
  });

  it('clears its timers on stop, and describes each schedule with its next time', async () => {
    // Prepare
    service = new SchedulerService(
      [
        schedule('hourly', { expression: 'rate(1 hour)' }),
        schedule('off', { enabled: false, expression: 'cron(0 2 * * ? *)' }),
      ],
      {
        logFile: path.join(directory, 'scheduler.log'),
        deliver: async () => undefined,
      },
    );

    // Act
    service.start();
    const described = service.describe();
    const armed = jest.getTimerCount();
    await service.stop();
    service = undefined;

    // Assess
    expect(described).toEqual([
      { name: 'hourly', expression: 'rate(1 hour)', enabled: true, next: '2026-11-25T11:00:00Z' },
      { name: 'off', expression: 'cron(0 2 * * ? *)', enabled: false, next: undefined },
    ]);
    expect(armed).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('buildResourceModel for Scheduler schedules', () => {
  const STACK = 'psflow-test';

  function modelOf(resources: Record<string, TemplateResource>): ResourceModel {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-schedule-model-'));
    try {
      fs.writeFileSync(path.join(directory, `${STACK}.template.json`), JSON.stringify({ Resources: resources }));
      fs.writeFileSync(
        path.join(directory, 'manifest.json'),
        JSON.stringify({
          artifacts: {
            [STACK]: { type: 'aws:cloudformation:stack', properties: { templateFile: `${STACK}.template.json` } },
          },
        }),
      );
      fs.mkdirSync(path.join(directory, 'asset.worker'));
      return buildResourceModel(readCloudAssembly(directory), {
        region: 'us-east-1',
        accountId: '000000000000',
        endpoint: 'http://127.0.0.1:4566',
      });
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }

  const worker: TemplateResource = {
    Type: 'AWS::Lambda::Function',
    Properties: { FunctionName: 'worker', Handler: 'index.handler', Code: { S3Bucket: 'b', S3Key: 'worker.zip' } },
    Metadata: { 'aws:asset:path': 'asset.worker' },
  };

  function scheduleResource(
    expression: string,
    targetArn: TemplateValue,
    extra: Record<string, TemplateValue> = {},
  ): TemplateResource {
    return {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: expression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: targetArn, RoleArn: 'arn:aws:iam::000000000000:role/r', Input: '{}' },
        ...extra,
      },
    };
  }

  it('reads a schedule with its group, ARN and target, and resolves Ref and Arn to it', () => {
    // Act
    const model = modelOf({
      Worker: {
        ...worker,
        Properties: {
          ...worker.Properties,
          Environment: {
            Variables: { SCHEDULE: { Ref: 'Nightly' }, SCHEDULE_ARN: { 'Fn::GetAtt': ['Nightly', 'Arn'] } },
          },
        },
      },
      Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'psflow' } },
      Nightly: scheduleResource(
        'cron(0 2 * * ? *)',
        { 'Fn::GetAtt': ['Worker', 'Arn'] },
        { Name: 'nightly', GroupName: { Ref: 'Group' }, ScheduleExpressionTimezone: 'Europe/Oslo', State: 'DISABLED' },
      ),
    });

    // Assess
    expect(model.schedules).toEqual([
      {
        logicalId: 'Nightly',
        name: 'nightly',
        groupName: 'psflow',
        arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/psflow/nightly',
        expression: 'cron(0 2 * * ? *)',
        timezone: 'Europe/Oslo',
        enabled: false,
        startDate: undefined,
        endDate: undefined,
        target: {
          arn: 'arn:aws:lambda:us-east-1:000000000000:function:worker',
          roleArn: 'arn:aws:iam::000000000000:role/r',
          input: '{}',
        },
      },
    ]);
    expect(model.functions[0].environment).toEqual({
      SCHEDULE: 'nightly',
      SCHEDULE_ARN: 'arn:aws:scheduler:us-east-1:000000000000:schedule/psflow/nightly',
    });
  });

  it('lists a schedule it cannot serve as not emulated, saying why', () => {
    // Act
    const model = modelOf({
      Worker: worker,
      LastDay: scheduleResource('cron(0 2 L * ? *)', { 'Fn::GetAtt': ['Worker', 'Arn'] }, { Name: 'last-day' }),
      Universal: scheduleResource('rate(1 hour)', 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage', { Name: 'universal' }),
      Elsewhere: scheduleResource('rate(1 hour)', 'arn:aws:lambda:us-east-1:000000000000:function:elsewhere', {
        Name: 'elsewhere',
      }),
    });

    // Assess
    expect(model.schedules).toEqual([]);
    expect(
      model.notEmulated
        .filter((resource) => resource.type === 'AWS::Scheduler::Schedule')
        .map((resource) => resource.reason),
    ).toEqual([
      'last-day: cron(0 2 L * ? *): the L, W and # cron wildcards are not served locally',
      'universal: target arn:aws:scheduler:::aws-sdk:sqs:sendMessage: only Lambda, Step Functions and SQS targets are served locally',
      'elsewhere: target arn:aws:lambda:us-east-1:000000000000:function:elsewhere is not declared in the cloud assembly',
    ]);
    expect(model.notEmulated.find((resource) => resource.type === 'AWS::Scheduler::ScheduleGroup')).toBeUndefined();
  });
});
