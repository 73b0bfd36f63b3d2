// rxds's own endpoints over real HTTP, fed by a real xDS server with real gRPC clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { BehaviorSubject } from 'rxjs';
import { ClusterSchema } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { forbidden } from '../../../src/core/http/http-error.js';
import { createHttpServer } from '../../../src/core/http/http-server.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createAdminApi } from '../../../src/sinks/admin/admin-api.js';
import type { AdminApiDeps, Readiness } from '../../../src/sinks/admin/admin-deps.js';
import type { ProxyView } from '../../../src/sinks/admin/proxy-status-view.js';
import { cluster, endpoints } from '../../support/fixtures.js';
import { XdsHarness } from '../../support/xds-harness.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const RDS = TypeUrl.RouteConfiguration;

async function startAdmin(t: { after(fn: () => Promise<void>): void }, deps: AdminApiDeps): Promise<string> {
  const http = createHttpServer([createAdminApi(deps)]);
  const { url } = await http.listen(0, '127.0.0.1');
  t.after(() => http.close());
  return url;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers });
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return { status: res.status, body: await res.json() };
}

test('GET /v1/rxds/proxies: SYNCED, NACKED (with its message), STALE and NOT SENT per type, with ages', async (t) => {
  let clock = 1_000_000;
  const now = () => clock;
  const h = await XdsHarness.start({ now });
  t.after(() => h.close());
  const url = await startAdmin(t, {
    xds: h.xds,
    ready$: new BehaviorSubject<Readiness>(true),
    now,
    serviceOf: (id) => (id === 'web-sidecar' ? 'web' : undefined),
  });

  h.publish('web-sidecar', [cluster('c1'), endpoints('c1', [9001])]);
  h.publish('grpc-client', [cluster('c2')]);

  const sidecar = h.sotw('web-sidecar');
  sidecar.subscribe(CDS, []);
  await sidecar.nextAcked(CDS);
  sidecar.subscribe(EDS, ['c1']);
  sidecar.nack(await sidecar.nextOf(EDS), 'endpoint port out of range');
  await h.typeStatus('web-sidecar', EDS, (s) => s.status === 'NACKED', 'EDS NACKED');
  sidecar.subscribe(RDS, ['no-such-route']);
  await h.subscribed('web-sidecar', RDS, ['no-such-route']);

  const grpcClient = h.delta('grpc-client');
  grpcClient.subscribe(CDS, ['*']);
  await grpcClient.nextOf(CDS); // never ACKed: STALE
  await h.typeStatus('grpc-client', CDS, (s) => s.status === 'STALE', 'CDS STALE');

  clock += 1500;
  const { status, body } = await getJson(`${url}/v1/rxds/proxies`);
  assert.equal(status, 200);
  const proxies = body as ProxyView[];
  assert.deepEqual(proxies.map((p) => [p.NodeID, p.Service, p.Kind]), [
    ['grpc-client', 'grpc-client', 'delta'],
    ['web-sidecar', 'web', 'sotw'],
  ]);
  const web = proxies[1]!;
  assert.equal(web.Streams.length, 1);
  assert.equal(web.Streams[0]!.ConnectedAgeMs, 1500);
  assert.deepEqual(web.Types.map((x) => [x.Type, x.Status]), [
    ['CDS', 'SYNCED'],
    ['EDS', 'NACKED'],
    ['RDS', 'NOT SENT'],
  ]);
  const [cds, eds, rds] = web.Types;
  assert.equal(cds!.LastAckedVersion, cds!.LastSentVersion);
  assert.equal(cds!.SentAgeMs, 1500);
  assert.equal(cds!.AckAgeMs, 1500);
  assert.equal(cds!.Resources, 1);
  assert.equal(cds!.Subscribed, '*');
  assert.equal(cds!.NackError, null);
  assert.equal(eds!.NackError, 'endpoint port out of range');
  assert.equal(eds!.NackAgeMs, 1500);
  assert.equal(eds!.LastAckedVersion, null);
  assert.ok(eds!.LastSentNonce);
  assert.deepEqual(rds!.Subscribed, ['no-such-route']);
  assert.equal(rds!.LastSentVersion, null);
  assert.equal(rds!.SentAgeMs, null);

  const grpc = proxies[0]!;
  assert.deepEqual(grpc.Types.map((x) => [x.Type, x.Status, x.Resources]), [['CDS', 'STALE', 1]]);

  const one = await getJson(`${url}/v1/rxds/proxies/web-sidecar`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, web);
});

