// End to end: two `rxds serve --store etcd` processes (the built binary) on one real etcd serve one mesh.
// A registration through A's HTTP API releases a blocking query on B and reaches B's xDS clients; both
// serve the same CA root; a deregistration through B reaches A; an unreachable etcd fails the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBinary } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { etcdForThisFile, type CaRootsBody } from '../support/etcd-fixture.js';
import { freePort } from '../support/ports.js';
import { runFailedStart, startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { SotwClient } from '../support/xds-client.js';
import { withTimeout } from '../support/wait.js';

const etcdServer = etcdForThisFile();


async function getJson<T>(url: string, init?: RequestInit): Promise<{ body: T; index: number }> {
  const res = await fetch(url, init);
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return { body: (await res.json()) as T, index: Number(res.headers.get('x-consul-index')) };
}

const grpcPort = (p: RxdsProcess) => Number(p.grpcAddr.split(':').pop());

/** The ports of a ClusterLoadAssignment's endpoints. */
function endpointPorts(cla: ClusterLoadAssignment): unknown[] {
  return cla.endpoints.flatMap((locality) =>
    locality.lbEndpoints.map((lb) => {
      const address = lb.hostIdentifier.case === 'endpoint' ? lb.hostIdentifier.value.address?.address : undefined;
      return address?.case === 'socketAddress' ? address.value.portSpecifier.value : undefined;
    }),
  );
}

test('two rxds serve --store etcd replicas share one state: blocking queries, xDS and the CA root', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  // Started together: both race to create the CA root; the loser must use the winner's.
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  const client = new SotwClient(grpcPort(b), { nodeId: 'etcd-e2e-client' });
  try {
    const rootsA = (await getJson<CaRootsBody>(`${a.httpUrl}/v1/connect/ca/roots`)).body;
    const rootsB = (await getJson<CaRootsBody>(`${b.httpUrl}/v1/connect/ca/roots`)).body;
    assert.ok(rootsA.Roots.length >= 1 && rootsA.ActiveRootID);
    assert.equal(rootsB.ActiveRootID, rootsA.ActiveRootID, 'one CA root for the mesh');
    assert.deepEqual(rootsB.Roots.map((r) => r.RootCert), rootsA.Roots.map((r) => r.RootCert));

    // A blocking query on B waits for the registration made through A.
    const before = await getJson<unknown[]>(`${b.httpUrl}/v1/health/service/web`);
    assert.deepEqual(before.body, []);
    const blocked = getJson<{ Service: { ID: string; Port: number } }[]>(`${b.httpUrl}/v1/health/service/web?index=${before.index}&wait=20s`);
    const reg = await fetch(`${a.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'web', ID: 'web-1', Address: '127.0.0.1', Port: 18080 }),
    });
    assert.equal(reg.status, 200, await reg.text());
    const released = await withTimeout(blocked, 10_000, 'the blocking query on B');
    assert.deepEqual(released.body.map((e) => [e.Service.ID, e.Service.Port]), [['web-1', 18080]]);
    assert.ok(released.index > before.index, `B's index moved: ${before.index} -> ${released.index}`);
    const onA = await getJson<unknown[]>(`${a.httpUrl}/v1/health/service/web`);
    assert.equal(onA.index, released.index, 'both replicas answer with the same X-Consul-Index');

    // B's xDS serves it: a proxyless client's listener for web, then the endpoints of its cluster.
    client.subscribe(TypeUrl.Listener, ['web']);
    const lds = await client.nextAcked(TypeUrl.Listener, 10_000);
    assert.deepEqual(lds.resources.map((r) => fromBinary(ListenerSchema, r.value).name), ['web']);
    const clusterName = `web.default.dc1.internal.${rootsA.TrustDomain}`;
    client.subscribe(TypeUrl.ClusterLoadAssignment, [clusterName]);
    const eds = await client.nextAcked(TypeUrl.ClusterLoadAssignment, 10_000);
    assert.deepEqual(endpointPorts(fromBinary(ClusterLoadAssignmentSchema, eds.resources[0]!.value)), [18080]);

    // And the other way: deregistered through B, gone on A (a blocking query on A is released).
    const blockedA = getJson<unknown[]>(`${a.httpUrl}/v1/health/service/web?index=${onA.index}&wait=20s`);
    const dereg = await fetch(`${b.httpUrl}/v1/agent/service/deregister/web-1`, { method: 'PUT' });
    assert.equal(dereg.status, 200, await dereg.text());
    assert.deepEqual((await withTimeout(blockedA, 10_000, 'the blocking query on A')).body, []);
    // B's xDS client sees the service go: its listener for web is withdrawn.
    let lds2 = await client.nextAcked(undefined, 10_000);
    while (lds2.typeUrl !== TypeUrl.Listener) lds2 = await client.nextAcked(undefined, 10_000);
    assert.deepEqual(lds2.resources.map((r) => fromBinary(ListenerSchema, r.value).name), []);
  } finally {
    client.close();
    const codes = await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual(codes, [0, 0]);
  }
});

test('sidecars registered at once through both replicas get distinct auto-assigned ports', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  try {
    const register = (p: RxdsProcess, i: number) =>
      fetch(`${p.httpUrl}/v1/agent/service/register`, {
        method: 'PUT',
        body: JSON.stringify({ Name: `svc${i}`, ID: `svc${i}-1`, Address: '127.0.0.1', Port: 9000 + i, Connect: { SidecarService: {} } }),
      });
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => register(i % 2 === 0 ? a : b, i)));
    assert.deepEqual(results.map((r) => r.status), Array(16).fill(200));
    // B has A's registrations once its watch has delivered them.
    type Services = Record<string, { ID: string; Port: number; Kind?: string }>;
    const sidecarsOf = (r: { body: Services }) => Object.values(r.body).filter((s) => s.Kind === 'connect-proxy');
    let onB = await getJson<Services>(`${b.httpUrl}/v1/agent/services`);
    while (sidecarsOf(onB).length < 16) onB = await withTimeout(getJson<Services>(`${b.httpUrl}/v1/agent/services?index=${onB.index}&wait=5s`), 10_000, 'the 16 sidecars on B');
    const sidecars = sidecarsOf(onB);
    assert.equal(sidecars.length, 16);
    const ports = sidecars.map((s) => s.Port);
    assert.equal(new Set(ports).size, 16, `each sidecar its own port: ${ports.sort()}`);
  } finally {
    assert.deepEqual(await Promise.all([a.stop(), b.stop()]), [0, 0]);
  }
});

