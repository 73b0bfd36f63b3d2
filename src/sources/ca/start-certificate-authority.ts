import { createPrivateKey, X509Certificate } from 'node:crypto';
import { asyncScheduler } from 'rxjs';
import { silentLogger } from '../../core/logger.js';
import { CertificateAuthority, type CertificateAuthorityOptions } from './certificate-authority.js';
import { CaError, DEFAULT_LEAF_TTL_MS, DEFAULT_ROOT_TTL_MS, type CaPersistence, type CaState, type CertIssuer } from './ca-types.js';
import { trustDomainProblem } from './spiffe-id.js';
import { CaStateChangedError } from './store-ca-persistence.js';
import { createX509Issuer } from './x509-issuer.js';

export interface StartCertificateAuthorityOptions extends Omit<CertificateAuthorityOptions, 'state' | 'restored' | 'issuer' | 'persistence'> {
  readonly trustDomain: string;
  readonly persistence: CaPersistence;
  /** Default: {@link createX509Issuer} (ECDSA P-256 on WebCrypto). */
  readonly issuer?: CertIssuer;
}

/**
 * Loads the CA state, or creates and saves a first root, and starts the CA on it. A restarted CA has
 * the same roots. When the configured trust domain differs from the saved one, a root for the new
 * trust domain is made active (the old root stays trusted while its leaves may be in use).
 * Rejects with a readable error for a bad trust domain or TTL, or unusable saved state.
 */
export async function startCertificateAuthority(options: StartCertificateAuthorityOptions): Promise<CertificateAuthority> {
  const problem = trustDomainProblem(options.trustDomain);
  if (problem) throw new CaError(problem);
  const leafTtlMs = options.leafTtlMs ?? DEFAULT_LEAF_TTL_MS;
  const rootTtlMs = options.rootTtlMs ?? DEFAULT_ROOT_TTL_MS;
  if (!(Number.isInteger(leafTtlMs) && leafTtlMs >= 1000)) throw new CaError(`leaf TTL must be a whole number of milliseconds >= 1000, not ${leafTtlMs}`);
  if (!(Number.isInteger(rootTtlMs) && rootTtlMs > leafTtlMs)) throw new CaError(`root TTL must be longer than the leaf TTL (${leafTtlMs} ms)`);
  const issuer = options.issuer ?? createX509Issuer();
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = options.now ?? (() => scheduler.now());
  const logger = options.logger ?? silentLogger;
  const common = { ...options, issuer, scheduler, now, leafTtlMs, rootTtlMs };

  let loaded = await options.persistence.load();
  if (!loaded) {
    const root = await issuer.createRoot({ trustDomain: options.trustDomain, now: now(), ttlMs: rootTtlMs });
    const state: CaState = Object.freeze({ trustDomain: options.trustDomain, activeRootId: root.id, roots: Object.freeze([root]), leafTtlMs });
    try {
      await options.persistence.save(state);
      logger.info({ rootId: root.id, trustDomain: state.trustDomain }, 'CA root created');
      return new CertificateAuthority({ ...common, state });
    } catch (e) {
      // Another replica sharing the store saved its first root in the meantime: use that one.
      if (!(e instanceof CaStateChangedError)) throw e;
      loaded = await options.persistence.load();
      if (!loaded) throw e;
      logger.info({ rootId: loaded.activeRootId }, 'another replica created the CA root first: using it');
    }
  }

  for (let attempt = 1; ; attempt++) {
    checkRootKeys(loaded);
    const sameDomain = loaded.trustDomain === options.trustDomain;
    const state = sameDomain ? loaded : Object.freeze({ ...loaded, trustDomain: options.trustDomain });
    const ca = new CertificateAuthority({ ...common, state, restored: true });
    if (!sameDomain) {
      logger.warn({ from: loaded.trustDomain, to: options.trustDomain }, 'trust domain changed: rotating the CA root');
      try {
        await ca.rotateRoot();
      } catch (e) {
        // Another replica changed the CA state meanwhile (e.g. it restarted with the same new trust
        // domain and rotated first): start again from its state, which may need no rotation.
        if (!(e instanceof CaStateChangedError) || attempt >= MAX_START_ATTEMPTS) throw e;
        await ca.close();
        const reloaded = await options.persistence.load();
        if (!reloaded) throw e;
        loaded = reloaded;
        logger.info({ rootId: loaded.activeRootId, trustDomain: loaded.trustDomain }, 'another replica changed the CA state during the rotation: starting again from its state');
        continue;
      }
    }
    logger.info({ rootId: ca.roots().activeRootId, roots: ca.roots().roots.length }, 'CA state loaded');
    return ca;
  }
}

/** Starts over from another replica's CA state at most this many times (see the rotation above). */
const MAX_START_ATTEMPTS = 3;

/** Each saved root's certificate parses, is a CA, and matches its private key. */
function checkRootKeys(state: CaState): void {
  for (const [i, root] of state.roots.entries()) {
    try {
      const cert = new X509Certificate(root.certPem);
      if (!cert.ca) throw new Error('the certificate is not a CA');
      if (!cert.checkPrivateKey(createPrivateKey(root.privateKeyPem))) throw new Error('the private key does not match the certificate');
    } catch (e) {
      throw new CaError(`saved CA root roots[${i}] (${root.id}) is unusable: ${(e as Error).message}`);
    }
  }
}
