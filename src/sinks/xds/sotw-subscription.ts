import type { Resource } from '../../core/resource.js';
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
    names: new Set(),
    everNamed: false,
    sent: new Map(),
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
  const sent = new Map(restart ? [] : ts.sent);
  for (const n of sent.keys()) if (!inScope(n)) sent.delete(n); // unsubscribed: the client drops it
  const force = new Set([...ts.force].filter(inScope));
  // Newly named resources are sent even if this stream sent them before (the client may have dropped them).
  for (const n of explicit) if (!ts.names.has(n)) force.add(n);
  return {
    ...ts,
    wildcard,
    names: explicit,
    everNamed: ts.everNamed || resourceNames.length > 0,
    sent,
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
  return ts.wildcard ? '*' : [...ts.names];
}
