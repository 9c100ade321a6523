import { ExecutionHistory } from '../../local/stepfunctions/history';
import { MAX_HISTORY_EVENTS } from '../../local/stepfunctions/limits';

describe('ExecutionHistory', () => {
  it('appends nothing after its terminal event', () => {
    // Prepare
    const history = new ExecutionHistory();
    history.record('ExecutionStarted', { input: '{}' });
    history.close('ExecutionSucceeded', { output: '{}' });

    // Act
    history.record('TaskSucceeded', { output: '{}' });
    history.close('ExecutionFailed', { error: 'Late' });

    // Assess
    expect(history.events.map((event) => event.type)).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
    expect(history.closed).toBe(true);
  });

  it('reports the limit once, keeping room for the failure as event 25,000', () => {
    // Prepare
    let reached = 0;
    const history = new ExecutionHistory(() => reached++);

    // Act
    for (let index = 0; index < MAX_HISTORY_EVENTS + 10; index++) history.record('PassStateEntered', { name: 'Spin' });
    history.close('ExecutionFailed', { error: 'States.Runtime' });

    // Assess
    expect(reached).toBe(1);
    expect(history.events).toHaveLength(MAX_HISTORY_EVENTS);
    expect(history.events.at(-1)).toMatchObject({
      id: MAX_HISTORY_EVENTS,
      previousEventId: MAX_HISTORY_EVENTS - 1,
      type: 'ExecutionFailed',
    });
  });

  it('numbers on from the events of an earlier run, for a redrive', () => {
    // Prepare
    const earlier = new ExecutionHistory();
    earlier.record('ExecutionStarted', { input: '{}' });
    earlier.close('ExecutionFailed', { error: 'Boom' });

    // Act
    const redriven = new ExecutionHistory(undefined, earlier.events);
    redriven.record('ExecutionRedriven', { redriveCount: 1 });

    // Assess
    expect(redriven.events.map((event) => [event.id, event.type])).toEqual([
      [1, 'ExecutionStarted'],
      [2, 'ExecutionFailed'],
      [3, 'ExecutionRedriven'],
    ]);
    expect(redriven.events[2].executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
  });

  it('keeps a closed history packed, far smaller than its JSON, and reads back the same events', () => {
    // Prepare: an activation-like history, with state data repeated from state to state.
    const history = new ExecutionHistory();
    const stateData = JSON.stringify({
      engagement: { roleLines: Array.from({ length: 20 }, (_, line) => ({ line, hours: 40 })) },
    });
    history.record('ExecutionStarted', { input: stateData });
    for (let state = 0; state < 40; state++) {
      history.record('TaskStateEntered', { name: `Step${state}`, input: stateData });
      history.record('TaskStateExited', { name: `Step${state}`, output: stateData });
    }
    const open = history.events.map((event) => ({ ...event }));

    // Act
    const written = history.close('ExecutionSucceeded', { output: stateData });

    // Assess
    const json = JSON.stringify(history.events).length;
    expect(history.events).toEqual([...open, written.at(-1)]);
    expect(written).toEqual(history.events);
    expect(history.packedBytes).toBeLessThan(json / 10);
  });

  it('restores a closed history from disk packed and closed', () => {
    // Prepare
    const original = new ExecutionHistory();
    original.record('ExecutionStarted', { input: '{}' });
    const events = original.close('ExecutionFailed', { error: 'Boom' });

    // Act
    const restored = ExecutionHistory.restored(events);
    restored.record('TaskSucceeded', { output: '{}' });

    // Assess
    expect({ closed: restored.closed, packed: restored.packedBytes !== undefined, events: restored.events }).toEqual({
      closed: true,
      packed: true,
      events,
    });
  });
});
