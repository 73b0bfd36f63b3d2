import type { Resource } from '../../core/resource.js';
import type { Dirty } from './dirty-names.js';
import { withChanges } from './layered-map.js';
import { EMPTY_DIGEST, digestUpdate, type SetDigest } from './set-version.js';
import { EMPTY_NAMES, internNames, subscribedList } from './name-sets.js';
import { EMPTY_LEDGER, type TypeLedger } from './stream-status.js';

/** One type on one SotW stream: what the client subscribes to and what it was sent. Immutable. */
export interface SotwTypeState {
  readonly typeUrl: string;
  /** `*`, or the legacy form: no request for this type has named anything yet and the list is empty. */
  readonly wildcard: boolean;
  /** Explicitly named resources (without `*`). */
  readonly names: ReadonlySet<string>;
  /** Some request for this type named something: an empty list no longer means wildcard. */
  readonly everNamed: boolean;
  /** What the client was sent, per name (for LDS/CDS exactly the last response's set). */
  readonly sent: ReadonlyMap<string, Resource>;
  /** Digest of `sent`: the version_info of the last response. */
  readonly sentDigest: SetDigest;
  /** Names whose sync state may have changed since the last response (see dirty-names). */
  readonly dirty: Dirty;
  /** Names to send even if unchanged: newly subscribed, or children of an updated parent. */
  readonly force: ReadonlySet<string>;
  /** LDS/CDS owe a full-state answer (first request, subscription change) even if nothing changed. */
  readonly owed: boolean;
  /**
   * A request with a stale nonce arrived: its names count, but it gets no response of its own. The
   * client has a newer response in flight and will ACK or NACK it; that request (or the next
   * snapshot) gets the answer.
   */
  readonly quiet: boolean;
  readonly ledger: TypeLedger;
}

export function initialSotwType(typeUrl: string): SotwTypeState {
  return {
    typeUrl,
    wildcard: false,
    names: EMPTY_NAMES,
    everNamed: false,
    sent: new Map(),
    sentDigest: EMPTY_DIGEST,
    dirty: 'all',
    force: new Set(),
    owed: false,
    quiet: false,
    ledger: EMPTY_LEDGER,
  };
}

/**
 * Applies a request's `resource_names` (always the complete subscription in SotW).
 * `restart` (an empty nonce) means the client starts the type afresh and holds nothing of ours.
 */
export function applySotwNames(ts: SotwTypeState, resourceNames: readonly string[], restart: boolean): SotwTypeState {
  const explicit = new Set<string>();
  let star = false;
  for (const n of resourceNames) {
    if (n === '*') star = true;
    else explicit.add(n);
  }
  const wildcard = star || (!ts.everNamed && resourceNames.length === 0);
  const sameNames = explicit.size === ts.names.size && [...explicit].every((n) => ts.names.has(n));
  const changed = wildcard !== ts.wildcard || !sameNames;
  if (!changed && !restart) return ts;

  const inScope = (n: string) => wildcard || explicit.has(n);
  // Unsubscribed names are dropped by the client; a restart means it holds nothing of ours.
  const dropped: Array<[string, undefined]> = [];
  for (const n of ts.sent.keys()) if (restart || !inScope(n)) dropped.push([n, undefined]);
  const sent = withChanges(ts.sent, dropped);
  const sentDigest = digestUpdate(ts.sentDigest, ts.sent, dropped);
  const force = new Set([...ts.force].filter(inScope));
  // Newly named resources are sent even if this stream sent them before (the client may have dropped them).
  for (const n of explicit) if (!ts.names.has(n)) force.add(n);
  return {
    ...ts,
    wildcard,
    names: internNames(explicit),
    everNamed: ts.everNamed || resourceNames.length > 0,
    sent,
    sentDigest,
    // A restart or a wildcard change brings everything (back) into question; new names are forced.
    dirty: restart || wildcard !== ts.wildcard ? 'all' : ts.dirty,
    force,
    owed: true,
  };
}

/** Whether a name is within the type's subscription. */
export function sotwInScope(ts: SotwTypeState, name: string): boolean {
  return ts.wildcard || ts.names.has(name);
}

/** The subscription as operators see it. */
export function sotwSubscribed(ts: SotwTypeState): readonly string[] | '*' {
  return subscribedList(ts.wildcard, ts.names);
}
