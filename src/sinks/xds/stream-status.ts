import type { Resource } from '../../core/resource.js';

/** Per stream and type, as Istio's proxy-status shows it. */
export type SyncStatus = 'SYNCED' | 'NOT SENT' | 'STALE' | 'NACKED';

export interface TypeStatus {
  typeUrl: string;
  lastSentVersion?: string;
  lastSentNonce?: string;
  lastSentAt?: number;
  lastAckedVersion?: string;
  lastAckAt?: number;
  nackError?: string;
  nackAt?: number;
  status: SyncStatus;
  subscribed: readonly string[] | '*';
}

export interface StreamStatus {
  streamId: string;
  nodeId: string;
  cluster: string;
  kind: 'sotw' | 'delta';
  typeUrl?: string;
  connectedAt: number;
  peer: string;
  types: ReadonlyMap<string, TypeStatus>;
  /** what was last sent per type (name -> Resource) for config dumps */
  sent: ReadonlyMap<string, ReadonlyMap<string, Resource>>;
}

/**
 * A point in time as the state machines see it: `wall` (the injected clock, for timestamps shown to
 * operators) and `tick` (the RxJS scheduler's clock, for timeouts that must run in virtual time).
 */
export interface Instant {
  readonly wall: number;
  readonly tick: number;
}

/**
 * What was sent for one type on one stream and how the client answered. Immutable; the state
 * machines replace it on every send, ACK and NACK.
 */
export interface TypeLedger {
  readonly lastSentVersion?: string;
  readonly lastSentNonce?: string;
  readonly lastSentAt?: number;
  /** Scheduler time of the last send: LDS/RDS hold-back and removal ordering time out from here. */
  readonly sentTick?: number;
  /** The last sent nonce has been neither ACKed nor NACKed yet. */
  readonly awaiting: boolean;
  readonly lastAckedVersion?: string;
  readonly lastAckAt?: number;
  /** The NACK of the last answered response; cleared by the next ACK. */
  readonly nackError?: string;
  readonly nackAt?: number;
}

export const EMPTY_LEDGER: TypeLedger = Object.freeze({ awaiting: false });

export function recordSent(ledger: TypeLedger, nonce: string, version: string, at: Instant): TypeLedger {
  return { ...ledger, lastSentNonce: nonce, lastSentVersion: version, lastSentAt: at.wall, sentTick: at.tick, awaiting: true };
}

export function recordAck(ledger: TypeLedger, at: Instant): TypeLedger {
  const { nackError: _e, nackAt: _a, ...rest } = ledger;
  return { ...rest, awaiting: false, lastAckedVersion: ledger.lastSentVersion, lastAckAt: at.wall };
}

export function recordNack(ledger: TypeLedger, error: string, at: Instant): TypeLedger {
  return { ...ledger, awaiting: false, nackError: error, nackAt: at.wall };
}

/** How a request's `response_nonce` relates to what we sent for its type. */
export type NonceKind = 'initial' | 'current' | 'stale';

/**
 * An empty nonce starts (or restarts) a subscription; the last nonce we sent makes the request an
 * ACK or NACK; any other nonce answers a response the client has since been superseded by.
 */
export function classifyNonce(ledger: TypeLedger, nonce: string): NonceKind {
  if (nonce === '') return 'initial';
  return nonce === ledger.lastSentNonce ? 'current' : 'stale';
}

/**
 * NOT SENT: nothing sent yet; STALE: the last response is neither ACKed nor NACKed; NACKED: the
 * last response was NACKed; SYNCED: the last response was ACKed.
 */
export function syncStatus(ledger: TypeLedger): SyncStatus {
  if (ledger.lastSentNonce === undefined) return 'NOT SENT';
  if (ledger.awaiting) return 'STALE';
  return ledger.nackError !== undefined ? 'NACKED' : 'SYNCED';
}

export function typeStatus(typeUrl: string, ledger: TypeLedger, subscribed: readonly string[] | '*'): TypeStatus {
  const s: TypeStatus = { typeUrl, status: syncStatus(ledger), subscribed };
  if (ledger.lastSentVersion !== undefined) s.lastSentVersion = ledger.lastSentVersion;
  if (ledger.lastSentNonce !== undefined) s.lastSentNonce = ledger.lastSentNonce;
  if (ledger.lastSentAt !== undefined) s.lastSentAt = ledger.lastSentAt;
  if (ledger.lastAckedVersion !== undefined) s.lastAckedVersion = ledger.lastAckedVersion;
  if (ledger.lastAckAt !== undefined) s.lastAckAt = ledger.lastAckAt;
  if (ledger.nackError !== undefined) s.nackError = ledger.nackError;
  if (ledger.nackAt !== undefined) s.nackAt = ledger.nackAt;
  return s;
}
