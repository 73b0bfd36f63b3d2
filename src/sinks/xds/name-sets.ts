/**
 * Subscriptions as shared immutable sets. Many clients subscribe to the same names (every sidecar
 * of a service asks for the same clusters); keeping one Set per distinct subscription instead of one
 * per stream saves the set and its strings on every stream, and lets per-subscription memos
 * (targets, lists) be shared too. Sets are held weakly: one lives while some stream uses it.
 */
const pool = new Map<string, WeakRef<ReadonlySet<string>>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  if (pool.get(key)?.deref() === undefined) pool.delete(key);
});

/** The shared set with the same names as `names` (which must not be mutated afterwards). */
export function internNames(names: ReadonlySet<string>): ReadonlySet<string> {
  if (names.size === 0) return EMPTY_NAMES;
  const key = [...names].sort().join('\u0000');
  const shared = pool.get(key)?.deref();
  if (shared) return shared;
  pool.set(key, new WeakRef(names));
  cleanup.register(names, key);
  return names;
}

export const EMPTY_NAMES: ReadonlySet<string> = Object.freeze(new Set<string>()) as ReadonlySet<string>;

const lists = new WeakMap<ReadonlySet<string>, readonly string[]>();
const sets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** A subscription as a list ('*' = wildcard), one shared list per (immutable) set. */
export function subscribedList(wildcard: boolean, names: ReadonlySet<string>): readonly string[] | '*' {
  if (wildcard) return '*';
  let list = lists.get(names);
  if (!list) {
    list = Object.freeze([...names]);
    lists.set(names, list);
    sets.set(list, names);
  }
  return list;
}

/** The set behind a list from `subscribedList` (or a new one for any other list). */
export function subscribedSet(list: readonly string[]): ReadonlySet<string> {
  let set = sets.get(list);
  if (!set) sets.set(list, (set = new Set(list)));
  return set;
}
