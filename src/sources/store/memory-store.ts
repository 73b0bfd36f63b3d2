import { EMPTY_CATALOG_STATE, type CatalogState } from './catalog-state.js';
import type { StateStore } from './state-store.js';
import { createStoreCore } from './store-core.js';

/** A store that keeps the state in memory only: same semantics as the SQLite store, nothing survives. */
export function createMemoryStore(initial: CatalogState = EMPTY_CATALOG_STATE): StateStore {
  return createStoreCore(initial, () => {});
}
