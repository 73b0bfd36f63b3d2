import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { clone, create, toBinary } from '@bufbuild/protobuf';
import { BehaviorSubject, firstValueFrom, take, toArray } from 'rxjs';
import { ResourceEncoder } from '../../../src/core/resource.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { SecretSchema, type Secret } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { DataSourceSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import { leafSecretName, ROOTS_SECRET_NAME } from '../../../src/pipelines/generate/names.js';
import { leafSecret } from '../../../src/pipelines/secrets/leaf-secret.js';
import { trustBundleSecret } from '../../../src/pipelines/secrets/trust-bundle-secret.js';
import { createSecretResources, serviceSecrets$, type ServiceSecrets } from '../../../src/pipelines/secrets/secret-resources.js';
import { checkResource } from '../../../src/pipelines/validate/check-resource.js';
import { startCertificateAuthority } from '../../../src/sources/ca/start-certificate-authority.js';
import { createMemoryCaPersistence } from '../../../src/sources/ca/memory-ca-persistence.js';
import type { CertificateAuthority } from '../../../src/sources/ca/certificate-authority.js';
import type { CaRoots, Leaf } from '../../../src/sources/ca/ca-types.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
let ca: CertificateAuthority;
let web: Leaf;

before(async () => {
  // A long rotation spread keeps web's first leaf in use after the rotation: the bundle has two roots.
  ca = await startCertificateAuthority({
    trustDomain: 'rxds.local',
    persistence: createMemoryCaPersistence(),
    now: () => NOW,
    random: () => 0.5,
    rotationSpreadMs: 3_600_000,
  });
  web = await firstValueFrom(ca.leaf$('web'));
});
after(() => ca.close());

function tls(secret: Secret) {
  assert.equal(secret.type.case, 'tlsCertificate');
  return secret.type.value;
}

test('a leaf Secret carries the certificate chain and key PEMs, is named for the service, and passes the PGV gate', () => {
  const resource = new ResourceEncoder().encode(leafSecret(web));
  assert.equal(resource.typeUrl, TypeUrl.Secret);
  assert.equal(resource.name, leafSecretName('web'));
  assert.deepEqual(checkResource(resource), []);
  const cert = tls(resource.message as Secret);
  assert.deepEqual(cert.certificateChain?.specifier, { case: 'inlineString', value: web.certPem });
  assert.deepEqual(cert.privateKey?.specifier, { case: 'inlineString', value: web.privateKeyPem });
  assert.match(web.certPem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  assert.match(web.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
});

test('the gate is live: the same Secret without a certificate source is refused', () => {
  const broken = clone(SecretSchema, leafSecret(web));
  tls(broken).certificateChain = create(DataSourceSchema, {});
  const violations = checkResource(new ResourceEncoder().encode(broken));
  assert.ok(violations.some((v) => /certificate_chain|certificateChain/.test(v.path)), JSON.stringify(violations));
});

test('Secrets are pure: the same leaf and roots give the same bytes and version', () => {
  assert.deepEqual(toBinary(SecretSchema, leafSecret(web)), toBinary(SecretSchema, leafSecret(web)));
  const a = new ResourceEncoder().encode(trustBundleSecret(ca.roots()));
  const b = new ResourceEncoder().encode(trustBundleSecret(ca.roots()));
  assert.equal(a.version, b.version);
});

test('the trust bundle Secret holds every root during a rotation overlap and passes the PGV gate', async () => {
  const one = trustBundleSecret(ca.roots());
  const roots = await ca.rotateRoot();
  assert.equal(roots.roots.length, 2, 'web still holds a leaf from the old root');
  const resource = new ResourceEncoder().encode(trustBundleSecret(roots));
  assert.equal(resource.name, ROOTS_SECRET_NAME);
  assert.deepEqual(checkResource(resource), []);
  const secret = resource.message as Secret;
  assert.equal(secret.type.case, 'validationContext');
  const trusted = secret.type.case === 'validationContext' ? secret.type.value.trustedCa?.specifier : undefined;
  assert.equal(trusted?.case, 'inlineString');
  const pems = (trusted!.value as string).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
  assert.deepEqual(pems, roots.roots.map((r) => r.certPem));
  for (const pem of pems) assert.equal(new X509Certificate(pem).ca, true);
  // web's leaf (old root) and new leaves (new root) both verify against a root in the bundle.
  assert.ok(pems.some((pem) => new X509Certificate(web.certPem).verify(new X509Certificate(pem).publicKey)));
  assert.notEqual(new ResourceEncoder().encode(one).version, resource.version);
});

test('a renewal changes only the leaf Secret: same names, new leaf version, the roots resource untouched', async () => {
  const secrets = createSecretResources(new ResourceEncoder());
  const leaf$ = new BehaviorSubject<Leaf>(web);
  const roots$ = new BehaviorSubject<CaRoots>(ca.roots());
  const seen = firstValueFrom(serviceSecrets$(leaf$, roots$, secrets).pipe(take(2), toArray()));
  leaf$.next({ ...web }); // equal content: no new value
  // A second leaf for web (from a second CA: this one's clock stands still, so it renews nothing).
  const other = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createMemoryCaPersistence(), now: () => NOW });
  const renewed = await firstValueFrom(other.leaf$('web'));
  await other.close();
  leaf$.next(renewed);
  const [first, second] = (await seen) as [ServiceSecrets, ServiceSecrets];
  assert.equal(first.leaf.name, second.leaf.name);
  assert.notEqual(first.leaf.version, second.leaf.version);
  assert.equal(first.roots, second.roots, 'the same trust bundle Resource object');
});

test('secret resources are built once per leaf and per bundle and shared', () => {
  const encoder = new ResourceEncoder();
  const secrets = createSecretResources(encoder);
  assert.equal(secrets.leaf(web), secrets.leaf(web));
  assert.equal(secrets.roots(ca.roots()), secrets.roots(ca.roots()));
  assert.equal(encoder.encodings, 2);
});
