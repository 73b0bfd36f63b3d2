/**
 * The records of one map of the state sorted by key (what full listings such as `GET /v1/agent/services`
 * and the health-check runner read). Sorted in full the first time a map's list is asked for; from then
 * on every store write carries it to the next version ({@link carrySorted}) lazily: a write notes which
 * keys changed since the last list built (O(changes)), and the list of a version is built when it is
 * asked for, by one array copy and a binary search per changed key. A listing nobody reads between
 * writes (the health runner's, which only status updates move) so costs no O(n) copy per write.
 */
interface Sorted {
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
}

/** A version whose list is not built yet: an earlier version's list and the keys changed since. */
interface Pending {
  readonly from: Sorted;
  readonly changed: ReadonlySet<string>;
}

const cache = new WeakMap<ReadonlyMap<string, unknown>, Sorted>();
const pending = new WeakMap<ReadonlyMap<string, unknown>, Pending>();

/**
 * A write changing more keys than this leaves the next read to sort in full (cheaper than many splices);
 * once this many changes have piled up unread, the list is built then (one copy per that many writes).
 */
const MAX_CARRIED_CHANGES = 64;

/**
 * The values of `map` sorted by key (code-unit order); the same array while the map is the same. Typed
 * readonly, not frozen (V8 keeps a large frozen array in slow dictionary mode).
 */
export function sortedValues<V>(map: ReadonlyMap<string, V>): readonly V[] {
  let sorted = cache.get(map);
  if (!sorted) {
    const p = pending.get(map);
    if (p) {
      sorted = applyChanges(p.from, map, p.changed);
      pending.delete(map);
    } else {
      const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      sorted = { keys: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
    }
    cache.set(map, sorted);
  }
  return sorted.values as readonly V[];
}

/**
 * Notes that `next` differs from `base` only in the `changed` keys, so that its sorted list can be derived
 * from `base`'s. Does nothing if `base`'s list was never asked for, or if too many keys changed.
 */
export function carrySorted<V>(base: ReadonlyMap<string, V>, next: ReadonlyMap<string, V>, changed: Iterable<string>): void {
  if (base === next || cache.has(next) || pending.has(next)) return;
  const built = cache.get(base);
  const p = built ? { from: built, changed: new Set<string>() } : pending.get(base);
  if (!p) return;
  const keys = new Set(p.changed);
  const before = keys.size;
  for (const key of changed) keys.add(key);
  if (keys.size - before > MAX_CARRIED_CHANGES) return;
  if (keys.size > MAX_CARRIED_CHANGES) cache.set(next, applyChanges(p.from, next, keys));
  else pending.set(next, { from: p.from, changed: keys });
}

/** `from`'s list with the `changed` keys updated to what `map` holds (inserted, replaced or removed). */
function applyChanges(from: Sorted, map: ReadonlyMap<string, unknown>, changed: Iterable<string>): Sorted {
  const keys = from.keys.slice();
  const values = from.values.slice();
  for (const key of changed) {
    const i = lowerBound(keys, key);
    const found = i < keys.length && keys[i] === key;
    const value = map.get(key);
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
  return { keys, values };
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
