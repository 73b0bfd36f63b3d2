// The proxy pipelines behind the real xDS server, driven by raw xDS test clients over gRPC: a proxyless
// client gets exactly the targets it names (unknown services do not exist until they are registered), and
// an Envoy sidecar on a Delta stream gets its whole configuration, updated when its upstream changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { DeltaClient, SotwClient } from '../../support/xds-client.js';
import { namesIn } from '../../support/xds-responses.js';
import { MeshUnderTest } from '../../e2e/mesh-under-test.js';

let mesh: MeshUnderTest;
const clients: Array<SotwClient | DeltaClient> = [];
const sni = (svc: string) => `${svc}.default.dc1.internal.rxds.e2e`;

before(async () => {
  mesh = await MeshUnderTest.start();
});

after(async () => {
  for (const c of clients) c.close();
  await mesh.close();
});

function sotw(nodeId: string): SotwClient {
  const c = new SotwClient(mesh.xdsPort, { nodeId });
  clients.push(c);
  return c;
}

test('proxyless: an unknown target does not exist; once registered, its listener, routes, cluster and endpoints arrive', async () => {
  const c = sotw('proxyless-1');
  c.subscribe(TypeUrl.Listener, ['late']);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Listener)), [], 'no listener for a service nobody registered');
  await mesh.register({ Name: 'late', ID: 'late-1', Address: '127.0.0.1', Port: 7001 });
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Listener)), ['late']);
  c.subscribe(TypeUrl.RouteConfiguration, ['late']);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.RouteConfiguration)), ['late']);
  c.subscribe(TypeUrl.Cluster, [sni('late')]);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Cluster)), [sni('late')]);
  c.subscribe(TypeUrl.ClusterLoadAssignment, [sni('late')]);
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.ClusterLoadAssignment)), [sni('late')]);
  // A second target on the same stream (by service:port), and the first still there.
  await mesh.register({ Name: 'other', ID: 'other-1', Address: '127.0.0.1', Port: 7002 });
  c.subscribe(TypeUrl.Listener, ['late', 'other:7002']);
  // The server publishes the new subscription before answering it: the first answer has the new target.
  assert.deepEqual(namesIn(await c.nextAcked(TypeUrl.Listener)).sort(), ['late', 'other:7002']);
  // Deregistering the only instance makes the service unknown again: its listener is removed.
  await mesh.deregister('late-1');
  let names: string[] = [];
  for (let i = 0; i < 5 && !(names.length === 1 && names[0] === 'other:7002'); i++) {
    const resp = await c.nextAcked();
    if (resp.typeUrl === TypeUrl.Listener) names = namesIn(resp);
  }
  assert.deepEqual(names, ['other:7002']);
});

test('Envoy sidecar over Delta ADS: the whole configuration, then new endpoints when its upstream gains an instance', async () => {
  await mesh.register({ Name: 'db', ID: 'db-1', Address: '127.0.0.1', Port: 5432, Connect: { SidecarService: { Port: 21010 } } });
  await mesh.register({
    Name: 'app',
    ID: 'app-1',
    Address: '127.0.0.1',
    Port: 8080,
    Connect: { SidecarService: { Port: 21011, Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 15432 }] } } },
  });
  const c = new DeltaClient(mesh.xdsPort, { nodeId: 'app-1-sidecar-proxy' });
  clients.push(c);
  c.subscribe(TypeUrl.Cluster, ['*']);
  c.subscribe(TypeUrl.Listener, ['*']);
  const cds = await c.nextAcked(TypeUrl.Cluster);
  assert.deepEqual(namesIn(cds).sort(), ['local_app', sni('db')].sort());
  c.subscribe(TypeUrl.ClusterLoadAssignment, [sni('db')]);
  const seen = new Map<string, string[]>();
  while (!seen.has(TypeUrl.Listener) || !seen.has(TypeUrl.ClusterLoadAssignment)) {
    const r = await c.nextAcked();
    seen.set(r.typeUrl, namesIn(r));
  }
  assert.deepEqual(seen.get(TypeUrl.Listener)!.sort(), ['db:127.0.0.1:15432', 'public_listener:127.0.0.1:21011']);
  await mesh.register({ Name: 'db', ID: 'db-2', Address: '127.0.0.1', Port: 5433, Connect: { SidecarService: { Port: 21012 } } });
  const eds = await c.nextAcked(TypeUrl.ClusterLoadAssignment);
  assert.deepEqual(namesIn(eds), [sni('db')]);
  await c.expectNoResponse(150);
});
