import { concatMap, distinctUntilChanged, EMPTY, filter, map, of, type Observable } from 'rxjs';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { SystemRecord } from '../store/catalog-state.js';
import { jsonEqual } from '../store/json-equal.js';
import type { StateStore } from '../store/state-store.js';
import { StoreConflictError } from '../store/store-errors.js';
import type { Result } from '../../core/result.js';
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

export interface StoreCaPersistenceOptions {
  /** Where a record that cannot be decoded is reported (it is ignored); default silent. */
  readonly logger?: Logger;
}

/**
 * Keeps the CA state (roots with their private keys) as the system record `key` of the state store, so
 * that every replica sharing the store (etcd) has the same roots, and a store backup holds them. The
 * value is the JSON of {@link encodeCaState}. Each save is a check-and-set against the record's index
 * as this persistence last saw it (absent included): two replicas starting on an empty store cannot
 * both create a root, and a state written by another replica is never silently overwritten
 * ({@link CaStateChangedError}).
 *
 * With a store that has `state$`, `changes$` emits the states other writers save (a record whose
 * ModifyIndex is newer than the last one this persistence loaded, saved or emitted, and is not the echo
 * of its own save in flight). Emitting one moves the check-and-set base to it, so a CA that adopts it
 * saves on top of it. A record that does not decode is logged and skipped (saves stay refused until a
 * good one arrives: nothing overwrites what this persistence did not read); a deleted record is logged
 * and the next save creates it again.
 */
export function createStoreCaPersistence(
  store: Pick<StateStore, 'current' | 'write'> & Partial<Pick<StateStore, 'state$'>>,
  key: string = CA_STATE_KEY,
  options: StoreCaPersistenceOptions = {},
): StoreCaPersistence {
  const logger = options.logger ?? silentLogger;
  /** The record's ModifyIndex as last loaded, saved or emitted (0: absent); undefined before the first load. */
  let seen: number | undefined;
  /** The record's value at `seen`. */
  let seenValue: unknown;
  /** The value of the save in flight: its echo through `state$` may come before `write` resolves. */
  let pending: unknown;

  const decodeRecord = (record: SystemRecord): Result<CaState> =>
    decodeCaState(typeof record.Value === 'string' ? record.Value : JSON.stringify(record.Value));

  const changes$: Observable<CaState> | undefined = store.state$?.pipe(
    map((s) => s.system.get(key)),
    distinctUntilChanged((a, b) => a?.ModifyIndex === b?.ModifyIndex),
    filter(() => seen !== undefined),
    concatMap((record) => {
      if (!record) {
        if (seen !== 0) logger.warn({ key }, 'the CA state was deleted from the store: this replica keeps its state and saves it again on its next change');
        seen = 0;
        seenValue = undefined;
        return EMPTY;
      }
      if (record.ModifyIndex <= seen! || (pending !== undefined && jsonEqual(record.Value, pending))) return EMPTY;
      const decoded = decodeRecord(record);
      if (!decoded.ok) {
        logger.error({ key, index: record.ModifyIndex, error: decoded.error }, 'ignoring an invalid CA state written to the store by another writer: this replica keeps its state');
        return EMPTY;
      }
      seen = record.ModifyIndex;
      seenValue = record.Value;
      return of(decoded.value);
    }),
  );

  return {
    key,
    ...(changes$ ? { changes$ } : {}),
    load(): Promise<CaState | undefined> {
      const record = store.current().system.get(key);
      seen = record?.ModifyIndex ?? 0;
      seenValue = record?.Value;
      if (!record) return Promise.resolve(undefined);
      const decoded = decodeRecord(record);
      if (!decoded.ok) {
        return Promise.reject(new CaPersistenceError(`CA state in the store (system record "${key}") is invalid: ${decoded.error}`));
      }
      return Promise.resolve(decoded.value);
    },
    async save(state: CaState): Promise<void> {
      const value: unknown = JSON.parse(encodeCaState(state));
      let index: number;
      pending = value;
      try {
        index = await store.write([{ type: 'system-put', key, value, ...(seen === undefined ? {} : { cas: seen }) }]);
      } catch (e) {
        if (e instanceof StoreConflictError && e.reason === 'cas-mismatch') {
          throw new CaStateChangedError(`the CA state in the store (system record "${key}") was changed by another writer: ${e.message}`);
        }
        throw e;
      } finally {
        pending = undefined;
      }
      // The record's index after this write: `index` if it changed the record, the same if it wrote the
      // value already there. (Not the index of a later record another writer saved meanwhile, which
      // `changes$` has yet to emit.)
      if (seen === undefined) seen = store.current().system.get(key)?.ModifyIndex ?? index;
      else if (!jsonEqual(value, seenValue)) seen = index;
      seenValue = value;
    },
  };
}
