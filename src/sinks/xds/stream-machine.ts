import { status } from '@grpc/grpc-js';
import type { Resource } from '../../core/resource.js';
import type { Snapshot } from '../../core/snapshot.js';
import { ALL_TYPE_URLS } from '../../core/type-urls.js';
import type { Framer } from './any-cache.js';
import type { Instant, TypeStatus } from './stream-status.js';
import { XdsError } from './xds-error.js';

/** Something a state machine step produced: a response to write, or a fact to report. */
export type MachineOutput<Resp> =
  | {
      readonly kind: 'response';
      readonly typeUrl: string;
      readonly nonce: string;
      readonly version: string;
      readonly response: Resp;
      readonly resources: readonly Resource[];
      readonly removed: readonly string[];
    }
  | { readonly kind: 'ack'; readonly typeUrl: string; readonly nonce: string; readonly version: string; readonly sentAt?: number }
  | {
      readonly kind: 'nack';
      readonly typeUrl: string;
      readonly nonce: string;
      readonly version: string;
      readonly error: string;
      readonly sentAt?: number;
    }
  | { readonly kind: 'ignored'; readonly typeUrl: string; readonly reason: string };

export interface Transition<S, Resp> {
  readonly state: S;
  readonly outputs: readonly MachineOutput<Resp>[];
}

/** What operators see of a stream's state (see StreamStatus). */
export interface StreamView {
  readonly types: ReadonlyMap<string, TypeStatus>;
  readonly sent: ReadonlyMap<string, ReadonlyMap<string, Resource>>;
}

/**
 * The per-stream protocol core: deterministic, no I/O, no timers. Each function takes the current
 * (immutable) state and returns the next one; time comes in as an argument. Protocol violations
 * that must end the stream are thrown as XdsError.
 */
export interface StreamMachine<Req, Resp, S> {
  readonly initial: S;
  /** A client request: updates subscriptions, ACKs and NACKs. Never produces a response itself. */
  request(state: S, request: Req, at: Instant): Transition<S, Resp>;
  /** A new desired state. Responses follow from `next`. */
  snapshot(state: S, snapshot: Snapshot, at: Instant): S;
  /** The next response to write now, if any is due (one at a time: the writer may block after it). */
  next(state: S, at: Instant): Transition<S, Resp> | undefined;
  /** Scheduler time at which held-back work may become due, if some is waiting on a hold-back. */
  wakeAt(state: S, at: Instant): number | undefined;
  view(state: S): StreamView;
  /** Per requested type, the subscribed names ('*' = wildcard). Cheap: no status is built. */
  subscriptions(state: S): ReadonlyMap<string, readonly string[] | '*'>;
}

export { subscribedList } from './name-sets.js';

export interface MachineConfig {
  /** The type a per-type service (CDS, EDS, ...) serves; undefined for ADS. */
  readonly typeUrl?: string;
  /** How long an un-ACKed CDS/EDS response holds back LDS/RDS (and removals) on ADS. */
  readonly holdMs: number;
  readonly maxNames: number;
  readonly framer: Framer;
}

export const DEFAULT_HOLD_MS = 5000;
export const DEFAULT_MAX_NAMES = 10_000;

/**
 * The type URL a request is about, or undefined when an ADS stream asks for a type rxds does not
 * serve (ignored with a warning: a client may probe optional types, e.g. VHDS, and the rest of its
 * stream must keep working). A per-type service only serves its own type: anything else is
 * INVALID_ARGUMENT, as is an ADS request without a type URL (ADS cannot tell what it is about).
 */
export function requestType(config: MachineConfig, typeUrl: string): string | undefined {
  if (config.typeUrl !== undefined) {
    if (typeUrl !== '' && typeUrl !== config.typeUrl) {
      throw new XdsError(status.INVALID_ARGUMENT, `this service serves ${config.typeUrl}, not ${typeUrl}`);
    }
    return config.typeUrl;
  }
  if (typeUrl === '') throw new XdsError(status.INVALID_ARGUMENT, 'type_url is required on an aggregated (ADS) stream');
  // The canonical constant, not the request's own copy: the stream state keeps it for as long as it lives.
  return ALL_TYPE_URLS.find((t) => t === typeUrl);
}

export function checkNameCount(config: MachineConfig, count: number): void {
  if (count > config.maxNames) {
    throw new XdsError(status.INVALID_ARGUMENT, `a request may name at most ${config.maxNames} resources (got ${count})`);
  }
}

/** The error message of a NACK, for status and logs. */
export function nackMessage(detail: { code: number; message: string }): string {
  return detail.message || `rejected with code ${detail.code}`;
}
