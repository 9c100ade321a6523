import { MAX_TIMER_DELAY_MS, installLongTimers, type TimerHost } from '../../local/long-timers';

/** A timer host whose clock the test moves: it fires, in order, every timer that falls due. */
class FakeTimers implements TimerHost {
  clock = 0;
  private nextId = 1;
  readonly timers = new Map<number, { due: number; run: () => void }>();
  readonly delays: number[] = [];

  setTimeout(callback: (...args: unknown[]) => void, delay = 0, ...args: unknown[]): unknown {
    const id = this.nextId++;
    this.delays.push(delay);
    // A real Node timer fires at once past its limit; the fake does too, so an unpatched host shows the bug.
    const effective = delay > MAX_TIMER_DELAY_MS ? 1 : delay;
    this.timers.set(id, { due: this.clock + effective, run: () => callback(...args) });
    return id;
  }

  clearTimeout(handle?: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  advance(ms: number): void {
    const until = this.clock + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].due - b[1].due)[0];
      if (!next || next[1].due > until) break;
      this.timers.delete(next[0]);
      this.clock = next[1].due;
      next[1].run();
    }
    this.clock = until;
  }
}

const DAY_MS = 86_400_000;

describe('long timers', () => {
  it('fires a 40-day delay after 40 days, not at once, with its arguments', () => {
    // Prepare
    const host = new FakeTimers();
    installLongTimers(host, () => host.clock);
    const fired: unknown[] = [];

    // Act
    host.setTimeout((...args: unknown[]) => fired.push(...args), 40 * DAY_MS, 'cut-off');
    host.advance(39 * DAY_MS);
    const before = [...fired];
    host.advance(DAY_MS);

    // Assess
    expect(before).toEqual([]);
    expect(fired).toEqual(['cut-off']);
    expect(host.clock).toBe(40 * DAY_MS);
    expect(Math.max(...host.delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
  });

  it('stops a long delay cleared while a later link is pending', () => {
    // Prepare
    const host = new FakeTimers();
    installLongTimers(host, () => host.clock);
    let fired = 0;
    const handle = host.setTimeout(() => fired++, 60 * DAY_MS);
    host.advance(30 * DAY_MS);

    // Act
    host.clearTimeout(handle);
    host.advance(60 * DAY_MS);

    // Assess
    expect(fired).toBe(0);
    expect(host.timers.size).toBe(0);
  });

  it('leaves short delays to the original timer, and installing twice changes nothing', () => {
    // Prepare
    const host = new FakeTimers();
    installLongTimers(host, () => host.clock);
    const installed = host.setTimeout;
    installLongTimers(host, () => host.clock);
    let fired = 0;

    // Act
    const handle = host.setTimeout(() => fired++, 1_000);
    host.advance(1_000);

    // Assess
    expect(host.setTimeout).toBe(installed);
    expect(typeof handle).toBe('number');
    expect(host.delays).toEqual([1_000]);
    expect(fired).toBe(1);
  });

  it('shows the fault it repairs: an unpatched host fires a 40-day delay at once', () => {
    // Prepare
    const host = new FakeTimers();
    let fired = 0;

    // Act
    host.setTimeout(() => fired++, 40 * DAY_MS);
    host.advance(1);

    // Assess
    expect(fired).toBe(1);
  });
});
