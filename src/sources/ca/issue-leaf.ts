import { defer, from, retry, take, throwError, throwIfEmpty, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from '../../core/logger.js';
import { CaError, type CaState, type CertIssuer, type Leaf } from './ca-types.js';
import { spiffeServiceUri } from './spiffe-id.js';

/** What signing a leaf takes: the issuer, the leaf TTL, and the back-off between failed attempts. */
export interface LeafSigning {
  readonly issuer: CertIssuer;
  readonly scheduler: SchedulerLike;
  readonly now: () => number;
  readonly leafTtlMs: number;
  /** Back-off: doubling from min to max. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly logger: Logger;
}

/**
 * One leaf for `service` from the active root of `state()` (read at each attempt, so a retry after a
 * rotation uses the new root), valid for the leaf TTL but not past the root. A failure is logged and
 * retried with back-off; an expired active root is such a failure.
 */
export function issueLeaf$(service: string, state: () => CaState, signing: LeafSigning): Observable<Leaf> {
  return defer(() => {
    const s = state();
    const root = s.roots.find((r) => r.id === s.activeRootId)!;
    const now = signing.now();
    const validBefore = Math.min(now + signing.leafTtlMs, root.notAfter);
    if (validBefore <= now) {
      return throwError(() => new CaError(`the active root ${root.id} expired at ${new Date(root.notAfter).toISOString()}; rotate the root`));
    }
    const serviceUri = spiffeServiceUri(s.trustDomain, service);
    return from(signing.issuer.issueLeaf({ trustDomain: s.trustDomain, service, serviceUri, root, validAfter: now, validBefore }));
  }).pipe(
    take(1),
    throwIfEmpty(() => new CaError('the issuer returned no certificate')),
    retry({
      delay: (err: unknown, attempt) => {
        const delay = Math.min(signing.retryMaxMs, signing.retryMinMs * 2 ** (attempt - 1));
        signing.logger.error({ err, service, attempt, retryInMs: delay }, 'issuing a leaf certificate failed');
        return timer(delay, signing.scheduler);
      },
    }),
  );
}
