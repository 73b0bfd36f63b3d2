import { BehaviorSubject, type Observable } from 'rxjs';
import { freeze } from 'immer';
import { applyOps, type Touched } from './apply-ops.js';
import { STORE_TABLES, type CatalogState } from './catalog-state.js';
import type { StateStore, Write } from './state-store.js';
import { StoreUnavailableError } from './store-errors.js';

/** Persists applied writes; throws to refuse them (then nothing is applied). Must be durable on return. */
export type Persist = (next: CatalogState, touched: Touched) => void;

export interface StoreCoreOptions {
  /**
   * Group commit: writes that arrive in the same event-loop turn are applied in order (each with its own
   * index) and persisted together, one durable commit for all. Default false: each write is applied and
   * persisted at once, before `write` returns.
   */
  readonly groupCommit?: boolean;
  /** Called after writes were persisted and applied, with the new index. */
  readonly onWritten?: (index: number) => void;
  /** Called when persisting failed (the writes are refused). */
  readonly onPersistError?: (err: unknown) => void;
  readonly close?: () => void;
}

interface Pending {
  readonly write: Write;
  readonly resolve: (index: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The part every local store shares: applying writes to the in-memory state in order, persisting them
 * before they become visible, and emitting states without reentrancy.
 */
export function createStoreCore(initial: CatalogState, persist: Persist, options: StoreCoreOptions = {}): StateStore {
  let state = freeze(initial, true);
  let closed = false;
  const subject = new BehaviorSubject<CatalogState>(state);
  let emitting = false;
  let queue: Pending[] = [];
  let scheduled = false;

  const emit = () => {
    if (emitting) return;
    emitting = true;
    try {
      while (subject.value !== state) subject.next(state);
    } finally {
      emitting = false;
    }
  };

  /** Applies the queued writes in order on a scratch state, persists the result once, then publishes it. */
  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let next = state;
    const touched = Object.fromEntries([...STORE_TABLES, 'indexes' as const].map((t) => [t, new Set<string>()])) as { [K in keyof Touched]: Set<string> };
    const outcomes: ({ ok: true; index: number } | { ok: false; err: unknown })[] = [];
    for (const p of batch) {
      try {
        const ops = typeof p.write === 'function' ? p.write(next) : p.write;
        const applied = applyOps(next, ops);
        next = applied.state;
        for (const k of [...STORE_TABLES, 'indexes'] as const) for (const key of applied.touched[k]) touched[k].add(key);
        outcomes.push({ ok: true, index: next.index });
      } catch (err) {
        outcomes.push({ ok: false, err });
      }
    }
    if (next !== state) {
      try {
        persist(next, touched);
      } catch (err) {
        options.onPersistError?.(err);
        const refused = new StoreUnavailableError(`the store could not persist the write: ${(err as Error).message}`, { cause: err });
        batch.forEach((p, i) => p.reject(outcomes[i]!.ok ? refused : (outcomes[i] as { err: unknown }).err));
        return;
      }
      state = next;
      options.onWritten?.(state.index);
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.index);
      else p.reject(o.err);
    });
    emit();
  };

  const state$: Observable<CatalogState> = subject.asObservable();
  return {
    state$,
    current: () => state,
    write(write) {
      if (closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
      return new Promise<number>((resolve, reject) => {
        queue.push({ write, resolve, reject });
        if (!options.groupCommit) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      if (closed) return;
      flush();
      closed = true;
      options.close?.();
      subject.complete();
    },
  };
}
