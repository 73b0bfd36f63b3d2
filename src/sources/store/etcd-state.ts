import { freeze } from 'immer';
import { EMPTY_CATALOG_STATE, type CatalogState } from './catalog-state.js';
import { decodeMetaIndex, type EtcdKeys } from './etcd-keys.js';
import { asPersistent, PersistentMap, type PersistentMapEditor } from './persistent-map.js';
import { carryAllGroups } from './record-groups.js';

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
 * Folds key changes into a view: the maps that change get a new version (O(log n) per changed key, see
 * {@link PersistentMap}), the others are shared, and the same view
 * object comes back when nothing changed. A value that does not decode is reported and skipped (a foreign
 * or damaged key never breaks the store). The store index follows `meta/index` but never goes backwards.
 */
export function foldChanges(
  view: EtcdView,
  changes: readonly KeyChange[],
  keys: EtcdKeys,
  onBadValue: (key: string, reason: string) => void,
): EtcdView {
  const copies = new Map<string, { readonly editor: PersistentMapEditor<unknown>; readonly changed: Set<string> }>();
  const base = view.state as unknown as Record<string, ReadonlyMap<string, unknown>>;
  const table = (name: string) => {
    let m = copies.get(name);
    if (!m) {
      m = { editor: asPersistent(base[name] ?? PersistentMap.empty()).edit(), changed: new Set() };
      copies.set(name, m);
    }
    return m;
  };
  const set = (name: string, key: string, value: unknown) => {
    const t = table(name);
    t.editor.set(key, value);
    t.changed.add(key);
  };
  const remove = (name: string, key: string) => {
    const t = table(name);
    t.editor.delete(key);
    t.changed.add(key);
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
          remove('indexes', parsed.key);
          break;
        }
        const n = Number(c.value);
        if (!Number.isSafeInteger(n) || n < 1) onBadValue(c.key, 'not an index');
        else set('indexes', parsed.key, n);
        break;
      }
      case 'record': {
        if (c.value === undefined) {
          if ((copies.get(parsed.table)?.editor ?? base[parsed.table])?.has(parsed.key)) remove(parsed.table, parsed.key);
          break;
        }
        const record = decodeRecord(c.value);
        if (record === undefined) onBadValue(c.key, 'not a JSON object');
        else set(parsed.table, parsed.key, freeze(record, true));
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
  for (const [name, { editor }] of copies) next[name] = editor.done();
  const state = Object.freeze(next) as unknown as CatalogState;
  const changed = (name: string) => copies.get(name)?.changed ?? [];
  carryAllGroups(view.state, state, { services: changed('services'), checks: changed('checks') });
  return { state, metaRevision, revision };
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
    if (!isMap(ma) || !isMap(mb)) continue;
    if (ma.size !== mb.size) return false;
    for (const [k, v] of ma) if (JSON.stringify(v) !== JSON.stringify(mb.get(k))) return false;
  }
  return true;
}

function isMap(v: unknown): v is ReadonlyMap<string, unknown> {
  return v instanceof PersistentMap || v instanceof Map;
}
