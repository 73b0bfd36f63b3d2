import type { CaRoots, CaState } from './ca-types.js';

const cache = new WeakMap<CaState, CaRoots>();

/** The public trust bundle of a state (keys stripped); the same object for the same state. */
export function caRootsOf(state: CaState): CaRoots {
  let roots = cache.get(state);
  if (!roots) {
    roots = Object.freeze({
      trustDomain: state.trustDomain,
      activeRootId: state.activeRootId,
      roots: Object.freeze(
        state.roots.map((r) =>
          Object.freeze({ id: r.id, certPem: r.certPem, active: r.id === state.activeRootId, notBefore: r.notBefore, notAfter: r.notAfter }),
        ),
      ),
    });
    cache.set(state, roots);
  }
  return roots;
}

/** Same trust domain, active root and roots (by ID, in order). */
export function sameCaRoots(a: CaRoots, b: CaRoots): boolean {
  return (
    a.trustDomain === b.trustDomain &&
    a.activeRootId === b.activeRootId &&
    a.roots.length === b.roots.length &&
    a.roots.every((r, i) => r.id === b.roots[i]!.id && r.certPem === b.roots[i]!.certPem)
  );
}
