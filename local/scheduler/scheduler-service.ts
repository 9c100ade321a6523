import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScheduleSpec, ScheduleTargetSpec } from '../cdk/resource-model';
import {
  formatScheduledTime,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleExpression,
  type ScheduleFire,
  substituteContextAttributes,
} from './schedule-expression';

/** Hands a schedule's input to its target; rejects when the target refused it. */
export type ScheduleDeliverer = (target: ScheduleTargetSpec, input: string, fire: ScheduleFire) => Promise<void>;

/** How the scheduler runs. */
export interface SchedulerServiceOptions {
  /** JSON lines, one per firing, and the error when a target failed. */
  readonly logFile: string;
  readonly deliver: ScheduleDeliverer;
  /** Replaces every rate() interval (`--schedule-interval`), for demos and tests. */
  readonly rateOverrideMs?: number;
  readonly now?: () => number;
  readonly newExecutionId?: () => string;
}

/** One schedule as the startup listing shows it. */
export interface ScheduleDescription {
  readonly name: string;
  readonly expression: string;
  readonly enabled: boolean;
  /** When it fires next, ISO-8601 UTC; undefined when it will not fire again. */
  readonly next?: string;
}

/** One line of the scheduler log. */
interface FireRecord {
  readonly time: string;
  readonly schedule: string;
  readonly scheduledTime: string;
  readonly executionId: string;
  readonly target: string;
  readonly outcome: 'delivered' | 'failed';
  readonly error?: { readonly name: string; readonly message: string };
}

/** Node timers cannot wait longer than this; a later fire time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ArmedSchedule {
  readonly spec: ScheduleSpec;
  readonly expression: ScheduleExpression;
  next?: number;
  timer?: NodeJS.Timeout;
}

/**
 * EventBridge Scheduler, locally: one timer per enabled schedule, firing its target with the
 * context attributes substituted. Timers are unref'd, so a schedule never keeps the process alive.
 */
export class SchedulerService {
  private readonly schedules: ArmedSchedule[];
  /** Opened with the first firing, so a cloud assembly without schedules leaves no empty log. */
  private log?: fs.WriteStream;
  private readonly now: () => number;
  private readonly newExecutionId: () => string;
  private stopped = false;
  private fired = 0;
  private failed = 0;

  constructor(
    schedules: readonly ScheduleSpec[],
    private readonly options: SchedulerServiceOptions,
  ) {
    this.schedules = schedules.map((spec) => ({ spec, expression: parseScheduleExpression(spec.expression) }));
    this.now = options.now ?? (() => Date.now());
    this.newExecutionId = options.newExecutionId ?? randomUUID;
  }

  /** Arms a timer for every enabled schedule. */
  start(): void {
    for (const schedule of this.schedules) {
      if (!schedule.spec.enabled) continue;
      schedule.next = this.nextAfter(schedule);
      this.arm(schedule);
    }
  }

  /** Every schedule with its expression, for the startup listing. */
  describe(): ScheduleDescription[] {
    return this.schedules.map(({ spec, expression, next }) => ({
      name: spec.name,
      expression: expression.text,
      enabled: spec.enabled,
      next: next === undefined ? undefined : formatScheduledTime(next),
    }));
  }

  /** Firings so far and how many of them the target refused, for the status page. */
  statistics(): { fired: number; failed: number } {
    return { fired: this.fired, failed: this.failed };
  }

  /**
   * Clears every timer and closes the log. A delivery still running is not waited for (a function
   * may run for minutes); its outcome is no longer logged.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const schedule of this.schedules) clearTimeout(schedule.timer);
    const log = this.log;
    if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
  }

  private nextAfter(schedule: ArmedSchedule, previous?: number): number | undefined {
    const { spec } = schedule;
    return nextFireTime(
      schedule.expression,
      this.now(),
      {
        timezone: spec.timezone,
        rateOverrideMs: this.options.rateOverrideMs,
        startDate: spec.startDate,
        endDate: spec.endDate,
      },
      previous,
    );
  }

  private arm(schedule: ArmedSchedule): void {
    if (this.stopped || schedule.next === undefined) return;
    const due = schedule.next;
    const wait = Math.max(0, due - this.now());
    schedule.timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) {
          this.arm(schedule);
          return;
        }
        schedule.next = this.nextAfter(schedule, due);
        this.arm(schedule);
        this.fire(schedule.spec, due);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    schedule.timer.unref();
  }

  private fire(spec: ScheduleSpec, scheduledTime: number): void {
    if (this.stopped) return;
    this.fired++;
    // Locally a delivery is attempted once: RetryPolicy and DeadLetterConfig are not emulated.
    const fire: ScheduleFire = {
      scheduleArn: spec.arn,
      scheduledTime,
      executionId: this.newExecutionId(),
      attemptNumber: 1,
    };
    const input = substituteContextAttributes(spec.target.input ?? '{}', fire);
    const record = {
      schedule: spec.name,
      scheduledTime: formatScheduledTime(scheduledTime),
      executionId: fire.executionId,
      target: spec.target.arn,
    };
    // Asynchronous, as Scheduler invokes: the next firing never waits for this one.
    void Promise.resolve()
      .then(() => this.options.deliver(spec.target, input, fire))
      .then(
        () => this.write({ time: new Date(this.now()).toISOString(), ...record, outcome: 'delivered' }),
        (error: unknown) => {
          this.failed++;
          const { name, message } = error instanceof Error ? error : new Error(String(error));
          this.write({
            time: new Date(this.now()).toISOString(),
            ...record,
            outcome: 'failed',
            error: { name, message },
          });
        },
      );
  }

  private write(record: FireRecord): void {
    if (this.stopped) return;
    if (!this.log) {
      fs.mkdirSync(path.dirname(this.options.logFile), { recursive: true });
      this.log = fs.createWriteStream(this.options.logFile, { flags: 'a' });
    }
    this.log.write(`${JSON.stringify(record)}\n`);
  }
}
