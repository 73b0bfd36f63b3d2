// A raw proxyless xDS client over real gRPC: after a splitter is deleted through the HTTP API and the client
// ACKed the new routes, the v2 cluster (no route points at it any more) is still in its CDS answers while it
// subscribes to it, and goes once it unsubscribes. (grpc-js-xds fails calls in flight on a subscribed cluster
// missing from a SotW CDS answer.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { SotwClient } from '../../support/xds-client.js';
import { namesIn } from '../../support/xds-responses.js';
import { MeshUnderTest } from '../../e2e/mesh-under-test.js';

let mesh: MeshUnderTest;
let client: SotwClient | undefined;
const sni = (prefix: string) => `${prefix}.default.dc1.internal.rxds.e2e`;
const V1 = sni('v1.held');
const V2 = sni('v2.held');

before(async () => {
  mesh = await MeshUnderTest.start();
});

after(async () => {
  client?.close();
  await mesh.close();
});

/** The next response of `typeUrl`, ACKing (and skipping) responses of other types before it. */
async function nextOfType(c: SotwClient, typeUrl: string) {
  for (;;) {
    const resp = await c.nextAcked();
    if (resp.typeUrl === typeUrl) return resp;
  }
}

test('splitter deleted, routes ACKed: the subscribed v2 cluster stays in CDS (and EDS) until the client unsubscribes', async () => {
  await mesh.register({ Name: 'held', ID: 'held-v1', Address: '127.0.0.1', Port: 7001, Meta: { version: 'v1' } });
  await mesh.register({ Name: 'held', ID: 'held-v2', Address: '127.0.0.1', Port: 7002, Meta: { version: 'v2' } });
  await mesh.config({ Kind: 'service-defaults', Name: 'held', Protocol: 'grpc' });
  await mesh.config({
    Kind: 'service-resolver',
    Name: 'held',
    DefaultSubset: 'v1',
    Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
  });
  await mesh.config({ Kind: 'service-splitter', Name: 'held', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] });

  const c = (client = new SotwClient(mesh.xdsPort, { nodeId: 'held-client' }));
  c.subscribe(TypeUrl.Listener, ['held']);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Listener)), ['held']);
  c.subscribe(TypeUrl.RouteConfiguration, ['held']);
  await c.nextAcked(TypeUrl.RouteConfiguration);
  c.subscribe(TypeUrl.Cluster, [V1, V2]);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Cluster)).sort(), [V1, V2]);
  c.subscribe(TypeUrl.ClusterLoadAssignment, [V1, V2]);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.ClusterLoadAssignment)).sort(), [V1, V2]);

  await mesh.http('DELETE', '/v1/config/service-splitter/held');
  // The new routes (v1 only) come first; nextAcked ACKs them.
  await nextOfType(c, TypeUrl.RouteConfiguration);
  // After the ACK, a change to both clusters (the resolver's ConnectTimeout) forces a CDS answer: it still has
  // v2, and no CDS answer without v2 came before it.
  await mesh.config({
    Kind: 'service-resolver',
    Name: 'held',
    DefaultSubset: 'v1',
    ConnectTimeout: '7s',
    Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
  });
  assert.deepEqual(namesIn(await nextOfType(c, TypeUrl.Cluster)).sort(), [V1, V2]);

  // The client unsubscribes from v2: it goes.
  c.subscribe(TypeUrl.Cluster, [V1]);
  assert.deepEqual(namesIn(await nextOfType(c, TypeUrl.Cluster)), [V1]);
});
