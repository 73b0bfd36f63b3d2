import type { Observable } from 'rxjs';
import type { CatalogState, WriteOp } from './catalog-state.js';

/**
 * A write: the ops themselves, or a function that computes them from the state they will apply to (so a
 * read-modify-write, e.g. picking a free sidecar port, cannot race with another write). The function may
 * throw to refuse the write; the error is the write's rejection and nothing is stored.
 */
export type Write = readonly WriteOp[] | ((state: CatalogState) => readonly WriteOp[]);

/**
 * The state store: one index that only grows (like Consul's raft index; never 0), atomic multi-op writes,
 * and the state as an Observable.
 *
 * Semantics every implementation keeps (the shared {@link applyOps} defines them):
 * - `write` resolves with the index after the write once the write is durable (for SQLite: committed
 *   with `synchronous=FULL`), and rejects with nothing applied otherwise. A write that changes nothing
 *   resolves with the current index and emits nothing.
 * - `state$` replays the current state to each subscriber, then every later state. Emission is
 *   non-reentrant: a write made by a subscriber while a state is being delivered is delivered after it,
 *   and a subscriber may skip intermediate states but always sees the latest one.
 * - `current()` is the latest written state (possibly ahead of what `state$` has delivered so far).
 *
 * The etcd implementation (etcd-store.ts, several replicas sharing one etcd) keeps one key per record
 * (etcd-keys.ts); its index is a counter every write advances in one guarded Txn (not etcd's revision), so
 * records and per-slice indexes are the same on every replica; see the doc of `openEtcdStore`.
 */
export interface StateStore {
  readonly state$: Observable<CatalogState>;
  current(): CatalogState;
  write(write: Write): Promise<number>;
  close(): Promise<void>;
}
