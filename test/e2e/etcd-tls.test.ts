// End to end: `rxds serve --store etcd` (the built binary) on an etcd with TLS (client-certificate auth)
// and user/password authentication. Two replicas share a registration; a wrong password or a missing
// client certificate fails the start with exit 1 and a message that says which, without the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsEtcdForThisFile } from '../support/etcd-fixture.js';
import { runFailedStart, startRxdsProcess } from '../support/rxds-process.js';
import { withTimeout } from '../support/wait.js';

const PASSWORD = 'e2e-etcd-secret';
const etcd = tlsEtcdForThisFile({ rootPassword: PASSWORD });

/** The etcd flags of a replica with the good client certificate and the root user. */
function etcdArgs(): string[] {
  const { etcd: server, files } = etcd();
  return [
    '--store', 'etcd',
    '--etcd-endpoints', server.endpoint,
    '--etcd-ca-file', files.caFile,
    '--etcd-cert-file', files.clientCertFile,
    '--etcd-key-file', files.clientKeyFile,
    '--etcd-username', 'root',
  ];
}

/** `rxds serve` expected to fail its start, with RXDS_ETCD_PASSWORD set to `password` (or unset). */
function failedStart(args: readonly string[], password: string | undefined) {
  const env = { ...process.env };
  if (password === undefined) delete env.RXDS_ETCD_PASSWORD;
  else env.RXDS_ETCD_PASSWORD = password;
  return runFailedStart(args, { env });
}

test('two rxds serve replicas on etcd over TLS with a client certificate and a password: a registration through one is read on the other', async () => {
  // The replicas inherit the environment: the password is not on their command line.
  process.env.RXDS_ETCD_PASSWORD = PASSWORD;
  const [a, b] = await Promise.all([startRxdsProcess(etcdArgs()), startRxdsProcess(etcdArgs())]);
  try {
    const reg = await fetch(`${a.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'web', ID: 'web-1', Address: '127.0.0.1', Port: 18443 }),
    });
    assert.equal(reg.status, 200, await reg.text());
    const onA = await fetch(`${a.httpUrl}/v1/catalog/service/web`);
    const index = Number(onA.headers.get('x-consul-index'));
    assert.deepEqual(((await onA.json()) as { ServiceID: string; ServicePort: number }[]).map((e) => [e.ServiceID, e.ServicePort]), [['web-1', 18443]]);
    // B may not have seen the write yet: a blocking query from index-1 returns once it has.
    const onB = await withTimeout(fetch(`${b.httpUrl}/v1/catalog/service/web?index=${index - 1}&wait=10s`), 15_000, 'the registration on B');
    assert.deepEqual(((await onB.json()) as { ServiceID: string }[]).map((e) => e.ServiceID), ['web-1']);
    const logs = JSON.stringify([...a.logs, ...b.logs]);
    assert.doesNotMatch(logs, new RegExp(PASSWORD), 'the password is never logged');
    assert.doesNotMatch(logs, /PRIVATE KEY/, 'nor the key');
  } finally {
    delete process.env.RXDS_ETCD_PASSWORD;
    assert.deepEqual(await Promise.all([a.stop(), b.stop()]), [0, 0]);
  }
});

test('a wrong etcd password fails the start: exit 1, the message says authentication failed and does not show the password', async () => {
  const r = await failedStart(etcdArgs(), 'wrong-secret-123');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /refused the authentication of user "root": wrong username or password/);
  assert.doesNotMatch(r.stderr + r.stdout, /wrong-secret-123/);
});

test('without a client certificate etcd refuses the TLS handshake: exit 1 with a message that says so', async () => {
  const { etcd: server, files } = etcd();
  const r = await failedStart(['--store', 'etcd', '--etcd-endpoints', server.endpoint, '--etcd-ca-file', files.caFile, '--etcd-username', 'root'], PASSWORD);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach etcd at ${server.endpoint}: TLS handshake failed: etcd refused the client certificate`));
});
