import type { PostgresStore, StoredStore } from '../../src-shared/connections';
import { demoKind, type DemoStoreConfig } from '../demo/demo-kind';
import { sentinelKind } from '../sentinel/sentinel-kind';
import { webSessionKind } from '../web-sessions/web-session-kind';
import { postgresKind } from '../postgres/postgres-kind';
import { servingOnly } from './session-filter';
import type { StoreKind } from './store-kind';

/** Any store a workspace can open: a saved connection's, or the embedded demo. */
export type AnyStore = StoredStore | PostgresStore | DemoStoreConfig;

type Registry = { [K in AnyStore['kind']]: StoreKind<Extract<AnyStore, { kind: K }>> };

/** Every kind of store, one line each. */
const STORE_KINDS: Registry = {
  demo: servingItsFilters(demoKind),
  dynamodb: servingItsFilters(sentinelKind),
  redis: servingItsFilters(webSessionKind),
  postgres: servingItsFilters(postgresKind),
};

/**
 * The kind, its opened store refusing the filters its capabilities do not list: the one place
 * that check is made, for the app's workspace and the command line alike.
 */
function servingItsFilters<S extends { kind: string }>(kind: StoreKind<S>): StoreKind<S> {
  return {
    ...kind,
    open: async (store, secrets, options) => {
      const opened = await kind.open(store, secrets, options);
      return { ...opened, store: servingOnly(opened.store, kind.capabilities) };
    },
  };
}

/** The module of a store's kind, typed for that store. */
export function storeKind<S extends AnyStore>(store: S): StoreKind<S> {
  return STORE_KINDS[store.kind] as unknown as StoreKind<S>;
}

/** The module of a kind named on a command line (`--store redis`). */
export function storeKindNamed(kind: AnyStore['kind']): StoreKind<AnyStore> {
  return STORE_KINDS[kind] as StoreKind<AnyStore>;
}
