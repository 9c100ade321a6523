import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import { findContract } from '../../shared/events/contracts';
import type { EventPublisher, OutgoingEvent } from '../../shared/events/event-publisher';
import { actOnException } from '../../shared/exceptions/act-on-exception';
import { dimensionsOf, owningSystem } from '../../shared/exceptions/exception-events';
import { fileException } from '../../shared/exceptions/file-exception';
import { decideTask } from '../../shared/human-tasks/decide-task';
import { aggregateEvent } from '../../shared/kpis/aggregate-event';
import { factSourceFor } from '../../shared/kpis/fact-registry';
import { InMemoryExceptionStore, NOW, approvalTask, drillException, taskWorld } from '../support/human-task-fakes';

class RecordingPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  failing = false;
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    if (this.failing) throw new Error('the bus refused the event');
    this.events.push(...events);
  }
}

/** Checks an announced event against its published contract and the KPI registry, as the bus would deliver it. */
function expectCountable(event: OutgoingEvent): void {
  const contract = findContract(event.source, event.detailType);
  expect(contract?.detail.safeParse(event.detail).success).toBe(true);
  const mapped = factSourceFor(event.source, event.detailType)?.map(event.detail);
  expect(mapped?.ok).toBe(true);
}

describe('KPI events from approvals and exceptions', () => {
  it('announces a decided approval with its role, region, practice and times', async () => {
    // Prepare
    const world = taskWorld();
    world.tasks.seed(approvalTask());
    const events = new RecordingPublisher();

    // Act
    await decideTask(
      { taskId: 'task-level-1', actor: 'pat.practice', outcome: 'approved', comment: 'ok' },
      { ...world.deps, events },
    );

    // Assess
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      source: PsflowSource.Workflow,
      detailType: WorkflowDetailType.ApprovalDecided,
      detail: { taskId: 'task-level-1', role: 'practice-lead', outcome: 'approved', region: 'EMEA' },
    });
    expectCountable(events.events[0]);
  });

  it('leaves a decision undelivered when it cannot be announced, and announces it when repeated', async () => {
    // Prepare
    const world = taskWorld();
    world.tasks.seed(approvalTask());
    const events = new RecordingPublisher();
    events.failing = true;
    const request = { taskId: 'task-level-1', actor: 'pat.practice', outcome: 'approved' as const, comment: 'ok' };
    await expect(decideTask(request, { ...world.deps, events })).rejects.toThrow('the bus refused');

    // Act
    events.failing = false;
    const repeated = await decideTask(request, { ...world.deps, events });

    // Assess
    expect(repeated.repeated).toBe(true);
    expect(repeated.task.decision?.delivered).toBe(true);
    expect(events.events).toHaveLength(1);
  });

  it('announces a filed exception with the failing system', async () => {
    // Prepare
    const exceptions = new InMemoryExceptionStore();
    const events = new RecordingPublisher();

    // Act
    await fileException(
      {
        taskToken: 'token-1',
        workflow: 'project-activation',
        executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:psflow-project-activation:x',
        step: 'ProvisionErpProject',
        failure: { Error: 'PermanentConnectorError', Cause: '{"errorMessage":"erp.createProject: period closed"}' },
        stepInput: { engagement: { region: 'EMEA', practice: 'data-engineering', name: 'x' } },
      },
      exceptions,
      NOW,
      'eu-west-1',
      events,
    );

    // Assess
    expect(events.events[0].detail).toMatchObject({
      step: 'ProvisionErpProject',
      system: 'erp',
      region: 'EMEA',
      practice: 'data-engineering',
      filedAt: NOW.toISOString(),
    });
    expectCountable(events.events[0]);
  });

  it('announces an exception resolved by its owner, and counts its time to resolve', async () => {
    // Prepare
    const world = taskWorld();
    world.exceptions.seed(drillException());
    const events = new RecordingPublisher();
    world.clock.advanceHours(2);

    // Act
    await actOnException(
      'exc-drill-0001-1',
      'fiona.finance',
      { action: 'abort', note: 'deal lost' },
      {
        ...world.deps,
        events,
      },
    );

    // Assess
    expect(events.events[0]).toMatchObject({
      detailType: WorkflowDetailType.ExceptionResolved,
      detail: { exceptionId: 'exc-drill-0001-1', action: 'abort', resolvedBy: 'fiona.finance' },
    });
    expectCountable(events.events[0]);
    const recorded: string[] = [];
    const outcome = await aggregateEvent(
      {
        id: 'e1',
        source: events.events[0].source,
        'detail-type': events.events[0].detailType,
        detail: events.events[0].detail,
      },
      {
        now: () => NOW,
        store: {
          apply: async (key, facts) => {
            recorded.push(key, JSON.stringify(facts));
            return 'applied';
          },
          readRange: async () => [],
          readTrend: async () => [],
          reject: async () => undefined,
          listRejected: async () => [],
        },
      },
    );
    expect(outcome.outcome).toBe('applied');
    expect(recorded[1]).toContain('"exc.mttr|operations-drill|PostDrillEntry|erp":7200');
    expect(recorded[1]).toContain('"aborted|operations-drill":1');
  });

  it('reads the owning system from a connector error and the dimensions from a step input', () => {
    // Assess
    expect(owningSystem({ message: 'psa.createProject: role unknown' })).toBe('psa');
    expect(owningSystem({ message: 'Input does not fit' })).toBe('psflow');
    expect(dimensionsOf({ region: 'APAC', practice: 'strategy' })).toEqual({ region: 'APAC', practice: 'strategy' });
    expect(dimensionsOf({ opportunity: { region: 'AMER', practice: 'cloud' } })).toEqual({
      region: 'AMER',
      practice: 'cloud',
    });
    expect(dimensionsOf('hostile')).toEqual({});
    expect(dimensionsOf({ region: 'x'.repeat(1000), practice: 'p' })).toEqual({});
  });
});
