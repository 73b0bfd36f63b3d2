import type { Observable, ObservableInput } from 'rxjs';

/**
 * One CA root as the CA keeps (and persists) it, private key included. Times are milliseconds since
 * the epoch, as the injected clock counts them.
 */
export interface CaRootRecord {
  /** Colon-separated hex of the root's subject key identifier (Consul's root ID form). */
  readonly id: string;
  readonly certPem: string;
  /** PKCS#8 PEM. Never leaves the CA except into its persistence (the store's `connect-ca` system record). */
  readonly privateKeyPem: string;
  /** When this CA created the root (by its clock). */
  readonly createdAt: number;
  readonly notBefore: number;
  readonly notAfter: number;
  /**
   * Set when the root stops being the active one: the latest moment a leaf it signed may still be
   * valid. After a restart the CA no longer knows those leaves, so it keeps the root in the trust
   * bundle until then.
   */
  readonly leavesValidUntil?: number;
}

/** Everything the CA must not lose across restarts. Immutable. */
export interface CaState {
  readonly trustDomain: string;
  readonly activeRootId: string;
  /** The trust bundle: the active root and the roots still trusted for leaves they signed; oldest first. */
  readonly roots: readonly CaRootRecord[];
  /** Leaf TTL in force when the state was saved (bounds how long leaves signed before a restart live). */
  readonly leafTtlMs: number;
}

/** Where the CA keeps its {@link CaState}. `load` resolves undefined when nothing was saved yet. */
export interface CaPersistence {
  load(): Promise<CaState | undefined>;
  save(state: CaState): Promise<void>;
  /**
   * States saved by other writers (replicas sharing the store) after this persistence last loaded or
   * saved, each once, in order; never this persistence's own saves. Once one is emitted, the next `save`
   * builds on it. A CA given a persistence with `changes$` follows them (see `CertificateAuthority`).
   */
  readonly changes$?: Observable<CaState>;
}

/** One root as clients see it (no key). */
export interface CaRoot {
  readonly id: string;
  readonly certPem: string;
  readonly active: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** The trust bundle: `GET /v1/connect/ca/roots`, and the SDS validation context. Immutable. */
export interface CaRoots {
  readonly trustDomain: string;
  readonly activeRootId: string;
  /** Oldest first; the active root is one of them. */
  readonly roots: readonly CaRoot[];
}

/** A leaf certificate for one service, with its private key. Immutable. */
export interface Leaf {
  readonly service: string;
  /** The SPIFFE ID in the certificate's URI SAN. */
  readonly serviceUri: string;
  /** Colon-separated lower-case hex, as Consul shows serial numbers. */
  readonly serialNumber: string;
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  readonly validAfter: number;
  readonly validBefore: number;
  /** The root that signed it. */
  readonly rootId: string;
}

export interface RootRequest {
  readonly trustDomain: string;
  readonly now: number;
  readonly ttlMs: number;
}

export interface LeafRequest {
  readonly trustDomain: string;
  readonly service: string;
  readonly serviceUri: string;
  readonly root: CaRootRecord;
  readonly validAfter: number;
  readonly validBefore: number;
}

/**
 * The cryptography, injected: {@link createX509Issuer} makes real ECDSA P-256 certificates; timing tests
 * bring a synchronous fake. `issueLeaf` may return a Promise or an Observable of exactly one leaf.
 */
export interface CertIssuer {
  createRoot(request: RootRequest): Promise<CaRootRecord>;
  issueLeaf(request: LeafRequest): ObservableInput<Leaf>;
}

/** A request the CA refuses (bad service name, closed CA). Its message is meant for the client. */
export class CaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaError';
  }
}

export const HOUR_MS = 3_600_000;
/** Default leaf lifetime, as Consul's: 72 hours. */
export const DEFAULT_LEAF_TTL_MS = 72 * HOUR_MS;
/** Default root lifetime: 10 years. */
export const DEFAULT_ROOT_TTL_MS = 10 * 365 * 24 * HOUR_MS;
