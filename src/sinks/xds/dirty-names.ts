/**
 * Incremental diffing. A stream type keeps the names whose sync state may have changed since its
 * last response ("dirty"): every other name in scope is known to be in sync (the client holds what
 * the snapshot has, or neither has it). A snapshot change marks the names it changed (computed once
 * per transition for all streams, see changedNames), a response clears what it settled. So a push
 * of one changed resource to a stream holding thousands costs a few lookups, not a full diff.
 * 'all' (a new subscription, a wildcard, a restart) means: diff everything once.
 */
export type Dirty = ReadonlySet<string> | 'all';

export const CLEAN: Dirty = Object.freeze(new Set<string>()) as ReadonlySet<string>;

/** The union, sharing the (immutable) added set when nothing was dirty before. */
export function markDirty(dirty: Dirty, names: ReadonlySet<string>): Dirty {
  if (dirty === 'all' || names.size === 0) return dirty;
  if (dirty.size === 0) return names;
  const out = new Set(dirty);
  for (const n of names) out.add(n);
  return out;
}

/** The names a diff must look at: the dirty ones and the forced ones, or `everything()`. */
export function candidates(dirty: Dirty, force: ReadonlySet<string>, everything: () => Iterable<string>): Set<string> {
  const out = new Set<string>(dirty === 'all' ? everything() : dirty);
  for (const n of force) out.add(n);
  return out;
}
