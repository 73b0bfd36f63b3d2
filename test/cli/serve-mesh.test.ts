import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBinary } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { SotwClient } from '../support/xds-client.js';
import { startRxdsProcess } from '../support/rxds-process.js';

const MESH = new URL('../../examples/mesh.yaml', import.meta.url).pathname;

test('npm start configuration: rxds serve with the example mesh configures its sidecars and proxyless clients', async () => {
  const rxds = await startRxdsProcess(['--config', MESH]);
  const port = Number(rxds.grpcAddr.split(':').pop());
  const sidecar = new SotwClient(port, { nodeId: 'frontend-1-sidecar-proxy' });
  const proxyless = new SotwClient(port, { nodeId: 'grpc-client-1' });
  try {
    sidecar.subscribe(TypeUrl.Cluster, []);
    const cds = await sidecar.nextAcked(TypeUrl.Cluster, 10_000);
    const clusters = cds.resources.map((a) => fromBinary(ClusterSchema, a.value).name).sort();
    assert.ok(clusters.includes('local_app'), clusters.join(','));
    assert.ok(clusters.some((n) => n === 'v1.backend.default.dc1.internal.rxds.local'), clusters.join(','));
    assert.ok(clusters.some((n) => n === 'v2.backend.default.dc1.internal.rxds.local'), clusters.join(','));

    // As Envoy does: the clusters' endpoints next (until they are ACKed, listeners are held back).
    const edsNames = clusters.filter((n) => n !== 'local_app');
    sidecar.subscribe(TypeUrl.ClusterLoadAssignment, edsNames);
    const eds = await sidecar.nextAcked(TypeUrl.ClusterLoadAssignment, 10_000);
    assert.ok(eds.resources.length > 0, 'endpoints of the backend subsets');
    sidecar.subscribe(TypeUrl.Listener, []);
    const lds = await sidecar.nextAcked(TypeUrl.Listener, 10_000);
    const listeners = lds.resources.map((a) => fromBinary(ListenerSchema, a.value).name).sort();
    // Consul's listener names: `public_listener:<addr>:<port>` and `<upstream>:<bind addr>:<bind port>`.
    assert.deepEqual(listeners, ['backend:127.0.0.1:9191', 'public_listener:127.0.0.1:21000']);

    proxyless.subscribe(TypeUrl.Listener, ['backend']);
    const api = await proxyless.nextAcked(TypeUrl.Listener, 10_000);
    assert.deepEqual(api.resources.map((a) => fromBinary(ListenerSchema, a.value).name), ['backend']);

    // A proxyless gRPC server (grpc-js-xds XdsServer) of backend-1, listening where backend-1 is registered.
    const serverName = 'grpc/server?xds.resource.listening_address=127.0.0.1:50051';
    proxyless.subscribe(TypeUrl.Listener, ['backend', serverName]);
    const both = await proxyless.nextAcked(TypeUrl.Listener, 10_000);
    assert.deepEqual(both.resources.map((a) => fromBinary(ListenerSchema, a.value).name).sort(), ['backend', serverName]);

    const proxies = (await (await fetch(`${rxds.httpUrl}/v1/rxds/proxies`)).json()) as Array<{ NodeID: string }>;
    assert.deepEqual(proxies.map((p) => p.NodeID).sort(), ['frontend-1-sidecar-proxy', 'grpc-client-1']);

    // The pipelines report into the daemon's metrics: snapshot builds by proxy kind.
    const metrics = await (await fetch(`${rxds.httpUrl}/metrics`)).text();
    assert.match(metrics, /rxds_snapshot_builds_total\{kind="sidecar"\} [1-9]/);
    assert.match(metrics, /rxds_snapshot_builds_total\{kind="proxyless"\} [1-9]/);
  } finally {
    sidecar.close();
    proxyless.close();
    assert.equal(await rxds.stop(), 0);
  }
});
