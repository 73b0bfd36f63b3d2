import { applyOps } from './apply-ops.js';
import type { CatalogState } from './catalog-state.js';
import { encodeMetaIndex, type EtcdKeys } from './etcd-keys.js';
import { del, put, type IRequestOp } from './etcd-client.js';
import type { Write } from './state-store.js';

export type Outcome = { readonly ok: true; readonly index: number } | { readonly ok: false; readonly err: unknown };

/** Queued writes applied in order to one base state, and the etcd ops that store the result. */
export interface Batch {
  /** How many of the queued writes this batch holds (a prefix of the queue; at least one). */
  readonly taken: number;
  /** The state after the batch (the base itself if no write changed anything). */
  readonly next: CatalogState;
  readonly outcomes: readonly Outcome[];
  /** The puts and deletes of every touched key, and the `meta/index` put; empty if nothing changed. */
  readonly ops: readonly IRequestOp[];
}

/**
 * Plans one Txn: applies queued writes in order on `base` with the shared {@link applyOps} (each its own
 * index; a write function sees the writes before it), and stops before a write whose keys would take the
 * Txn over `maxOps` (etcd's --max-txn-ops), so that a group never fails where its writes alone would not.
 * A write that is refused (it throws) is part of the batch with its error.
 */
export function planBatch(base: CatalogState, writes: readonly Write[], keys: EtcdKeys, maxOps: number, writer: string): Batch {
  let next = base;
  const touched = new Map<string, Set<string>>();
  let count = 1; // meta/index
  const outcomes: Outcome[] = [];
  for (const write of writes) {
    let applied;
    try {
      const ops = typeof write === 'function' ? write(next) : write;
      applied = applyOps(next, ops);
    } catch (err) {
      outcomes.push({ ok: false, err });
      continue;
    }
    let added = 0;
    for (const [table, set] of Object.entries(applied.touched) as [string, ReadonlySet<string>][]) {
      const have = touched.get(table);
      for (const k of set) if (!have?.has(k)) added++;
    }
    if (outcomes.length > 0 && count + added > maxOps) break;
    count += added;
    for (const [table, set] of Object.entries(applied.touched) as [string, ReadonlySet<string>][]) {
      let have = touched.get(table);
      if (!have) touched.set(table, (have = new Set()));
      for (const k of set) have.add(k);
    }
    next = applied.state;
    outcomes.push({ ok: true, index: next.index });
  }
  if (next === base) return { taken: outcomes.length, next, outcomes, ops: [] };
  const ops: IRequestOp[] = [];
  const state = next as unknown as Record<string, ReadonlyMap<string, unknown>>;
  for (const [table, set] of touched) {
    const map = state[table]!;
    for (const k of set) {
      const value = map.get(k);
      const key = table === 'indexes' ? keys.index(k) : keys.record(table, k);
      ops.push(value === undefined ? del(key) : put(key, JSON.stringify(value)));
    }
  }
  ops.push(put(keys.metaIndex, encodeMetaIndex({ index: next.index, writer })));
  return { taken: outcomes.length, next, outcomes, ops };
}
