// The etcd store over TLS (client-certificate auth) and with etcd's user/password authentication, on
// real etcd processes: replicas share writes; a missing or foreign client certificate, an untrusted server
// certificate and a wrong password fail the open with an error that says which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { classifyEtcdError, probeEtcdTls } from '../../src/sources/store/etcd-errors.js';
import { openEtcdStore, type EtcdStoreOptions } from '../../src/sources/store/etcd-store.js';
import { StoreUnavailableError } from '../../src/sources/store/store-errors.js';
import { tlsEtcdForThisFile } from '../support/etcd-fixture.js';
import { waitFor } from '../support/wait.js';
import { put, serviceInput } from './support/fixtures.js';

const PASSWORD = 'correct horse battery staple';
const tlsEtcd = tlsEtcdForThisFile();
const authEtcd = tlsEtcdForThisFile({ rootPassword: PASSWORD });
let prefixes = 0;

/**
 * Opening fails: resolves with the error (a StoreUnavailableError) and how long the open took. The connect
 * timeout is long: the failures tested here are not retried until it ends.
 */
async function openFails(options: EtcdStoreOptions): Promise<{ error: StoreUnavailableError; ms: number }> {
  const started = Date.now();
  try {
    const store = await openEtcdStore({ prefix: `/tls-test-${++prefixes}/`, connectTimeoutMs: 20_000, ...options });
    await store.close();
  } catch (err) {
    assert.ok(err instanceof StoreUnavailableError, `a StoreUnavailableError: ${String(err)}`);
    return { error: err, ms: Date.now() - started };
  }
  assert.fail('the store opened');
}

test('two stores on an etcd with TLS and client certificates: a write through one is read back by both', async () => {
  const { etcd, clientTls } = tlsEtcd();
  assert.match(etcd.endpoint, /^https:\/\//);
  const options: EtcdStoreOptions = { endpoints: [etcd.endpoint], prefix: `/tls-test-${++prefixes}/`, tls: clientTls };
  const a = await openEtcdStore(options);
  const b = await openEtcdStore(options);
  try {
    const index = await a.write([put(serviceInput('web-1', { Port: 8443 }))]);
    assert.equal(a.current().services.get('web-1')?.Port, 8443);
    const seen = await waitFor(b.state$, (s) => s.index >= index, 'the write on B');
    assert.equal(seen.services.get('web-1')?.Port, 8443);
    assert.equal(await b.write([put(serviceInput('api-1'))]), index + 1, 'B writes too');
    await waitFor(a.state$, (s) => s.services.has('api-1'), 'B\'s write on A');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('etcd refuses a client without a certificate or with one from another CA; a client that does not trust etcd\'s CA refuses etcd', async () => {
  const { etcd, files, clientTls } = tlsEtcd();
  const endpoints = [etcd.endpoint];
  const [noCert, otherCert, otherCa] = await Promise.all([
    openFails({ endpoints, tls: { ca: clientTls.ca } }),
    openFails({ endpoints, tls: { ca: clientTls.ca, cert: readFileSync(files.otherCertFile), key: readFileSync(files.otherKeyFile) } }),
    openFails({ endpoints, tls: { ca: readFileSync(files.otherCaFile), cert: clientTls.cert, key: clientTls.key } }),
  ]);
  for (const { error } of [noCert, otherCert]) {
    assert.match(error.message, new RegExp(`^cannot reach etcd at ${etcd.endpoint}: TLS handshake failed: etcd refused the client certificate`));
  }
  assert.match(otherCa.error.message, /TLS handshake failed: etcd's server certificate is not trusted \(see --etcd-ca-file\)/);
  for (const { error, ms } of [noCert, otherCert, otherCa]) {
    assert.doesNotMatch(error.message, /PRIVATE KEY|BEGIN/);
    assert.ok(ms < 10_000, `given up at once, not after the connect timeout (${ms} ms)`);
  }
});

test('etcd with authentication: the right password opens the store, a wrong one fails at once with a clear error, none is denied', async () => {
  const { etcd, clientTls } = authEtcd();
  const endpoints = [etcd.endpoint];
  const store = await openEtcdStore({ endpoints, prefix: `/tls-test-${++prefixes}/`, tls: clientTls, auth: { username: 'root', password: PASSWORD } });
  try {
    const index = await store.write([put(serviceInput('web-1'))]);
    assert.ok(store.current().services.has('web-1'));
    assert.equal(store.current().index, index);
  } finally {
    await store.close();
  }
  const wrong = await openFails({ endpoints, tls: clientTls, auth: { username: 'root', password: 'not the password' } });
  assert.match(wrong.error.message, new RegExp(`^etcd at ${etcd.endpoint} refused the authentication of user "root": wrong username or password`));
  assert.doesNotMatch(wrong.error.message, /not the password/);
  assert.ok(wrong.ms < 10_000, `not retried until the connect timeout (${wrong.ms} ms)`);
  const none = await openFails({ endpoints, tls: clientTls });
  assert.match(none.error.message, /denied access: authentication is enabled there; give --etcd-username and RXDS_ETCD_PASSWORD/);
});

test('probeEtcdTls: one handshake tells a refused client certificate and an untrusted server from an accepted connection', async () => {
  const { etcd, files, clientTls } = tlsEtcd();
  const [good, noCert, otherCa, plain] = await Promise.all([
    probeEtcdTls(etcd.endpoint, clientTls),
    probeEtcdTls(etcd.endpoint, { ca: clientTls.ca }),
    probeEtcdTls(etcd.endpoint, { ca: readFileSync(files.otherCaFile), cert: clientTls.cert, key: clientTls.key }),
    probeEtcdTls(etcd.endpoint.replace('https:', 'http:'), clientTls),
  ]);
  assert.equal(good, undefined);
  assert.equal(classifyEtcdError(noCert), 'client-cert-refused', String(noCert));
  assert.equal(classifyEtcdError(otherCa), 'server-cert-untrusted', String(otherCa));
  assert.equal(plain, undefined, 'an http:// endpoint is not probed');
});
