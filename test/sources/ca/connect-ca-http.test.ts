import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { NEVER, throwError } from 'rxjs';
import { startCertificateAuthority } from '../../../src/sources/ca/start-certificate-authority.js';
import { createMemoryCaPersistence } from '../../../src/sources/ca/memory-ca-persistence.js';
import type { CertificateAuthority } from '../../../src/sources/ca/certificate-authority.js';
import { createHttpServer } from '../../../src/core/http/http-server.js';
import { createRouter } from '../../../src/core/http/router.js';
import { addConnectCaRoutes } from '../../../src/sources/consul-api/connect-ca-routes.js';
import { call, startTestApi, type TestApi } from '../support/api-server.js';

interface RootsBody {
  ActiveRootID: string;
  TrustDomain: string;
  Roots: { ID: string; RootCert: string; Active: boolean; NotBefore: string; NotAfter: string }[];
}
interface LeafBody {
  SerialNumber: string;
  CertPEM: string;
  PrivateKeyPEM: string;
  Service: string;
  ServiceURI: string;
  ValidAfter: string;
  ValidBefore: string;
}

const NOW = Date.parse('2026-03-01T12:00:00Z');
let ca: CertificateAuthority;
let api: TestApi;

before(async () => {
  ca = await startCertificateAuthority({ trustDomain: 'rxds.local', persistence: createMemoryCaPersistence(), now: () => NOW });
  api = await startTestApi({ ca });
});
after(async () => {
  await api.close();
  await ca.close();
});

test('GET /v1/connect/ca/roots answers the trust bundle in Consul\'s shape', async () => {
  const res = await call('GET', `${api.url}/v1/connect/ca/roots`);
  assert.equal(res.status, 200);
  const body = res.json as RootsBody;
  assert.equal(body.TrustDomain, 'rxds.local');
  assert.equal(body.Roots.length, 1);
  const [root] = body.Roots;
  assert.equal(root!.ID, body.ActiveRootID);
  assert.equal(root!.Active, true);
  assert.equal(new X509Certificate(root!.RootCert).ca, true);
  assert.equal(root!.NotBefore, '2026-03-01T12:00:00Z');
});

test('GET /v1/agent/connect/ca/leaf/:service answers a leaf that verifies to the active root, with its key', async () => {
  const roots = (await call('GET', `${api.url}/v1/connect/ca/roots`)).json as RootsBody;
  const res = await call('GET', `${api.url}/v1/agent/connect/ca/leaf/web`);
  assert.equal(res.status, 200);
  const leaf = res.json as LeafBody;
  assert.equal(leaf.Service, 'web');
  assert.equal(leaf.ServiceURI, 'spiffe://rxds.local/ns/default/dc/dc1/svc/web');
  assert.equal(leaf.ValidAfter, '2026-03-01T12:00:00Z');
  assert.equal(leaf.ValidBefore, '2026-03-04T12:00:00Z');
  const cert = new X509Certificate(leaf.CertPEM);
  assert.equal(cert.verify(new X509Certificate(roots.Roots[0]!.RootCert).publicKey), true);
  assert.equal(cert.subjectAltName, `URI:${leaf.ServiceURI}`);
  assert.equal(cert.checkPrivateKey(createPrivateKey(leaf.PrivateKeyPEM)), true);
  assert.equal(leaf.SerialNumber.replaceAll(':', ''), cert.serialNumber.toLowerCase());

  const again = (await call('GET', `${api.url}/v1/agent/connect/ca/leaf/web`)).json as LeafBody;
  assert.equal(again.SerialNumber, leaf.SerialNumber, 'the current leaf, not a new one per request');
});

test('a service name that cannot be a SPIFFE ID is a 400 naming the problem', async () => {
  const res = await call('GET', `${api.url}/v1/agent/connect/ca/leaf/${encodeURIComponent('we b')}`);
  assert.equal(res.status, 400);
  assert.match((res.json as { error: string }).error, /cannot be used in a SPIFFE ID/);
});

test('a CA that cannot sign answers 503 after the leaf timeout; an unexpected failure is a 500 and the server keeps serving', async () => {
  const router = createRouter();
  const failing = (s: string) => (s === 'boom' ? throwError(() => new Error('disk on fire')) : NEVER);
  addConnectCaRoutes(router, { roots: () => ca.roots(), leaf$: failing }, { leafTimeoutMs: 50 });
  const http = createHttpServer([router.handle]);
  const { url } = await http.listen(0);
  try {
    assert.equal((await call('GET', `${url}/v1/agent/connect/ca/leaf/web`)).status, 503);
    assert.equal((await call('GET', `${url}/v1/agent/connect/ca/leaf/boom`)).status, 500);
    assert.equal((await call('GET', `${url}/v1/connect/ca/roots`)).status, 200, 'still serving');
  } finally {
    await http.close();
  }
});

test('without a CA the endpoints are not mounted', async () => {
  const plain = await startTestApi();
  try {
    assert.equal((await call('GET', `${plain.url}/v1/connect/ca/roots`)).status, 404);
  } finally {
    await plain.close();
  }
});
