import { currentBillingPolicy } from '../../shared/billing/billing-policy';
import {
  billingTaskId,
  billingTaskQueue,
  syncBillingTasks,
  type BillingTask,
  type BillingTaskSlaBreach,
  type BillingTaskStore,
} from '../../shared/billing/billing-tasks';
import type { ReadinessFinding } from '../../shared/billing/readiness';
import type { Role } from '../../shared/directory/roles';
import { currentApprovalPolicy } from '../../shared/policies/approval-policy';
import { sweepOverdue } from '../../shared/sla/sweep-overdue';
import { InMemoryAuditLog } from '../support/human-task-fakes';

const CYCLE = { region: 'EMEA', period: '2026-11' };
const CUT_OFF = Date.parse('2026-12-02T16:00:00.000Z');
const NOW = new Date('2026-11-30T08:00:00.000Z');

/** Billing tasks in memory, with the table's rules: refresh keeps due time and breaches, closing is once. */
class InMemoryBillingTasks implements BillingTaskStore {
  readonly tasks = new Map<string, BillingTask>();

  async tasksOf(region: string, period: string, projectId: string): Promise<BillingTask[]> {
    return [...this.tasks.values()].filter(
      (task) => task.region === region && task.period === period && task.projectId === projectId,
    );
  }

  async open(task: BillingTask): Promise<void> {
    const existing = this.tasks.get(task.taskId);
    this.tasks.set(
      task.taskId,
      existing?.status === 'open' ? { ...existing, message: task.message, recordIds: task.recordIds } : task,
    );
  }

  async close(task: BillingTask, closedAt: string, because: string): Promise<boolean> {
    const existing = this.tasks.get(task.taskId);
    if (existing?.status !== 'open') return false;
    this.tasks.set(task.taskId, { ...existing, status: 'closed', closedAt, closedBecause: because });
    return true;
  }

  async listOverdue(now: string, limit: number): Promise<BillingTask[]> {
    return [...this.tasks.values()]
      .filter((task) => task.status === 'open' && task.dueAt <= now)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit);
  }

  async recordBreach(
    task: BillingTask,
    expectedBreaches: number,
    next: { assigneeRole: Role; dueAt: string; breaches: number },
  ): Promise<boolean> {
    const existing = this.tasks.get(task.taskId);
    if (existing?.status !== 'open' || existing.breaches !== expectedBreaches) return false;
    this.tasks.set(task.taskId, { ...existing, ...next });
    return true;
  }
}

function finding(
  code: ReadinessFinding['code'],
  ownerId: string,
  recordIds: string[],
  blocks = true,
): ReadinessFinding {
  const rule = currentBillingPolicy().rules.findings[code];
  return {
    code,
    owner: rule.owner,
    ownerId,
    dueAt: new Date(CUT_OFF - rule.dueHoursBeforeCutOff * 3_600_000).toISOString(),
    blocks,
    recordKind: 'time-entry',
    recordIds,
    message: `${code} of ${recordIds.join(', ')}`,
  };
}

const deps = (tasks: BillingTaskStore) => ({ tasks, policy: currentBillingPolicy() });

