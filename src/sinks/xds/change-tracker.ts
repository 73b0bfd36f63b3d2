import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { subscribedSet } from './name-sets.js';
import { changedNames } from './snapshot-interner.js';

/** Type URL -> subscribed names ('*' = wildcard), for the types the stream has requested. */
type Subscribed = ReadonlyMap<string, readonly string[] | '*'>;

/**
 * Remembers, per type, when a snapshot first changed something the stream subscribes to since that
 * type's last push: the start of the convergence time (snapshot arrival to ACK) reported with a push.
 * A push caused only by a subscription change has no such start. Costs, per changed type, the
 * intersection of the (shared) changed names with the subscription; unchanged types are skipped by reference.
 */
export class ChangeTracker {
  private previous: Snapshot | undefined;
  private since: Map<string, number> | undefined; // made on first use: most streams idle most of the time

  /** A snapshot reached the stream at `at`; `subscribed` is the stream's subscription before it. */
  snapshot(next: Snapshot, subscribed: Subscribed, at: number): void {
    const prev = this.previous;
    this.previous = next;
    for (const [typeUrl, names] of subscribed) {
      if (this.since?.has(typeUrl)) continue;
      if (changed(prev?.get(typeUrl), next.get(typeUrl), names)) (this.since ??= new Map()).set(typeUrl, at);
    }
  }

  /** A response of `typeUrl` was written: the pending change time (if any), now consumed. */
  pushed(typeUrl: string): number | undefined {
    const at = this.since?.get(typeUrl);
    this.since?.delete(typeUrl);
    return at;
  }
}

function changed(
  a: ReadonlyMap<string, Resource> | undefined,
  b: ReadonlyMap<string, Resource> | undefined,
  names: readonly string[] | '*',
): boolean {
  if (a === b) return false;
  // The changed names of a transition are computed once for all streams (changedNames); a stream
  // only intersects them with its subscription, the smaller side driving the loop.
  const diff = changedNames(a, b);
  if (diff.size === 0) return false;
  if (names === '*') return true;
  if (names.length <= diff.size) return names.some((n) => diff.has(n));
  const subscribed = subscribedSet(names); // the stream's own (shared) set: no copy
  for (const n of diff) if (subscribed.has(n)) return true;
  return false;
}
