import type { Resource } from '../../core/resource.js';
import { markDirty, type Dirty } from './dirty-names.js';
import { withChanges } from './layered-map.js';
import { EMPTY_DIGEST, digestUpdate, type SetDigest } from './set-version.js';
import { EMPTY_NAMES, internNames, subscribedList } from './name-sets.js';
import { EMPTY_LEDGER, type TypeLedger } from './stream-status.js';

/** A version the client says it holds (`initial_resource_versions`) of a resource we did not send it. */
export interface ClaimedVersion {
  readonly version: string;
  readonly claimed: true;
}

/** What the client holds of one resource, as far as the server knows. */
export type Held = Resource | ClaimedVersion;

/** One type on one Delta stream. Immutable. */
export interface DeltaTypeState {
  readonly typeUrl: string;
  /** `*` subscribed, or the legacy form (the first request had both lists empty). */
  readonly wildcard: boolean;
  /** Explicitly subscribed names (without `*`). */
  readonly names: ReadonlySet<string>;
  /** What the client holds, per name. */
  readonly has: ReadonlyMap<string, Held>;
  /** Digest of `has` (the system_version_info), kept up to date with it. */
  readonly hasDigest: SetDigest;
  /** Names whose sync state may have changed since the last response (see dirty-names). */
  readonly dirty: Dirty;
  /** Names to send (or report as not existing) even if the client holds them: every subscribed name. */
  readonly force: ReadonlySet<string>;
  /** A response is owed even if empty: a new wildcard subscriber must learn that the set is complete. */
  readonly owed: boolean;
  readonly requested: boolean;
  readonly ledger: TypeLedger;
}

export function initialDeltaType(typeUrl: string): DeltaTypeState {
  return {
    typeUrl,
    wildcard: false,
    names: EMPTY_NAMES,
    has: new Map(),
    hasDigest: EMPTY_DIGEST,
    dirty: 'all',
    force: new Set(),
    owed: false,
    requested: false,
    ledger: EMPTY_LEDGER,
  };
}

export interface DeltaSubscriptionChange {
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
  readonly initialVersions: Readonly<Record<string, string>>;
}

/**
 * Applies subscribe/unsubscribe (always, whatever the nonce) and, on the first request of the type,
 * `initial_resource_versions`: what the client already holds is not re-sent if unchanged, and what
 * it holds that no longer exists will be reported removed.
 */
export function applyDeltaChange(ts: DeltaTypeState, change: DeltaSubscriptionChange): DeltaTypeState {
  const first = !ts.requested;
  const initial = first ? Object.entries(change.initialVersions) : [];
  // A pure ACK (the common case) changes nothing here: keep every map as it is.
  if (!first && change.subscribe.length === 0 && change.unsubscribe.length === 0) return ts;
  let wildcard = ts.wildcard;
  const names = new Set(ts.names);
  const force = new Set(ts.force);
  // Legacy wildcard: the first request of a type names nothing at all.
  if (first && change.subscribe.length === 0 && change.unsubscribe.length === 0) wildcard = true;
  for (const n of change.subscribe) {
    if (n === '*') wildcard = true;
    else {
      names.add(n);
      force.add(n);
    }
  }
  for (const n of change.unsubscribe) {
    if (n === '*') wildcard = false;
    else {
      names.delete(n);
      force.delete(n);
    }
  }
  const inScope = (n: string) => wildcard || names.has(n);
  const changes: Array<[string, Held | undefined]> = [];
  for (const n of ts.has.keys()) if (!inScope(n)) changes.push([n, undefined]); // unsubscribed: the client forgets them
  for (const [n, version] of initial) {
    if (!inScope(n)) continue;
    changes.push([n, { version, claimed: true }]);
    force.delete(n);
  }
  let has = ts.has;
  let hasDigest = ts.hasDigest;
  if (changes.length > 0) {
    hasDigest = digestUpdate(ts.hasDigest, ts.has, changes);
    has = withChanges(ts.has, changes);
  }
  const newWildcard = wildcard && !ts.wildcard;
  for (const n of force) if (!inScope(n)) force.delete(n);
  // A new wildcard (or a first request) brings everything into scope; claimed versions may be stale.
  const dirty = first || newWildcard ? 'all' : markDirty(ts.dirty, new Set(initial.map(([n]) => n)));
  return {
    ...ts,
    wildcard,
    names: internNames(names),
    has,
    hasDigest,
    dirty,
    force,
    owed: ts.owed || (newWildcard && initial.length === 0),
    requested: true,
  };
}

export function deltaInScope(ts: DeltaTypeState, name: string): boolean {
  return ts.wildcard || ts.names.has(name);
}

export function deltaSubscribed(ts: DeltaTypeState): readonly string[] | '*' {
  return subscribedList(ts.wildcard, ts.names);
}

/** The resources (not mere claimed versions) the client holds: for config dumps. */
export function heldResources(ts: DeltaTypeState): ReadonlyMap<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [n, h] of ts.has) if (!('claimed' in h)) out.set(n, h);
  return out;
}
