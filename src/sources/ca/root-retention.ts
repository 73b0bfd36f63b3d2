import type { CaRootRecord, CaState } from './ca-types.js';

/** A leaf as root retention sees it: who signed it and until when it is valid. */
export interface SignedLeaf {
  readonly rootId: string;
  readonly validBefore: number;
}

/**
 * Leaves the CA does not track (signed before a restart), per root: the latest moment one of them may
 * still be valid.
 */
export type UntrackedLeaves = ReadonlyMap<string, number>;

/**
 * Until when root `rootId` must stay in the trust bundle: the latest expiry of a current (not yet
 * renewed) leaf it signed, or of leaves it may have signed that the CA does not track.
 * -Infinity when nothing it signed can still be in use.
 */
export function rootNeededUntil(rootId: string, leaves: Iterable<SignedLeaf>, untracked: UntrackedLeaves): number {
  let until = untracked.get(rootId) ?? -Infinity;
  for (const leaf of leaves) if (leaf.rootId === rootId && leaf.validBefore > until) until = leaf.validBefore;
  return until;
}

/**
 * Makes `root` the active root. The previous active root stays in the bundle, marked with the latest
 * expiry of anything it signed (so a restarted CA keeps it as long); {@link pruneRoots} removes it
 * once that is no longer needed.
 */
export function rotatedState(state: CaState, root: CaRootRecord, leaves: Iterable<SignedLeaf>, untracked: UntrackedLeaves): CaState {
  const leafList = [...leaves];
  const roots = state.roots.map((r) => {
    if (r.id !== state.activeRootId) return r;
    const until = rootNeededUntil(r.id, leafList, untracked);
    const leavesValidUntil = Math.max(until, r.leavesValidUntil ?? -Infinity);
    return Number.isFinite(leavesValidUntil) ? Object.freeze({ ...r, leavesValidUntil }) : r;
  });
  return Object.freeze({ ...state, activeRootId: root.id, roots: Object.freeze([...roots, root]) });
}

export interface PruneResult {
  /** The same object when nothing was removed. */
  readonly state: CaState;
  /** When the next retained root can go (for a timer), if any root is retained. */
  readonly nextCheckAt: number | undefined;
}

/**
 * Removes the inactive roots that nothing in use was signed by (every leaf they signed was renewed by
 * another root, or has expired). The active root always stays.
 */
export function pruneRoots(state: CaState, leaves: Iterable<SignedLeaf>, untracked: UntrackedLeaves, now: number): PruneResult {
  const leafList = [...leaves];
  let nextCheckAt: number | undefined;
  const kept = state.roots.filter((r) => {
    if (r.id === state.activeRootId) return true;
    const until = rootNeededUntil(r.id, leafList, untracked);
    if (until <= now) return false;
    nextCheckAt = nextCheckAt === undefined ? until : Math.min(nextCheckAt, until);
    return true;
  });
  if (kept.length === state.roots.length) return { state, nextCheckAt };
  return { state: Object.freeze({ ...state, roots: Object.freeze(kept) }), nextCheckAt };
}
