import { createRequire } from 'node:module';
import { onDynaliteStoreCreated } from './dynalite-store-hooks';

type Callback = (error: Error | null, value?: unknown) => void;

/** The part of dynalite's table-description store (a key-prefixed view of its LevelDB) used here. */
interface TableDescriptionStore {
  get(name: string, callback: Callback): void;
  put(name: string, description: unknown, callback?: Callback): void;
  del(name: string, callback?: Callback): void;
  batch(operations: unknown, callback?: Callback): void;
}

interface DynaliteStore {
  tableDb: TableDescriptionStore;
  getTable(...args: unknown[]): void;
}

let storeReads = 0;

type Action = (store: DynaliteStore, data: unknown, callback: Callback) => void;

/** dynalite's actions that change the description they read before writing it back. */
const DESCRIPTION_WRITERS = ['updateTable', 'deleteTable'];

/**
 * Keeps dynalite's table descriptions in memory. Call it before dynalite is first required.
 *
 * dynalite reads the table's description from LevelDB and decodes its JSON for every request,
 * and BatchGetItem does so once per key: a staffing recommendation's 236 items cost as many
 * description reads as item reads, about 3 ms of the DynamoDB thread's time per ranking. The
 * description changes only through CreateTable, UpdateTable and DeleteTable, which write it
 * through this same store, so the cache is dropped on every write. Every action shares one
 * frozen description, except UpdateTable and DeleteTable, which change theirs before writing it
 * back and so get a copy of their own.
 */
export function cacheDynaliteTableDescriptions(): void {
  onDynaliteStoreCreated<DynaliteStore>((store) => cacheDescriptions(store.tableDb));
  const dynaliteRequire = createRequire(require.resolve('dynalite/db/index.js'));
  // dynalite's index requires its actions when it loads; the cached modules are what it gets.
  for (const name of DESCRIPTION_WRITERS) {
    const file = dynaliteRequire.resolve(`../actions/${name}.js`);
    const action = dynaliteRequire(file) as Action;
    const cached = dynaliteRequire.cache[file];
    if (!cached) throw new Error(`dynalite's ${name} action is not in the module cache`);
    cached.exports = ((store, data, callback) => action(withOwnDescriptions(store), data, callback)) satisfies Action;
  }
}

/** Table descriptions read from dynalite's LevelDB rather than from the cache. */
export function tableDescriptionStoreReads(): number {
  return storeReads;
}

function withOwnDescriptions(store: DynaliteStore): DynaliteStore {
  return Object.create(store, {
    getTable: {
      value: (...args: unknown[]) => {
        const callback = args.pop();
        if (typeof callback !== 'function') throw new Error('getTable needs a callback');
        store.getTable(...args, (error: Error | null, description?: unknown) =>
          callback(error, description === undefined ? description : structuredClone(description)),
        );
      },
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

function cacheDescriptions(tables: TableDescriptionStore): void {
  const cached = new Map<string, unknown>();
  // A read that began before a write must not cache what it read: the write bumps the generation.
  let generation = 0;
  const { get, put, del, batch } = tables;
  const written = (): void => {
    generation++;
    cached.clear();
  };
  tables.get = (name, callback) => {
    if (cached.has(name)) {
      const description = cached.get(name);
      queueMicrotask(() => callback(null, description));
      return;
    }
    storeReads++;
    const readAt = generation;
    get.call(tables, name, (error, description) => {
      if (!error && description !== undefined && readAt === generation) cached.set(name, deepFreeze(description));
      callback(error, description);
    });
  };
  tables.put = (name, description, callback) => {
    written();
    put.call(tables, name, description, (error) => {
      written();
      callback?.(error);
    });
  };
  tables.del = (name, callback) => {
    written();
    del.call(tables, name, (error) => {
      written();
      callback?.(error);
    });
  };
  tables.batch = (operations, callback) => {
    written();
    batch.call(tables, operations, (error) => {
      written();
      callback?.(error);
    });
  };
}
