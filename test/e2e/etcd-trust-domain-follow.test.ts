// End to end: two `rxds serve --store etcd` processes (the built binary) on one real etcd. A sidecar streams
// from replica A (trust domain rxds.local); replica C is started with another --trust-domain and rotates the
// CA; A follows the CA state, and within seconds, on the same stream and without a restart, the sidecar's
// upstream cluster is named for the new trust domain, sends its SNI and expects the upstream's SPIFFE ID in
// it. A's admin API (GET /v1/rxds/proxies/:id/config) shows the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { TypeUrl } from '../../src/core/type-urls.js';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { UpstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { etcdForThisFile } from '../support/etcd-fixture.js';
import { startRxdsProcess, type RxdsProcess } from '../support/rxds-process.js';
import { SotwClient } from '../support/xds-client.js';

const SIDECAR = 'web-1-sidecar-proxy';

const etcdServer = etcdForThisFile();

async function register(httpUrl: string, body: unknown): Promise<void> {
  const res = await fetch(`${httpUrl}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal(res.status, 200, `register: ${res.status} ${await res.text()}`);
}

/** The upstream clusters of a CDS response (those with TLS): `name sni=... san=...`. */
function upstreamClusters(resp: DiscoveryResponse): string[] {
  const out: string[] = [];
  for (const any of resp.resources) {
    const c = anyUnpack(any, ClusterSchema)!;
    const socket = c.transportSocket?.configType;
    if (socket?.case !== 'typedConfig') continue;
    const tls = anyUnpack(socket.value, UpstreamTlsContextSchema)!;
    const v = tls.commonTlsContext?.validationContextType;
    const sans = v?.case === 'combinedValidationContext' ? (v.value.defaultValidationContext?.matchTypedSubjectAltNames ?? []).map((m) => String(m.matcher?.matchPattern.value)) : [];
    out.push(`${c.name} sni=${tls.sni} san=${sans.join(',')}`);
  }
  return out.sort();
}

const upstreamAt = (td: string) => [`api.default.dc1.internal.${td} sni=api.default.dc1.internal.${td} san=spiffe://${td}/ns/default/dc/dc1/svc/api`];

test("a replica that follows another's rotation to a new trust domain sends its sidecars the new cluster names, SNI and SPIFFE IDs, without a restart", { timeout: 60_000 }, async () => {
  const args = ['--store', 'etcd', '--etcd-endpoints', etcdServer().endpoint, '--debounce-ms', '20', '--debounce-max-ms', '200'];
  const a = await startRxdsProcess(args);
  let c: RxdsProcess | undefined;
  let xds: SotwClient | undefined;
  try {
    await register(a.httpUrl, { Name: 'api', ID: 'api-1', Address: '127.0.0.1', Port: 7001, Connect: { SidecarService: { Port: 21001 } } });
    await register(a.httpUrl, {
      Name: 'web',
      ID: 'web-1',
      Address: '127.0.0.1',
      Port: 8080,
      Connect: { SidecarService: { Port: 21000, Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }] } } },
    });

    xds = new SotwClient(Number(a.grpcAddr.split(':').pop()), { nodeId: SIDECAR });
    xds.subscribe(TypeUrl.Cluster, []);
    const first = await xds.nextAcked(TypeUrl.Cluster, 10_000);
    assert.deepEqual(upstreamClusters(first), upstreamAt('rxds.local'));

    c = await startRxdsProcess([...args, '--trust-domain', 'other.test']);

    // A follows C's CA state within seconds; the sidecar's next CDS response names the new trust domain.
    let next: string[] = upstreamClusters(first);
    const deadline = Date.now() + 15_000;
    while (next.some((l) => l.includes('rxds.local'))) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `the sidecar still expects rxds.local: ${next.join('; ')}`);
      next = upstreamClusters(await xds.nextAcked(TypeUrl.Cluster, left));
    }
    assert.deepEqual(next, upstreamAt('other.test'));
    assert.equal(xds.endStatus, undefined, 'the stream stayed open: no restart, no reconnect');

    // What A says it sent the proxy: the new names (protobuf JSON).
    const res = await fetch(`${a.httpUrl}/v1/rxds/proxies/${SIDECAR}/config`);
    assert.equal(res.status, 200);
    const clusters = ((await res.json()) as { Resources: Record<string, Record<string, unknown>> }).Resources[TypeUrl.Cluster] ?? {};
    assert.deepEqual(Object.keys(clusters).sort(), ['api.default.dc1.internal.other.test', 'local_app']);
    assert.match(JSON.stringify(clusters), /spiffe:\/\/other\.test\/ns\/default\/dc\/dc1\/svc\/api/);
    assert.doesNotMatch(JSON.stringify(clusters), /rxds\.local/);
  } finally {
    xds?.close();
    const codes = await Promise.all([a.stop(), c?.stop() ?? 0]);
    assert.deepEqual(codes, [0, 0]);
  }
});
