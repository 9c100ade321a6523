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
});
