import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';

/** Type URL -> subscribed names ('*' = wildcard), for the types the stream has requested. */
type Subscribed = ReadonlyMap<string, readonly string[] | '*'>;

/**
 * Remembers, per type, when a snapshot first changed something the stream subscribes to since that
 * type's last push: the start of the convergence time (snapshot arrival to ACK) reported with a push.
 * A push caused only by a subscription change has no such start. Costs one pass over the subscribed
 * resources of a changed type per snapshot (unchanged types are skipped by reference).
 */
export class ChangeTracker {
  private previous: Snapshot | undefined;
  private readonly since = new Map<string, number>();

  /** A snapshot reached the stream at `at`; `subscribed` is the stream's subscription before it. */
  snapshot(next: Snapshot, subscribed: Subscribed, at: number): void {
    const prev = this.previous;
    this.previous = next;
    for (const [typeUrl, names] of subscribed) {
      if (this.since.has(typeUrl)) continue;
      if (changed(prev?.get(typeUrl), next.get(typeUrl), names)) this.since.set(typeUrl, at);
    }
  }

  /** A response of `typeUrl` was written: the pending change time (if any), now consumed. */
  pushed(typeUrl: string): number | undefined {
    const at = this.since.get(typeUrl);
    this.since.delete(typeUrl);
    return at;
  }
}

function changed(
  a: ReadonlyMap<string, Resource> | undefined,
  b: ReadonlyMap<string, Resource> | undefined,
  names: readonly string[] | '*',
): boolean {
  if (a === b) return false;
  const differs = (name: string) => a?.get(name)?.version !== b?.get(name)?.version;
  if (names !== '*') return names.some(differs);
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return true;
  for (const name of b?.keys() ?? []) if (differs(name)) return true;
  return false;
}
