import type { StateStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-errors.js';
import type { CaPersistence, CaState } from './ca-types.js';
import { decodeCaState, encodeCaState } from './ca-state-codec.js';
import { CaPersistenceError } from './file-ca-persistence.js';

/** The store's system record that holds the Connect CA state. */
export const CA_STATE_KEY = 'connect-ca';

/**
 * The CA state in the store was changed by someone else (another replica sharing the store) since this
 * persistence last read or wrote it: the save was refused and nothing was overwritten.
 */
export class CaStateChangedError extends CaPersistenceError {
  constructor(message: string) {
    super(message);
    this.name = 'CaStateChangedError';
  }
}

export type StoreCaPersistence = CaPersistence & { readonly key: string };

/**
 * Keeps the CA state (roots with their private keys) as the system record `key` of the state store, so
 * that every replica sharing the store (etcd) has the same roots, and a store backup holds them. The
 * value is the JSON of {@link encodeCaState}. Each save is a check-and-set against the record's index
 * as this persistence last saw it (absent included): two replicas starting on an empty store cannot
 * both create a root, and a state written by another replica is never silently overwritten
 * ({@link CaStateChangedError}).
 */
export function createStoreCaPersistence(store: Pick<StateStore, 'current' | 'write'>, key: string = CA_STATE_KEY): StoreCaPersistence {
  /** The record's ModifyIndex as last loaded or saved (0: absent); undefined before the first load. */
  let seen: number | undefined;
  return {
    key,
    load(): Promise<CaState | undefined> {
      const record = store.current().system.get(key);
      seen = record?.ModifyIndex ?? 0;
      if (!record) return Promise.resolve(undefined);
      const text = typeof record.Value === 'string' ? record.Value : JSON.stringify(record.Value);
      const decoded = decodeCaState(text);
      if (!decoded.ok) {
        return Promise.reject(new CaPersistenceError(`CA state in the store (system record "${key}") is invalid: ${decoded.error}`));
      }
      return Promise.resolve(decoded.value);
    },
    async save(state: CaState): Promise<void> {
      const value: unknown = JSON.parse(encodeCaState(state));
      let index: number;
      try {
        index = await store.write([{ type: 'system-put', key, value, ...(seen === undefined ? {} : { cas: seen }) }]);
      } catch (e) {
        if (e instanceof StoreConflictError && e.reason === 'cas-mismatch') {
          throw new CaStateChangedError(`the CA state in the store (system record "${key}") was changed by another writer: ${e.message}`);
        }
        throw e;
      }
      seen = store.current().system.get(key)?.ModifyIndex ?? index;
    },
  };
}
