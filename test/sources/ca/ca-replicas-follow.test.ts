// Two CAs (two replicas) sharing one real store (SQLite in a temp dir), with real ECDSA certificates: a
// root rotation through either is followed by the other (trust bundle, and leaves re-issued by the new
// root), and each can save on top of what the other did: no "saving the CA state failed".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER, Subscription } from 'rxjs';
import type { Logger } from '../../../src/core/logger.js';
import { openSqliteStore } from '../../../src/sources/store/sqlite-store.js';
import { startCertificateAuthority } from '../../../src/sources/ca/start-certificate-authority.js';
import { CA_STATE_KEY, createStoreCaPersistence } from '../../../src/sources/ca/store-ca-persistence.js';
import type { CertificateAuthority } from '../../../src/sources/ca/certificate-authority.js';
import type { StateStore } from '../../../src/sources/store/state-store.js';
import { createX509Issuer } from '../../../src/sources/ca/x509-issuer.js';
import { deferred, waitFor } from '../../support/wait.js';

interface Line {
  readonly level: string;
  readonly msg: string | undefined;
}
function captureLogger(lines: Line[] = []): Logger & { readonly lines: Line[] } {
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  const logger: Logger & { lines: Line[] } = { lines, debug: () => {}, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

const start = (store: StateStore, logger: Logger, trustDomain = 'rxds.local') =>
  startCertificateAuthority({ trustDomain, persistence: createStoreCaPersistence(store, CA_STATE_KEY, { logger }), logger, rotationSpreadMs: 50 });

/** The leaf certificate was signed by the root with this certificate. */
function signedBy(leafPem: string, rootPem: string): boolean {
  return new X509Certificate(leafPem).verify(new X509Certificate(rootPem).publicKey);
}

test("two CAs on one store follow each other's root rotations; each saves on top of the other's state", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-follow-'));
  const store = await openSqliteStore(dir);
  const logA = captureLogger();
  const logB = captureLogger();
  const subs = new Subscription();
  let a: CertificateAuthority | undefined;
  let b: CertificateAuthority | undefined;
  try {
    a = await start(store, logA);
    b = await start(store, logB);
    const first = a.roots().activeRootId;
    assert.equal(b.roots().activeRootId, first);
    const leafB = b.leaf$('web');
    subs.add(leafB.subscribe());
    assert.equal((await waitFor(leafB, () => true, "B's first leaf")).rootId, first);

    // Rotated through A: B's bundle gets the new root (the old one stays while leaves from it are in use),
    // and B's subscribed leaf is re-issued by the new root within the jitter window.
    const second = (await a.rotateRoot()).activeRootId;
    const bundleB = await waitFor(b.roots$, (r) => r.activeRootId === second, "B's bundle with A's new root");
    assert.deepEqual(bundleB.roots.map((r) => r.id), [first, second]);
    const reissued = await waitFor(leafB, (l) => l.rootId === second, "B's leaf from the new root");
    assert.ok(signedBy(reissued.certPem, bundleB.roots[1]!.certPem), 'the re-issued leaf verifies against the new root');
    assert.ok(!signedBy(reissued.certPem, bundleB.roots[0]!.certPem));

    // B's own rotation now builds on A's: saved (no check-and-set refusal), and A follows it.
    const third = (await b.rotateRoot()).activeRootId;
    assert.equal((store.current().system.get(CA_STATE_KEY)?.Value as { activeRootId: string }).activeRootId, third);
    await waitFor(a.roots$, (r) => r.activeRootId === third, "A's bundle with B's new root");
    await a.flush();
    await b.flush();

    for (const [name, log] of [['A', logA], ['B', logB]] as const) {
      assert.deepEqual(log.lines.filter((l) => l.level === 'error' || l.level === 'warn'), [], `${name} logged no error or warning`);
    }
    assert.equal(logA.lines.filter((l) => l.msg === 'CA state changed by another replica: following it').length >= 1, true);
    assert.equal(logB.lines.filter((l) => l.msg === 'CA state changed by another replica: following it').length >= 1, true);
  } finally {
    subs.unsubscribe();
    await a?.close();
    await b?.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a replica started with another trust domain rotates the root; the running one follows with a warning and signs for the new domain', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-follow-'));
  const store = await openSqliteStore(dir);
  const logA = captureLogger();
  const subs = new Subscription();
  let a: CertificateAuthority | undefined;
  let c: CertificateAuthority | undefined;
  try {
    a = await start(store, logA);
    const leafA = a.leaf$('api');
    subs.add(leafA.subscribe());
    await waitFor(leafA, () => true, "A's first leaf");
    c = await start(store, captureLogger(), 'other.test');
    const rootC = c.roots().activeRootId;
    const bundle = await waitFor(a.roots$, (r) => r.activeRootId === rootC, "A's bundle with C's root");
    assert.equal(bundle.trustDomain, 'other.test');
    const leaf = await waitFor(leafA, (l) => l.rootId === rootC, "A's leaf from C's root");
    assert.equal(leaf.serviceUri, 'spiffe://other.test/ns/default/dc/dc1/svc/api');
    assert.match(new X509Certificate(leaf.certPem).subjectAltName ?? '', /spiffe:\/\/other\.test\//);
    const warned = logA.lines.filter((l) => l.level === 'warn');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.msg!, /trust domain other\.test, this replica is configured with rxds\.local/);
  } finally {
    subs.unsubscribe();
    await a?.close();
    await c?.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('two replicas restarted together with a new trust domain: the one that loses the rotation race starts from the winner\'s state', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-follow-'));
  const store = await openSqliteStore(dir);
  const cas: CertificateAuthority[] = [];
  try {
    await (await start(store, captureLogger())).close(); // the mesh so far: a root for rxds.local
    // B loads the old state and starts rotating, but its new root takes a while; and B hears of other
    // writes late (an etcd watch lagging: here never), so its save is the one refused.
    const x509 = createX509Issuer();
    const gate = deferred<void>();
    const slowIssuer = { ...x509, createRoot: async (req: Parameters<typeof x509.createRoot>[0]) => (await gate.promise, x509.createRoot(req)) };
    const logB = captureLogger();
    const lagging = { current: store.current, write: store.write, state$: NEVER };
    const startingB = startCertificateAuthority({ trustDomain: 'other.test', persistence: createStoreCaPersistence(lagging, CA_STATE_KEY, { logger: logB }), logger: logB, issuer: slowIssuer });
    const a = await start(store, captureLogger(), 'other.test');
    cas.push(a);
    gate.resolve();
    const b = await startingB;
    cas.push(b);
    assert.equal(b.roots().activeRootId, a.roots().activeRootId, "B uses A's new root instead of failing its start");
    assert.equal(b.trustDomain, 'other.test');
    assert.equal((store.current().system.get(CA_STATE_KEY)?.Value as { activeRootId: string }).activeRootId, a.roots().activeRootId);
    assert.equal(logB.lines.filter((l) => /starting again from its state/.test(l.msg ?? '')).length, 1);
  } finally {
    for (const ca of cas) await ca.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
