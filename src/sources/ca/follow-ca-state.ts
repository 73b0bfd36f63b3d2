import type { CaRootRecord, CaState } from './ca-types.js';
import { encodeCaState } from './ca-state-codec.js';
import { rootNeededUntil, type SignedLeaf, type UntrackedLeaves } from './root-retention.js';

/** What a CA does with a state another replica saved: the state it takes, and its untracked leaves. */
export interface Adoption {
  /** `foreign` itself when this CA has nothing to add (then it need not save). */
  readonly state: CaState;
  readonly untracked: ReadonlyMap<string, number>;
}

/** Same content (roots, keys, active root, trust domain, leaf TTL). */
export function sameCaState(a: CaState, b: CaState): boolean {
  return a === b || encodeCaState(a) === encodeCaState(b);
}

/**
 * Takes `foreign` (saved by another replica sharing the store) in place of `own`: its roots, active root
 * and trust domain. What this CA knows and the other did not is added, so that nothing it handed out
 * stops being trusted:
 * - a root of `own` that `foreign` dropped stays (inactive) while a leaf this CA signed with it is valid;
 * - an inactive root's `leavesValidUntil` covers this CA's leaves too;
 * - the leaf TTL on record is the longer of both (a restarted replica bounds untracked leaves by it).
 * The `leavesValidUntil` of `foreign`'s inactive roots become untracked leaves here: leaves the other
 * replica signed, which this CA cannot see, keep their root in its bundle as long as they may be valid.
 * Adding nothing returns `foreign` itself; when something is added the CA saves the result, and the
 * other replica's adoption of it adds nothing more (each only adds leaves it tracks), so they settle.
 */
export function adoptState(
  foreign: CaState,
  own: CaState,
  leaves: Iterable<SignedLeaf>,
  untracked: UntrackedLeaves,
  now: number,
  leafTtlMs: number,
): Adoption {
  const leafList = [...leaves];
  const neededByMine = (id: string) => rootNeededUntil(id, leafList, new Map());
  let changed = false;
  const roots = foreign.roots.map((r) => {
    if (r.id === foreign.activeRootId) return r;
    const until = neededByMine(r.id);
    if (until <= now || until <= (r.leavesValidUntil ?? -Infinity)) return r;
    changed = true;
    return Object.freeze({ ...r, leavesValidUntil: until });
  });
  const kept: CaRootRecord[] = own.roots
    .filter((r) => !foreign.roots.some((f) => f.id === r.id) && neededByMine(r.id) > now)
    .map((r) => Object.freeze({ ...r, leavesValidUntil: Math.max(neededByMine(r.id), r.leavesValidUntil ?? -Infinity) }));
  const ttl = Math.max(foreign.leafTtlMs, leafTtlMs);
  const state =
    !changed && kept.length === 0 && ttl === foreign.leafTtlMs
      ? foreign
      : Object.freeze({ ...foreign, leafTtlMs: ttl, roots: Object.freeze([...kept, ...roots]) });

  // Only the other replica's word counts as untracked: this CA's own leaves are tracked (a root kept for
  // them goes once they are renewed).
  const nextUntracked = new Map<string, number>();
  for (const r of state.roots) {
    let until = untracked.get(r.id) ?? -Infinity;
    const theirs = foreign.roots.find((f) => f.id === r.id);
    if (r.id !== state.activeRootId && theirs?.leavesValidUntil !== undefined) until = Math.max(until, theirs.leavesValidUntil);
    if (Number.isFinite(until)) nextUntracked.set(r.id, until);
  }
  return { state, untracked: nextUntracked };
}
