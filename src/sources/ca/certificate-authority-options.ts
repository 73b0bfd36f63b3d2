import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import type { CaPersistence, CaState, CertIssuer } from './ca-types.js';

export interface CertificateAuthorityOptions {
  /** The roots (with keys) to start from: loaded from persistence, or freshly created. */
  readonly state: CaState;
  readonly issuer: CertIssuer;
  /** True when `state` was loaded from persistence: leaves signed before the restart may be in use. */
  readonly restored?: boolean;
  /**
   * Saves every state change (rotation, a retired root leaving the bundle). When it has `changes$` (the
   * store persistence), the CA also follows the states other replicas save there.
   */
  readonly persistence?: CaPersistence;
  /** Renewal, rotation and retention timers; default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** The clock certificates are dated by, in ms since the epoch; default `scheduler.now()`. */
  readonly now?: () => number;
  /** In [0, 1): renewal and rotation jitter; default Math.random. */
  readonly random?: () => number;
  /** Default 72 h. */
  readonly leafTtlMs?: number;
  /** Lifetime of roots made by {@link CertificateAuthority.rotateRoot}; default 10 years. */
  readonly rootTtlMs?: number;
  /** After a rotation, leaves are re-issued by the new root within this jittered window; default 30 s. */
  readonly rotationSpreadMs?: number;
  /** How long a service's leaf timers outlive its last subscriber; default 10 s. */
  readonly graceMs?: number;
  /** Back-off between failed signing attempts: doubling from min to max; default 1 s .. 60 s. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly logger?: Logger;
}
