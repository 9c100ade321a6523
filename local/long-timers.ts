/**
 * Node timers overflow past 2^31-1 ms (24.8 days): a longer delay fires at once, with only a
 * warning. Step Functions waits as long as a Wait state says (up to a year), and the interpreter
 * sleeps with one `setTimeout`, so a billing cycle whose cut-off was a month away closed at once
 * on the local cloud. Long delays therefore run as a chain of shorter timers.
 */

/** The longest delay one Node timer holds. */
export const MAX_TIMER_DELAY_MS = 0x7fffffff;

type Callback = (...args: unknown[]) => void;

/** The two timer functions the chain replaces, on the global object or on a test's stand-in. */
export interface TimerHost {
  // Method syntax: Node's own signatures take narrower handles, which a method may.
  setTimeout(callback: Callback, delay?: number, ...args: unknown[]): unknown;
  clearTimeout(handle?: unknown): void;
}

const installedOn = new WeakSet<TimerHost>();

/**
 * Replaces `setTimeout` and `clearTimeout` on `host` so that a delay above
 * {@link MAX_TIMER_DELAY_MS} waits its full length. Shorter delays go straight to the original
 * functions. The handle returned for a long delay is its first link; clearing it stops whichever
 * link is pending. Installing twice is harmless.
 */
export function installLongTimers(host: TimerHost, now: () => number = Date.now): void {
  if (installedOn.has(host)) return;
  const nativeSet = host.setTimeout.bind(host);
  const nativeClear = host.clearTimeout.bind(host);
  // First link → the link pending now; ended chains drop out.
  const pending = new Map<unknown, unknown>();

  const patchedSet = (callback: Callback, delay?: number, ...args: unknown[]): unknown => {
    if (typeof delay !== 'number' || !(delay > MAX_TIMER_DELAY_MS)) return nativeSet(callback, delay, ...args);
    const due = now() + delay;
    const link = (): void => {
      const left = due - now();
      if (left <= MAX_TIMER_DELAY_MS) {
        pending.set(
          first,
          nativeSet(
            () => {
              pending.delete(first);
              callback(...args);
            },
            Math.max(0, left),
          ),
        );
      } else pending.set(first, nativeSet(link, MAX_TIMER_DELAY_MS));
    };
    const first = nativeSet(link, MAX_TIMER_DELAY_MS);
    pending.set(first, first);
    return first;
  };
  const patchedClear = (handle?: unknown): void => {
    const link = pending.get(handle);
    if (link === undefined) return nativeClear(handle);
    pending.delete(handle);
    nativeClear(link);
  };
  // The promisified form (`util.promisify(setTimeout)`) keeps working through the original.
  Object.assign(patchedSet, host.setTimeout);
  host.setTimeout = patchedSet;
  host.clearTimeout = patchedClear;
  installedOn.add(host);
}
