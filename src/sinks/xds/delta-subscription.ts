import type { Resource } from '../../core/resource.js';
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
    names: new Set(),
    has: new Map(),
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
  const has = new Map([...ts.has].filter(([n]) => inScope(n))); // unsubscribed: the client forgets them
  const initial = first ? Object.entries(change.initialVersions) : [];
  for (const [n, version] of initial) {
    if (!inScope(n)) continue;
    has.set(n, { version, claimed: true });
    force.delete(n);
  }
  const newWildcard = wildcard && !ts.wildcard;
  return {
    ...ts,
    wildcard,
    names,
    has,
    force: new Set([...force].filter(inScope)),
    owed: ts.owed || (newWildcard && initial.length === 0),
    requested: true,
  };
}

export function deltaInScope(ts: DeltaTypeState, name: string): boolean {
  return ts.wildcard || ts.names.has(name);
}

export function deltaSubscribed(ts: DeltaTypeState): readonly string[] | '*' {
  return ts.wildcard ? '*' : [...ts.names];
}

/** The resources (not mere claimed versions) the client holds: for config dumps. */
export function heldResources(ts: DeltaTypeState): ReadonlyMap<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [n, h] of ts.has) if (!('claimed' in h)) out.set(n, h);
  return out;
}