describe('billing tasks', () => {
  it('sends each blocking finding to its owner, due before the cut-off, and one task per prerequisite and person', async () => {
    // Prepare
    const tasks = new InMemoryBillingTasks();
    const findings = [
      finding('time-missing', 'dan.consultant', ['A-1']),
      finding('time-not-approved', 'pm.paula', ['T-1']),
      finding('time-not-approved', 'pm.paula', ['T-2']),
      finding('over-po-cap', 'finance', ['P-1']),
      finding('nothing-to-bill', 'pm.paula', ['P-1'], false),
    ];

    // Act
    const sync = await syncBillingTasks(CYCLE, 'P-1', findings, deps(tasks), NOW, 'fixed');

    // Assess
    expect(sync).toEqual({ opened: 3, kept: 0, closed: 0 });
    const open = await tasks.tasksOf('EMEA', '2026-11', 'P-1');
    expect(open.map((task) => [task.code, task.owner, task.ownerId, task.assigneeRole, task.dueAt]).sort()).toEqual([
      ['over-po-cap', 'finance', 'finance', 'finance-ops', '2026-12-02T08:00:00.000Z'],
      ['time-missing', 'consultant', 'dan.consultant', 'delivery-lead', '2026-12-01T16:00:00.000Z'],
      ['time-not-approved', 'project-manager', 'pm.paula', 'delivery-lead', '2026-12-02T04:00:00.000Z'],
    ]);
    const approvals = tasks.tasks.get(billingTaskId(CYCLE, 'P-1', 'time-not-approved', 'pm.paula'));
    expect(approvals?.recordIds).toEqual(['T-1', 'T-2']);
    for (const task of open) expect(Date.parse(task.dueAt)).toBeLessThan(CUT_OFF);
  });

  it('keeps the tasks still missing and closes the fixed ones when the project is checked again', async () => {
    // Prepare
    const tasks = new InMemoryBillingTasks();
    await syncBillingTasks(
      CYCLE,
      'P-1',
      [finding('time-missing', 'dan.consultant', ['A-1']), finding('time-not-approved', 'pm.paula', ['T-1'])],
      deps(tasks),
      NOW,
      'fixed',
    );

    // Act: the manager approved; the consultant has not submitted.
    const recheck = await syncBillingTasks(
      CYCLE,
      'P-1',
      [finding('time-missing', 'dan.consultant', ['A-1'])],
      deps(tasks),
      new Date(NOW.getTime() + 3_600_000),
      'fixed: check 2',
    );
    const drafted = await syncBillingTasks(CYCLE, 'P-1', [], deps(tasks), NOW, 'drafted INV-1');

    // Assess
    expect(recheck).toEqual({ opened: 0, kept: 1, closed: 1 });
    expect(tasks.tasks.get(billingTaskId(CYCLE, 'P-1', 'time-not-approved', 'pm.paula'))).toMatchObject({
      status: 'closed',
      closedBecause: 'fixed: check 2',
    });
    expect(drafted).toEqual({ opened: 0, kept: 0, closed: 1 });
    expect([...tasks.tasks.values()].filter((task) => task.status === 'open')).toEqual([]);
  });

  it('is reminded by the SLA sweeper after its due time, then escalated along the chain, and not once closed', async () => {
    // Prepare: finance's PO cap task is due 8 h before the cut-off, with a 4 h reminder period.
    const tasks = new InMemoryBillingTasks();
    await syncBillingTasks(CYCLE, 'P-1', [finding('over-po-cap', 'finance', ['P-1'])], deps(tasks), NOW, 'fixed');
    const published: BillingTaskSlaBreach[] = [];
    const queues = {
      billingTasks: billingTaskQueue(tasks, currentApprovalPolicy(), {
        publish: async (breaches) => void published.push(...breaches),
      }),
    };
    const audit = new InMemoryAuditLog();
    const hoursBeforeCutOff = (hours: number) => new Date(CUT_OFF - hours * 3_600_000);

    // Act
    const early = await sweepOverdue(hoursBeforeCutOff(9), queues, { audit });
    const first = await sweepOverdue(hoursBeforeCutOff(7), queues, { audit });
    const second = await sweepOverdue(hoursBeforeCutOff(2), queues, { audit });
    await syncBillingTasks(CYCLE, 'P-1', [], deps(tasks), hoursBeforeCutOff(1), 'fixed');
    const afterFix = await sweepOverdue(new Date(CUT_OFF + 24 * 3_600_000), queues, { audit });

    // Assess
    expect(early.billingTasks).toEqual([]);
    expect(first.billingTasks).toEqual([
      expect.objectContaining({ action: 'reminded', toRole: 'finance-ops', ownerId: 'finance', code: 'over-po-cap' }),
    ]);
    expect(first.billingTasks[0]?.nextDueAt).toBe(
      new Date(hoursBeforeCutOff(7).getTime() + 4 * 3_600_000).toISOString(),
    );
    expect(second.billingTasks).toEqual([
      expect.objectContaining({ action: 'escalated', fromRole: 'finance-ops', toRole: 'cfo', breach: 2 }),
    ]);
    expect(afterFix.billingTasks).toEqual([]);
    expect(published).toHaveLength(2);
    expect(audit.entries.map((entry) => entry.action)).toEqual(['remind', 'escalate']);
  });
});
