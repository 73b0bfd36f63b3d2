import { asyncScheduler, firstValueFrom, timeout, TimeoutError, type Observable, type SchedulerLike } from 'rxjs';
import { badRequest, HttpError } from '../../core/http/http-error.js';
import type { Router } from '../../core/http/router.js';
import { CaError, type CaRoots, type Leaf } from '../ca/ca-types.js';

/** What the Connect CA endpoints need from the CA (src/sources/ca CertificateAuthority satisfies it). */
export interface ConnectCaSource {
  roots(): CaRoots;
  leaf$(service: string): Observable<Leaf>;
}

export interface ConnectCaRouteOptions {
  /** How long a leaf request waits for a certificate before 503; default 10 s. */
  readonly leafTimeoutMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Consul's Connect CA endpoints (CONTRACT section 3): `GET /v1/connect/ca/roots` and
 * `GET /v1/agent/connect/ca/leaf/:service`. A leaf request gets the service's current leaf (shared with
 * its proxies, so repeated requests answer the same certificate until it is renewed).
 */
export function addConnectCaRoutes(router: Router, ca: ConnectCaSource, options: ConnectCaRouteOptions = {}): void {
  const leafTimeoutMs = options.leafTimeoutMs ?? 10_000;
  const scheduler = options.scheduler ?? asyncScheduler;

  router.get('/v1/connect/ca/roots', () => ({ body: renderRoots(ca.roots()) }));

  router.get('/v1/agent/connect/ca/leaf/:service', async ({ params }) => {
    const service = params['service']!;
    try {
      const leaf = await firstValueFrom(ca.leaf$(service).pipe(timeout({ first: leafTimeoutMs, scheduler })));
      return { body: renderLeaf(leaf) };
    } catch (err) {
      if (err instanceof CaError) throw badRequest(err.message);
      if (err instanceof TimeoutError) throw new HttpError(503, `no certificate for ${JSON.stringify(service)} within ${leafTimeoutMs} ms; the CA is failing to sign (see its log)`);
      throw err;
    }
  });
}

/** RFC 3339 as Consul writes it (no fractional seconds when there are none). */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function renderRoots(roots: CaRoots): unknown {
  return {
    ActiveRootID: roots.activeRootId,
    TrustDomain: roots.trustDomain,
    Roots: roots.roots.map((r) => ({
      ID: r.id,
      Name: `rxds CA Root Cert ${r.id.slice(0, 11)}`,
      RootCert: r.certPem,
      IntermediateCerts: [],
      Active: r.active,
      PrivateKeyType: 'ec',
      PrivateKeyBits: 256,
      NotBefore: rfc3339(r.notBefore),
      NotAfter: rfc3339(r.notAfter),
    })),
  };
}

export function renderLeaf(leaf: Leaf): unknown {
  return {
    SerialNumber: leaf.serialNumber,
    CertPEM: leaf.certPem,
    PrivateKeyPEM: leaf.privateKeyPem,
    Service: leaf.service,
    ServiceURI: leaf.serviceUri,
    ValidAfter: rfc3339(leaf.validAfter),
    ValidBefore: rfc3339(leaf.validBefore),
  };
}