test('GET /v1/rxds/proxies/:id/config: protobuf JSON of what was last sent, grouped by type; 404 for an unknown id', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const url = await startAdmin(t, { xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) });
  const id = 'ns/odd id';
  h.publish(id, [cluster('a'), cluster('b'), endpoints('a', [7001, 7002])]);
  const c = h.sotw(id);
  c.subscribe(CDS, []);
  await c.nextAcked(CDS);
  c.subscribe(EDS, ['a']);
  await c.nextAcked(EDS);
  await h.typeStatus(id, EDS, (s) => s.status === 'SYNCED', 'EDS SYNCED');

  const { status, body } = await getJson(`${url}/v1/rxds/proxies/${encodeURIComponent(id)}/config`);
  assert.equal(status, 200);
  const json = (schema: typeof ClusterSchema | typeof ClusterLoadAssignmentSchema, m: unknown) =>
    toJson(schema, m as never, { useProtoFieldName: true });
  assert.deepEqual(body, {
    NodeID: id,
    Resources: {
      [CDS]: { a: json(ClusterSchema, cluster('a')), b: json(ClusterSchema, cluster('b')) },
      [EDS]: { a: json(ClusterLoadAssignmentSchema, endpoints('a', [7001, 7002])) },
    },
  });
  assert.equal(Object.keys(body as object).length, 2);
  assert.equal((body as unknown as { Resources: Record<string, Record<string, { connect_timeout: string }>> }).Resources[CDS]!['a']!.connect_timeout, '5s');

  const missing = await getJson(`${url}/v1/rxds/proxies/nobody/config`);
  assert.equal(missing.status, 404);
  assert.match((missing.body as { error: string }).error, /no proxy with node id "nobody"/);
  const missingWatch = await getJson(`${url}/v1/rxds/proxies/nobody/watch`);
  assert.equal(missingWatch.status, 404);
  const missingOne = await getJson(`${url}/v1/rxds/proxies/nobody`);
  assert.equal(missingOne.status, 404);
});

test('a proxy whose streams end disappears from the list and its config is 404', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const url = await startAdmin(t, { xds: h.xds, ready$: new BehaviorSubject<Readiness>(true) });
  h.publish('gone', [cluster('a')]);
  const c = h.sotw('gone');
  c.subscribe(CDS, []);
  await c.nextAcked(CDS);
  assert.equal((await getJson(`${url}/v1/rxds/proxies/gone/config`)).status, 200);
  c.close();
  await h.streamCount('gone', 0);
  assert.deepEqual((await getJson(`${url}/v1/rxds/proxies`)).body, []);
  assert.equal((await getJson(`${url}/v1/rxds/proxies/gone/config`)).status, 404);
});

test('/healthz answers while serving; /readyz is 503 with the reason until ready$ says ready', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const ready$ = new BehaviorSubject<Readiness>({ ready: false, reason: 'file mesh.yaml not loaded yet' });
  const url = await startAdmin(t, {
    xds: h.xds,
    ready$,
    sources: { list: () => [{ Name: 'store', State: 'ok', LastError: '' }] },
  });
  assert.deepEqual(await getJson(`${url}/healthz`), { status: 200, body: { Status: 'serving' } });
  const before = await getJson(`${url}/readyz`);
  assert.equal(before.status, 503);
  assert.deepEqual(before.body, {
    error: 'not ready: file mesh.yaml not loaded yet',
    Sources: [{ Name: 'store', State: 'ok', LastError: '' }],
  });
  ready$.next(true);
  const after = await getJson(`${url}/readyz`);
  assert.equal(after.status, 200);
  assert.equal((after.body as { Status: string }).Status, 'ready');
  ready$.next(false);
  assert.equal((await getJson(`${url}/readyz`)).status, 503);
});

test('an authorize hook guards the proxy endpoints but not the probes; wrong methods get 405', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const url = await startAdmin(t, {
    xds: h.xds,
    ready$: new BehaviorSubject<Readiness>(true),
    authorize: (req) => {
      if (req.headers['x-consul-token'] !== 'operator') throw forbidden('ACL not found');
    },
  });
  assert.deepEqual(await getJson(`${url}/v1/rxds/proxies`), { status: 403, body: { error: 'ACL not found' } });
  assert.equal((await getJson(`${url}/v1/rxds/proxies/x/watch`)).status, 403);
  assert.deepEqual(await getJson(`${url}/v1/rxds/proxies`, { 'x-consul-token': 'operator' }), { status: 200, body: [] });
  assert.equal((await getJson(`${url}/healthz`)).status, 200);
  assert.equal((await getJson(`${url}/readyz`)).status, 200);
  const put = await fetch(`${url}/v1/rxds/proxies`, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.ok(((await put.json()) as { error: string }).error);
});
