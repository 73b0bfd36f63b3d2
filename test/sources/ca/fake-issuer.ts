import { of } from 'rxjs';
import type { CaRoot, CaRootRecord, CaRoots, CaState, CertIssuer, Leaf, LeafRequest } from '../../../src/sources/ca/ca-types.js';

/**
 * A synchronous issuer for timing tests: leaves are plain records (no cryptography) whose serial counts
 * issues per service, so marble expectations can name them. Real certificates are tested elsewhere.
 */
export interface FakeIssuer extends CertIssuer {
  /** Every leaf request, in order. */
  readonly requests: LeafRequest[];
  /** Requests that fail (by index in `requests`). */
  failing: Set<number>;
}

export const TRUST_DOMAIN = 'rxds.test';

export function fakeRoot(id: string, createdAt = 0, notAfter = 10 ** 12): CaRootRecord {
  return { id, certPem: `root ${id}`, privateKeyPem: `key ${id}`, createdAt, notBefore: createdAt, notAfter };
}

/** A root the state codec accepts (placeholder PEM blocks: nothing parses them), optionally retired. */
export function pemRoot(id: string, leavesValidUntil?: number): CaRootRecord {
  return {
    id,
    certPem: `-----BEGIN CERTIFICATE-----\n${id}\n-----END CERTIFICATE-----\n`,
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${id}\n-----END PRIVATE KEY-----\n`,
    createdAt: 0,
    notBefore: 0,
    notAfter: 10 ** 12,
    ...(leavesValidUntil === undefined ? {} : { leavesValidUntil }),
  };
}

export function fakeState(root: CaRootRecord = fakeRoot('aa'), leafTtlMs = 1000): CaState {
  return { trustDomain: TRUST_DOMAIN, activeRootId: root.id, roots: [root], leafTtlMs };
}

export function fakeLeaf(service: string, n: number, rootId: string, validAfter: number, ttl: number): Leaf {
  return {
    service,
    serviceUri: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/${service}`,
    serialNumber: `${service}-${n}`,
    certPem: `cert ${service}-${n}`,
    privateKeyPem: `key ${service}-${n}`,
    validAfter,
    validBefore: validAfter + ttl,
    rootId,
  };
}

export function createFakeIssuer(): FakeIssuer {
  const counts = new Map<string, number>();
  const issuer: FakeIssuer = {
    requests: [],
    failing: new Set(),
    createRoot: () => Promise.reject(new Error('the fake issuer makes no roots; use activateRoot')),
    issueLeaf(req) {
      const index = issuer.requests.push(req) - 1;
      if (issuer.failing.has(index)) throw new Error(`signing failed (request ${index})`);
      const n = (counts.get(req.service) ?? 0) + 1;
      counts.set(req.service, n);
      return of(fakeLeaf(req.service, n, req.root.id, req.validAfter, req.validBefore - req.validAfter));
    },
  };
  return issuer;
}

/** The public bundle of fake roots, `active` among them (oldest first as given). */
export function bundle(active: string, ...roots: CaRootRecord[]): CaRoots {
  return {
    trustDomain: TRUST_DOMAIN,
    activeRootId: active,
    roots: roots.map((r): CaRoot => ({ id: r.id, certPem: r.certPem, active: r.id === active, notBefore: r.notBefore, notAfter: r.notAfter })),
  };
}
