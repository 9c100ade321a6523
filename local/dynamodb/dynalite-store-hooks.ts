import { createRequire } from 'node:module';

/**
 * Runs `hook` on every store dynalite creates, before dynalite uses it. Call it before dynalite is
 * first required: dynalite's index calls `db.create` through the module object, so the wrapped
 * `create` is what it gets. `Store` is the part of dynalite's store the caller uses (dynalite
 * ships no types). Hooks installed one after another each see the store.
 */
export function onDynaliteStoreCreated<Store>(hook: (store: Store) => void): void {
  const dynaliteRequire = createRequire(require.resolve('dynalite/db/index.js'));
  const db = dynaliteRequire('./index.js') as { create(options: unknown): Store };
  const create = db.create.bind(db);
  db.create = (options) => {
    const store = create(options);
    hook(store);
    return store;
  };
}
