import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';

/**
 * Keeps the identity of unchanged parts across successive snapshots: in the snapshot it returns,
 * a type whose resources did not change is the previous snapshot's very map. The stream machines
 * memoize their diffs by map identity, so after a change to one endpoint set a stream re-diffs
 * only the endpoints, not its clusters, listeners and routes. The work is shared: every stream
 * that sees the same sequence of snapshots gets the same cached result (keyed by the new snapshot
 * and the previous one), so a change is compared once per server, not once per stream.
 */
export class SnapshotInterner {
  private readonly cache = new WeakMap<Snapshot, { readonly prev: Snapshot | undefined; readonly result: Snapshot }>();

  intern(prev: Snapshot | undefined, next: Snapshot): Snapshot {
    if (next === prev) return next;
    const hit = this.cache.get(next);
    if (hit && hit.prev === prev) return hit.result;
    let result = next;
    if (prev) {
      const out = new Map<string, ReadonlyMap<string, Resource>>();
      let reused = false;
      for (const [typeUrl, resources] of next) {
        const before = prev.get(typeUrl);
        if (before && before !== resources && sameResources(before, resources)) {
          out.set(typeUrl, before);
          reused = true;
        } else out.set(typeUrl, resources);
      }
      if (reused) result = out;
    }
    this.cache.set(next, { prev, result });
    return result;
  }
}

function sameResources(a: ReadonlyMap<string, Resource>, b: ReadonlyMap<string, Resource>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, r] of b) {
    const o = a.get(name);
    if (o !== r && (o === undefined || o.version !== r.version || o.typeUrl !== r.typeUrl)) return false;
  }
  return true;
}

const changesMemo = new WeakMap<ReadonlyMap<string, Resource>, { readonly prev: unknown; readonly names: ReadonlySet<string> }>();
const NONE: ReadonlySet<string> = new Set();

/**
 * Names of one type whose resource differs between two snapshots (added, changed or removed).
 * Memoized on the pair of maps, so every stream that sees the same transition shares one
 * comparison; unchanged maps (same object, see SnapshotInterner) cost nothing.
 */
export function changedNames(
  prev: ReadonlyMap<string, Resource> | undefined,
  next: ReadonlyMap<string, Resource> | undefined,
): ReadonlySet<string> {
  if (prev === next) return NONE;
  if (!next) return new Set(prev!.keys());
  const hit = changesMemo.get(next);
  if (hit && hit.prev === prev) return hit.names;
  const names = new Set<string>();
  for (const [n, r] of next) if (prev?.get(n)?.version !== r.version) names.add(n);
  if (prev) for (const n of prev.keys()) if (!next.has(n)) names.add(n);
  changesMemo.set(next, { prev, names });
  return names;
}
