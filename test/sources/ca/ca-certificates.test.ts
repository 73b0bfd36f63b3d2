import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, skip, take, toArray } from 'rxjs';
import { startCertificateAuthority, type StartCertificateAuthorityOptions } from '../../../src/sources/ca/start-certificate-authority.js';
import { createFileCaPersistence } from '../../../src/sources/ca/file-ca-persistence.js';
import { createMemoryCaPersistence } from '../../../src/sources/ca/memory-ca-persistence.js';
import type { CertificateAuthority } from '../../../src/sources/ca/certificate-authority.js';
import type { CaRoots } from '../../../src/sources/ca/ca-types.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

function start(over: Partial<StartCertificateAuthorityOptions> = {}): Promise<CertificateAuthority> {
  return startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createMemoryCaPersistence(), now: () => NOW, random: () => 0, ...over });
}

async function withCa<T>(ca: CertificateAuthority, body: (ca: CertificateAuthority) => Promise<T>): Promise<T> {
  try {
    return await body(ca);
  } finally {
    await ca.close();
  }
}

const activeRoot = (roots: CaRoots) => new X509Certificate(roots.roots.find((r) => r.active)!.certPem);

test('a leaf verifies to the root, names the SPIFFE ID as its SAN, lives 72 h, and has an EC P-256 key', async () => {
  await withCa(await start(), async (ca) => {
    const leaf = await firstValueFrom(ca.leaf$('web'));
    const cert = new X509Certificate(leaf.certPem);
    const root = activeRoot(ca.roots());

    assert.equal(cert.verify(root.publicKey), true, 'signed by the root key');
    assert.equal(cert.checkIssued(root), true, 'issued by the root');
    assert.equal(cert.subjectAltName, 'URI:spiffe://rxds.local/ns/default/dc/dc1/svc/web');
    assert.equal(leaf.serviceUri, 'spiffe://rxds.local/ns/default/dc/dc1/svc/web');
    assert.equal(Date.parse(cert.validFrom), NOW);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 72 * HOUR);
    assert.deepEqual([leaf.validAfter, leaf.validBefore], [NOW, NOW + 72 * HOUR]);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(cert.ca, false, 'a leaf is not a CA');
    assert.equal(cert.checkPrivateKey(createPrivateKey(leaf.privateKeyPem)), true, 'the key is the leaf key');
    assert.equal(leaf.serialNumber.replaceAll(':', ''), cert.serialNumber.toLowerCase());
    assert.deepEqual(cert.keyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'server and client auth');
  });
});

