import { BehaviorSubject, type Observable } from 'rxjs';
import { freeze } from 'immer';
import { applyOps, type Touched } from './apply-ops.js';
import type { CatalogState } from './catalog-state.js';
import type { StateStore, Write } from './state-store.js';
import { StoreUnavailableError } from './store-errors.js';

/** Persists one applied write; throws to refuse it (then nothing is applied). Must be durable on return. */
export type Persist = (next: CatalogState, touched: Touched) => void;

export interface StoreCoreOptions {
  /** Called after a write was persisted and applied, with the new index. */
  readonly onWritten?: (index: number) => void;
  /** Called when persisting a write failed (the write is refused). */
  readonly onPersistError?: (err: unknown) => void;
  readonly close?: () => void;
}

/**
 * The part every local store shares: applying writes to the in-memory state in order, persisting each
 * before it becomes visible, and emitting states without reentrancy.
 */
export function createStoreCore(initial: CatalogState, persist: Persist, options: StoreCoreOptions = {}): StateStore {
  let state = freeze(initial, true);
  let closed = false;
  const subject = new BehaviorSubject<CatalogState>(state);
  let emitting = false;

  const emit = () => {
    if (emitting) return;
    emitting = true;
    try {
      while (subject.value !== state) subject.next(state);
    } finally {
      emitting = false;
    }
  };

  const apply = (write: Write): number => {
    if (closed) throw new StoreUnavailableError('the store is closed');
    const ops = typeof write === 'function' ? write(state) : write;
    const applied = applyOps(state, ops);
    if (applied.state === state) return state.index;
    try {
      persist(applied.state, applied.touched);
    } catch (err) {
      options.onPersistError?.(err);
      throw new StoreUnavailableError(`the store could not persist the write: ${(err as Error).message}`, { cause: err });
    }
    state = applied.state;
    options.onWritten?.(state.index);
    emit();
    return state.index;
  };

  const state$: Observable<CatalogState> = subject.asObservable();
  return {
    state$,
    current: () => state,
    write(write) {
      try {
        return Promise.resolve(apply(write));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      options.close?.();
      subject.complete();
    },
  };
}
