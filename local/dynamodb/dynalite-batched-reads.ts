import { onDynaliteStoreCreated } from './dynalite-store-hooks';

type Callback = (error: Error | null, value?: unknown) => void;

/** The part of dynalite's LevelDB (abstract-level, with dynalite's callback wrapper on `get`) used here. */
interface DynaliteLevel {
  get(key: string, callback?: Callback): unknown;
  getMany(keys: string[]): Promise<unknown[]>;
}

interface DynaliteLifecycle {
  getState(): string;
  trackOperation<T>(operation: Promise<T>): Promise<T>;
}

interface DynaliteStore {
  db: DynaliteLevel;
  lifecycleManager: DynaliteLifecycle;
}

let batches = 0;
let batchedReads = 0;

/**
 * Reads the keys dynalite asks for in one turn of the event loop with one LevelDB `getMany`.
 * Call it before dynalite is first required.
 *
 * dynalite reads every key on its own: BatchGetItem maps its keys to GetItem, and each get
 * crosses into LevelDB's thread pool, through a promise, a tracked operation and a `setImmediate`
 * of its own. That was the largest share of the DynamoDB thread's time for a staffing
 * recommendation (about 33 µs a key over 236 keys). The gets issued in one turn go out together
 * after it, and each answer still reaches its caller in a `setImmediate` of its own, as before.
 * A read that a write depends on (a condition, an update) is made under dynalite's per-key lock
 * either way, and a read that follows a write's response is issued after the write finished, so
 * waiting for the end of the turn changes no outcome.
 */
export function batchDynaliteReads(): void {
  onDynaliteStoreCreated(batchReads);
}

/** How many `getMany` reads served how many gets, for the health endpoint. */
export function batchedReadStatistics(): { batches: number; reads: number } {
  return { batches, reads: batchedReads };
}

function batchReads({ db: level, lifecycleManager }: DynaliteStore): void {
  const get = level.get;
  let pending: { key: string; callback: Callback }[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    // One key, or a store that is closing: dynalite's own get, with its closed-store errors.
    if (batch.length === 1 || lifecycleManager.getState() !== 'open') {
      for (const { key, callback } of batch) get.call(level, key, callback);
      return;
    }
    batches++;
    batchedReads += batch.length;
    lifecycleManager.trackOperation(level.getMany(batch.map(({ key }) => key))).then(
      (values) => batch.forEach(({ callback }, index) => setImmediate(callback, null, values[index])),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const { callback } of batch) setImmediate(callback, failure);
      },
    );
  };
  level.get = (key: string, callback?: Callback) => {
    // The promise form is not dynalite's; it is read at once.
    if (typeof callback !== 'function') return get.call(level, key);
    pending.push({ key, callback });
    if (pending.length === 1) setImmediate(flush);
    return undefined;
  };
}