test('the root is a self-signed ECDSA P-256 CA naming the trust domain', async () => {
  await withCa(await start(), async (ca) => {
    const roots = ca.roots();
    assert.equal(roots.trustDomain, 'rxds.local');
    assert.equal(roots.roots.length, 1);
    const root = activeRoot(roots);
    assert.equal(root.ca, true, 'basicConstraints CA');
    assert.equal(root.checkIssued(root), true);
    assert.equal(root.verify(root.publicKey), true);
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(root.subjectAltName, 'URI:spiffe://rxds.local');
    assert.equal(roots.activeRootId, roots.roots[0]!.id);
    assert.match(roots.activeRootId, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  });
});

test('a leaf does not verify against another CA root', async () => {
  const other = await start();
  const otherRoot = activeRoot(other.roots());
  await other.close();
  await withCa(await start(), async (ca) => {
    const cert = new X509Certificate((await firstValueFrom(ca.leaf$('web'))).certPem);
    assert.equal(cert.verify(otherRoot.publicKey), false);
    assert.equal(cert.checkIssued(otherRoot), false);
  });
});

test('the leaf TTL is configurable; each service gets its own key and SAN', async () => {
  await withCa(await start({ leafTtlMs: 2 * HOUR }), async (ca) => {
    const [web, api] = await Promise.all([firstValueFrom(ca.leaf$('web')), firstValueFrom(ca.leaf$('api'))]);
    const apiCert = new X509Certificate(api.certPem);
    assert.equal(Date.parse(apiCert.validTo) - Date.parse(apiCert.validFrom), 2 * HOUR);
    assert.equal(apiCert.subjectAltName, 'URI:spiffe://rxds.local/ns/default/dc/dc1/svc/api');
    assert.notEqual(web.privateKeyPem, api.privateKeyPem);
    assert.notEqual(web.serialNumber, api.serialNumber);
  });
});

test('rotation: the new root signs the re-issued leaf, both roots are trusted during the overlap, then only the new one', async () => {
  await withCa(await start(), async (ca) => {
    const first = await firstValueFrom(ca.leaf$('web'));
    const leaves = ca.leaf$('web').pipe(take(2), toArray());
    const bundles = ca.roots$.pipe(take(3), toArray());
    const [allLeaves, allBundles, rotated] = await Promise.all([firstValueFrom(leaves), firstValueFrom(bundles), ca.rotateRoot()]);
    const [oldRoot, newRoot] = allBundles[1]!.roots;
    assert.ok(oldRoot && newRoot, 'during the overlap the bundle holds both roots');
    assert.deepEqual([oldRoot.active, newRoot.active], [false, true]);
    assert.equal(rotated.activeRootId, newRoot.id);
    assert.deepEqual(allBundles.map((b) => b.roots.map((r) => r.id)), [[oldRoot.id], [oldRoot.id, newRoot.id], [newRoot.id]]);

    const renewed = allLeaves[1]!;
    assert.equal(allLeaves[0], first);
    const cert = new X509Certificate(renewed.certPem);
    assert.equal(cert.verify(new X509Certificate(newRoot.certPem).publicKey), true);
    assert.equal(cert.verify(new X509Certificate(oldRoot.certPem).publicKey), false);
    assert.equal(new X509Certificate(first.certPem).verify(new X509Certificate(oldRoot.certPem).publicKey), true);
    assert.equal(cert.subjectAltName, 'URI:spiffe://rxds.local/ns/default/dc/dc1/svc/web');
  });
});

test('a restarted CA has the same root (file persistence)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rxds-ca-'));
  try {
    const first = await start({ persistence: createFileCaPersistence(dir) });
    const before = first.roots();
    await first.close();
    const again = await start({ persistence: createFileCaPersistence(dir) });
    await withCa(again, async (ca) => {
      assert.deepEqual(ca.roots(), before);
      const leaf = await firstValueFrom(ca.leaf$('web'));
      assert.equal(new X509Certificate(leaf.certPem).verify(new X509Certificate(before.roots[0]!.certPem).publicKey), true);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a CA restarted during a rotation overlap still trusts the old root its leaves came from', async () => {
  const persistence = createMemoryCaPersistence();
  const first = await start({ persistence, rotationSpreadMs: 10 * HOUR, random: () => 0.5 });
  const leaf = await firstValueFrom(first.leaf$('web'));
  const rotated = await first.rotateRoot();
  assert.equal(rotated.roots.length, 2, 'web has not been re-issued yet (5 h spread)');
  await first.close();
  assert.equal(persistence.state?.roots[0]?.leavesValidUntil, leaf.validBefore, 'the old root is saved with its leaves expiry');

  await withCa(await start({ persistence }), async (ca) => {
    assert.deepEqual(ca.roots().roots.map((r) => r.id), rotated.roots.map((r) => r.id));
    assert.equal(ca.roots().activeRootId, rotated.activeRootId);
  });
});

test('a changed trust domain makes a new active root for it; the old root stays trusted', async () => {
  const persistence = createMemoryCaPersistence();
  const first = await start({ persistence });
  const oldId = first.roots().activeRootId;
  await first.close();
  await withCa(await start({ persistence, trustDomain: 'mesh.example' }), async (ca) => {
    const roots = ca.roots();
    assert.equal(roots.trustDomain, 'mesh.example');
    assert.deepEqual(roots.roots.map((r) => r.active), [false, true]);
    assert.equal(roots.roots[0]!.id, oldId);
    assert.equal(activeRoot(roots).subjectAltName, 'URI:spiffe://mesh.example');
    const leaf = await firstValueFrom(ca.leaf$('web'));
    assert.equal(new X509Certificate(leaf.certPem).subjectAltName, 'URI:spiffe://mesh.example/ns/default/dc/dc1/svc/web');
  });
});

test('bad settings and saved state that does not fit are refused with a clear error', async () => {
  await assert.rejects(start({ trustDomain: 'Not A Domain' }), /not a SPIFFE trust domain/);
  await assert.rejects(start({ leafTtlMs: 0 }), /leaf TTL/);
  const a = createMemoryCaPersistence();
  const b = createMemoryCaPersistence();
  await (await start({ persistence: a })).close();
  await (await start({ persistence: b })).close();
  // Root A's certificate with root B's key.
  const mixed = { ...a.state!, roots: [{ ...a.state!.roots[0]!, privateKeyPem: b.state!.roots[0]!.privateKeyPem }] };
  await assert.rejects(start({ persistence: createMemoryCaPersistence(mixed) }), /roots\[0\].*private key does not match/);
});

test('leaf$ for a name that cannot be a SPIFFE path segment errors', async () => {
  await withCa(await start(), async (ca) => {
    await assert.rejects(firstValueFrom(ca.leaf$('a/b')), /cannot be used in a SPIFFE ID/);
    await assert.rejects(firstValueFrom(ca.leaf$('')), /empty/);
  });
});

test('roots$ replays the current bundle to each subscriber and emits only on change', async () => {
  await withCa(await start(), async (ca) => {
    const current = await firstValueFrom(ca.roots$);
    assert.equal(current, ca.roots());
    const next = firstValueFrom(ca.roots$.pipe(skip(1), filter((r) => r.roots.length === 1)));
    await ca.rotateRoot();
    assert.notEqual((await next).activeRootId, current.activeRootId);
  });
});

test('the state is written when it changes, not on every start or close', async () => {
  const persistence = createMemoryCaPersistence();
  await (await start({ persistence })).close();
  assert.equal(persistence.saves, 1, 'the first root');
  await (await start({ persistence })).close();
  assert.equal(persistence.saves, 1, 'a restart changes nothing');
  const ca = await start({ persistence });
  await ca.rotateRoot();
  await ca.close();
  assert.ok(persistence.saves > 1, 'a rotation is saved');
  assert.equal(persistence.state?.activeRootId, ca.roots().activeRootId);
});