test('a TTL check kept alive through one replica stays passing on the other, and expires when the updates stop', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  type Check = { CheckID: string; Status: string; ModifyIndex: number };
  // The service's health on B, reduced to its TTL check.
  const checksOnB = async (query = '') => {
    const r = await getJson<{ Checks: Check[] }[]>(`${b.httpUrl}/v1/health/service/ttl-svc${query}`);
    return { index: r.index, body: (r.body[0]?.Checks ?? []).filter((c) => c.CheckID === 'service:ttl-1') };
  };
  const pass = async () => {
    const res = await fetch(`${a.httpUrl}/v1/agent/check/pass/service:ttl-1`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
  };
  try {
    const reg = await fetch(`${a.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'ttl-svc', ID: 'ttl-1', Address: '127.0.0.1', Port: 18081, Check: { TTL: '2s' } }),
    });
    assert.equal(reg.status, 200, await reg.text());
    await pass();
    let seen = await checksOnB();
    while (seen.body[0]?.Status !== 'passing') seen = await withTimeout(checksOnB(`?index=${seen.index}&wait=5s`), 10_000, 'passing on B');
    const passingSince = seen.body[0]!.ModifyIndex;
    // Heartbeats through A only, well within the TTL each, for longer than the TTL (B's own timer would
    // have expired).
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await pass();
    }
    const after = (await checksOnB()).body[0]!;
    assert.deepEqual([after.Status, after.ModifyIndex], ['passing', passingSince], 'never expired on B meanwhile');
    // No more updates: the TTL expires (on both replicas; one write).
    let expired = await checksOnB();
    while (expired.body[0]?.Status !== 'critical') expired = await withTimeout(checksOnB(`?index=${expired.index}&wait=5s`), 10_000, 'critical on B');
  } finally {
    assert.deepEqual(await Promise.all([a.stop(), b.stop()]), [0, 0]);
  }
});

test('etcd restarted under two replicas: writes answer 503 and the store is degraded, reads go on; then writes work and reach the other replica', async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint];
  const [a, b] = await Promise.all([startRxdsProcess(args), startRxdsProcess(args)]);
  const register = (p: RxdsProcess, id: string) =>
    fetch(`${p.httpUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'api', ID: id, Address: '127.0.0.1', Port: 19000 }) });
  const storeState = async (p: RxdsProcess) => (await getJson<{ Name: string; State: string }[]>(`${p.httpUrl}/v1/rxds/sources`)).body.find((x) => x.Name === 'store')?.State;
  try {
    assert.equal((await register(a, 'api-1')).status, 200);
    // B has the registration (through its watch) before etcd goes away.
    let onB = await getJson<unknown[]>(`${b.httpUrl}/v1/health/service/api`);
    while (onB.body.length < 1) onB = await withTimeout(getJson<unknown[]>(`${b.httpUrl}/v1/health/service/api?index=${onB.index}&wait=5s`), 10_000, 'api-1 on B');
    await etcdServer().stop();
    const refused = await register(a, 'api-2');
    assert.equal(refused.status, 503, await refused.text());
    assert.equal(await storeState(a), 'degraded');
    const read = await getJson<unknown[]>(`${b.httpUrl}/v1/health/service/api`);
    assert.equal(read.body.length, 1, 'B still answers reads from the last state');

    await etcdServer().start();
    // A client retries a 503; B reconnects within a fraction of a second.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await register(b, 'api-3')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 200);
    let onA = await getJson<{ Service: { ID: string } }[]>(`${a.httpUrl}/v1/health/service/api`);
    while (onA.body.length < 2) onA = await withTimeout(getJson(`${a.httpUrl}/v1/health/service/api?index=${onA.index}&wait=5s`), 10_000, 'api-3 on A');
    assert.deepEqual(onA.body.map((e) => e.Service.ID).sort(), ['api-1', 'api-3']);
    let ok = await storeState(a);
    for (let i = 0; i < 100 && ok !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ok = await storeState(a);
    }
    assert.equal(ok, 'ok', 'A\'s store recovers');
  } finally {
    await etcdServer().start();
    assert.deepEqual(await Promise.all([a.stop(), b.stop()]), [0, 0]);
  }
});

test('rxds serve --store etcd with etcd unreachable exits 1 with a clear message, without hanging', async () => {
  const port = await freePort();
  const r = await runFailedStart(['--store', 'etcd', '--etcd-endpoints', `http://127.0.0.1:${port}`]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach etcd at http://127\\.0\\.0\\.1:${port}`));
});
