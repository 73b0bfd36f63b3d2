/**
 * The records of one map of the state sorted by key (what full listings such as `GET /v1/agent/services`
 * and the health-check runner read). Sorted in full the first time a map's list is asked for; from then
 * on every store write carries it to the next version ({@link carrySorted}) by binary search and one
 * array copy per write, instead of a fresh O(n log n) sort of every record.
 */
interface Sorted {
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
}

const cache = new WeakMap<ReadonlyMap<string, unknown>, Sorted>();

/** A write changing more keys than this leaves the next read to sort in full (cheaper than many splices). */
const MAX_CARRIED_CHANGES = 64;

/**
 * The values of `map` sorted by key (code-unit order); the same array while the map is the same. Typed
 * readonly, not frozen (V8 keeps a large frozen array in slow dictionary mode).
 */
export function sortedValues<V>(map: ReadonlyMap<string, V>): readonly V[] {
  let sorted = cache.get(map);
  if (!sorted) {
    const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    sorted = { keys: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
    cache.set(map, sorted);
  }
  return sorted.values as readonly V[];
}

/**
 * Derives the sorted list of `next` from that of `base` when only `changed` keys differ between them.
 * Does nothing if `base`'s list was never asked for, or if too many keys changed.
 */
export function carrySorted<V>(base: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, changed: Iterable<string>): void {
  if (base === next || cache.has(next)) return;
  const prev = cache.get(base);
  if (!prev) return;
  const changes = [...new Set(changed)];
  if (changes.length > MAX_CARRIED_CHANGES) return;
  const keys = prev.keys.slice();
  const values = prev.values.slice();
  for (const key of changes) {
    const i = lowerBound(keys, key);
    const found = i < keys.length && keys[i] === key;
    const value = next.get(key);
    if (value === undefined) {
      if (found) {
        keys.splice(i, 1);
        values.splice(i, 1);
      }
    } else if (found) values[i] = value;
    else {
      keys.splice(i, 0, key);
      values.splice(i, 0, value);
    }
  }
  cache.set(next, { keys, values });
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
