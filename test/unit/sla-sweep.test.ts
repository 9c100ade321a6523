import type { ExceptionSlaBreach } from '../../shared/exceptions/sweep-overdue-exceptions';
import { exceptionQueue } from '../../shared/exceptions/sweep-overdue-exceptions';
import { approvalTaskQueue } from '../../shared/human-tasks/sweep-overdue-tasks';
import { currentApprovalPolicy } from '../../shared/policies/approval-policy';
import { sweepOverdue } from '../../shared/sla/sweep-overdue';
import {
  InMemoryAuditLog,
  InMemoryExceptionStore,
  InMemoryHumanTaskStore,
  NOW,
  RecordingBreachPublisher,
  approvalTask,
  drillException,
  hoursAfterNow,
} from '../support/human-task-fakes';

describe('sweepOverdue', () => {
  it('sweeps approval tasks and exceptions in one sweep, publishing each kind once', async () => {
    // Prepare: two overdue tasks and one overdue exception, none breached yet.
    const tasks = new InMemoryHumanTaskStore();
    tasks.seed(
      approvalTask({
        taskId: 'task-1',
        requestId: 'request-1',
        assigneeRole: 'practice-lead',
        breaches: 0,
        dueAt: NOW.toISOString(),
        slaSeconds: 4 * 3600,
      }),
      approvalTask({
        taskId: 'task-2',
        requestId: 'request-2',
        assigneeRole: 'cfo',
        breaches: 0,
        dueAt: NOW.toISOString(),
        slaSeconds: 4 * 3600,
        token: 'token-2',
      }),
    );
    const exceptions = new InMemoryExceptionStore();
    exceptions.seed(drillException({ dueAt: NOW.toISOString(), slaSeconds: 86_400, breaches: 0 }));
    const taskPublisher = new RecordingBreachPublisher();
    const exceptionBatches: ExceptionSlaBreach[][] = [];
    const audit = new InMemoryAuditLog();
    const queues = {
      tasks: approvalTaskQueue(tasks, currentApprovalPolicy(), taskPublisher),
      exceptions: exceptionQueue(exceptions, currentApprovalPolicy(), {
        publish: async (breaches) => void exceptionBatches.push([...breaches]),
      }),
    };

    // Act
    const swept = await sweepOverdue(hoursAfterNow(1), queues, { audit });

    // Assess
    expect(swept.tasks.map((breach) => [breach.taskId, breach.action])).toEqual(
      expect.arrayContaining([
        ['task-1', 'reminded'],
        ['task-2', 'reminded'],
      ]),
    );
    expect(swept.tasks).toHaveLength(2);
    expect(swept.exceptions).toEqual([
      expect.objectContaining({ exceptionId: 'exc-drill-0001-1', step: 'PostDrillEntry', action: 'reminded' }),
    ]);
    expect(taskPublisher.batches).toEqual([swept.tasks]);
    expect(exceptionBatches).toEqual([swept.exceptions]);
    expect(audit.entries.map((entry) => entry.subjectType).sort()).toEqual(['exception', 'task', 'task']);
    expect(tasks.items.get('task-1')).toMatchObject({ breaches: 1 });
    expect(exceptions.peek('exc-drill-0001-1')).toMatchObject({ breaches: 1 });
  });

  it('returns an empty list for a queue with nothing overdue and publishes nothing for it', async () => {
    // Prepare
    const tasks = new InMemoryHumanTaskStore();
    const exceptions = new InMemoryExceptionStore();
    exceptions.seed(drillException({ dueAt: NOW.toISOString(), slaSeconds: 86_400, breaches: 0 }));
    const taskPublisher = new RecordingBreachPublisher();
    const queues = {
      tasks: approvalTaskQueue(tasks, currentApprovalPolicy(), taskPublisher),
      exceptions: exceptionQueue(exceptions, currentApprovalPolicy(), { publish: async () => undefined }),
    };

    // Act
    const swept = await sweepOverdue(hoursAfterNow(1), queues, { audit: new InMemoryAuditLog() });

    // Assess
    expect(swept.tasks).toEqual([]);
    expect(swept.exceptions).toHaveLength(1);
    expect(taskPublisher.batches).toEqual([]);
  });
});
