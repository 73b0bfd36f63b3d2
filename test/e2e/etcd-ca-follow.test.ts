// End to end: two `rxds serve --store etcd` processes (the built binary) on one real etcd. A replica
// started with another --trust-domain rotates the CA root at startup; the replica already running follows:
// within seconds its /v1/connect/ca/roots lists the new active root (and the trust domain of the store),
// and the leaves it signs come from the new root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { etcdForThisFile, type CaRootsBody } from '../support/etcd-fixture.js';
import { startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { withTimeout } from '../support/wait.js';

const etcdServer = etcdForThisFile();


async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

/** Resolves with the first JSON log line of `p` (seen so far or to come) that `match` accepts. */
function logLine(p: RxdsProcess, match: (line: Record<string, unknown>) => boolean, ms: number, what: string): Promise<Record<string, unknown>> {
  let onData: (() => void) | undefined;
  const found = new Promise<Record<string, unknown>>((resolve) => {
    const check = () => {
      const line = p.logs.find(match);
      if (line) resolve(line);
      return line !== undefined;
    };
    // rxds-process's line reader runs first on each chunk, so `logs` is up to date when this runs.
    onData = () => void check();
    if (!check()) p.child.stdout.on('data', onData);
  });
  return withTimeout(found, ms, what).finally(() => p.child.stdout.off('data', onData!));
}

test('a root rotation through one replica (started with a new --trust-domain) reaches the other replica within seconds', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const a = await startRxdsProcess(args);
  let c: RxdsProcess | undefined;
  try {
    const before = await getJson<CaRootsBody>(`${a.httpUrl}/v1/connect/ca/roots`);
    assert.equal(before.TrustDomain, 'rxds.local');

    c = await startRxdsProcess([...args, '--trust-domain', 'other.test']);
    const onC = await getJson<CaRootsBody>(`${c.httpUrl}/v1/connect/ca/roots`);
    assert.equal(onC.TrustDomain, 'other.test');
    assert.notEqual(onC.ActiveRootID, before.ActiveRootID, 'C rotated the root at startup');

    await logLine(a, (l) => l.msg === 'CA state changed by another replica: following it' && l.rootId === onC.ActiveRootID, 5000, 'A to follow C\'s root');
    const onA = await getJson<CaRootsBody>(`${a.httpUrl}/v1/connect/ca/roots`);
    assert.equal(onA.ActiveRootID, onC.ActiveRootID, "A's active root is C's new one");
    assert.equal(onA.TrustDomain, 'other.test');
    const ids = onA.Roots.map((r) => r.ID);
    assert.ok(ids.includes(before.ActiveRootID) && ids.includes(onC.ActiveRootID), `the old root stays trusted while its leaves may be in use: ${ids.join(', ')}`);
    assert.deepEqual(onA.Roots.filter((r) => r.Active).map((r) => r.ID), [onC.ActiveRootID]);
    // A warns that the store's trust domain is not the one it was started with.
    const warned = await logLine(a, (l) => l.level === 'warn' || l.level === 40 ? /trust domain other\.test/.test(String(l.msg)) : false, 1000, "A's trust domain warning");
    assert.match(String(warned.msg), /configured with rxds\.local/);

    // A leaf A signs now comes from the new root, for the new trust domain.
    const leaf = await getJson<{ CertPEM: string; ServiceURI: string }>(`${a.httpUrl}/v1/agent/connect/ca/leaf/web`);
    assert.equal(leaf.ServiceURI, 'spiffe://other.test/ns/default/dc/dc1/svc/web');
    const newRoot = onA.Roots.find((r) => r.ID === onC.ActiveRootID)!;
    assert.ok(new X509Certificate(leaf.CertPEM).verify(new X509Certificate(newRoot.RootCert).publicKey), 'the leaf verifies against the new root');
    // And nothing failed to save on either side.
    for (const p of [a, c]) {
      assert.deepEqual(p.logs.filter((l) => /saving the CA state failed/.test(String(l.msg))), []);
    }
  } finally {
    const codes = await Promise.all([a.stop(), c?.stop() ?? 0]);
    assert.deepEqual(codes, [0, 0]);
  }
});
