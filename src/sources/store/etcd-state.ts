import { freeze } from 'immer';
import { EMPTY_CATALOG_STATE, type CatalogState } from './catalog-state.js';
import { decodeMetaIndex, type EtcdKeys } from './etcd-keys.js';

/** One key change as read from etcd (a range row is a put). */
export interface KeyChange {
  readonly key: string;
  /** undefined: the key was deleted. */
  readonly value: string | undefined;
  readonly modRevision: number;
}

/** The local view of the store in etcd: the catalog and the etcd revisions it reflects. */
export interface EtcdView {
  readonly state: CatalogState;
  /** The mod revision of `meta/index` the state reflects (0: no write yet); the guard of the next write. */
  readonly metaRevision: number;
  /** The highest etcd revision folded into the state. */
  readonly revision: number;
}

/**
 * Folds key changes into a view, copy-on-write: only the maps that change are copied, and the same view
 * object comes back when nothing changed. A value that does not decode is reported and skipped (a foreign
 * or damaged key never breaks the store). The store index follows `meta/index` but never goes backwards.
 */
export function foldChanges(
  view: EtcdView,
  changes: readonly KeyChange[],
  keys: EtcdKeys,
  onBadValue: (key: string, reason: string) => void,
): EtcdView {
  const copies = new Map<string, Map<string, unknown>>();
  const base = view.state as unknown as Record<string, ReadonlyMap<string, unknown>>;
  const table = (name: string) => {
    let m = copies.get(name);
    if (!m) {
      m = new Map(base[name] ?? new Map());
      copies.set(name, m);
    }
    return m;
  };
  let index = view.state.index;
  let metaRevision = view.metaRevision;
  let revision = view.revision;
  for (const c of changes) {
    if (c.modRevision <= view.revision) continue; // already folded (e.g. applied when our own write committed)
    revision = Math.max(revision, c.modRevision);
    const parsed = keys.parse(c.key);
    switch (parsed.kind) {
      case 'meta-index': {
        if (c.value === undefined) {
          metaRevision = 0;
          break;
        }
        const meta = decodeMetaIndex(c.value);
        if (!meta) {
          onBadValue(c.key, 'not a store index');
          break;
        }
        metaRevision = c.modRevision;
        index = Math.max(index, meta.index);
        break;
      }
      case 'index': {
        if (c.value === undefined) {
          table('indexes').delete(parsed.key);
          break;
        }
        const n = Number(c.value);
        if (!Number.isSafeInteger(n) || n < 1) onBadValue(c.key, 'not an index');
        else table('indexes').set(parsed.key, n);
        break;
      }
      case 'record': {
        if (c.value === undefined) {
          if ((copies.get(parsed.table) ?? base[parsed.table])?.has(parsed.key)) table(parsed.table).delete(parsed.key);
          break;
        }
        const record = decodeRecord(c.value);
        if (record === undefined) onBadValue(c.key, 'not a JSON object');
        else table(parsed.table).set(parsed.key, freeze(record, true));
        break;
      }
      case 'ttl':
      case 'other':
        break;
    }
  }
  if (copies.size === 0 && index === view.state.index) {
    return metaRevision === view.metaRevision && revision === view.revision ? view : { state: view.state, metaRevision, revision };
  }
  const next: Record<string, unknown> = { ...view.state, index };
  for (const [name, map] of copies) next[name] = freeze(map);
  return { state: freeze(next as unknown as CatalogState), metaRevision, revision };
}

/** The view of a fresh range read at `revision` (every row a put). */
export function viewFromRange(rows: readonly KeyChange[], revision: number, keys: EtcdKeys, onBadValue: (key: string, reason: string) => void): EtcdView {
  const empty: EtcdView = { state: EMPTY_CATALOG_STATE, metaRevision: 0, revision: 0 };
  const view = foldChanges(empty, rows, keys, onBadValue);
  return { ...view, revision };
}

function decodeRecord(value: string): object | undefined {
  try {
    const v: unknown = JSON.parse(value);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether two states hold the same records (by value) in every map. */
export function sameContent(a: CatalogState, b: CatalogState): boolean {
  if (a === b) return true;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const name of Object.keys(ra)) {
    const ma = ra[name];
    const mb = rb[name];
    if (!(ma instanceof Map) || !(mb instanceof Map)) continue;
    if (ma.size !== mb.size) return false;
    for (const [k, v] of ma) if (JSON.stringify(v) !== JSON.stringify(mb.get(k))) return false;
  }
  return true;
}
