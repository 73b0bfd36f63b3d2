// `npm start` serves examples/mesh.yaml: every proxy of the example gets a complete configuration that
// passes the PGV gate (Envoy cannot run here; its own validation rules stand in for it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { asyncScheduler, firstValueFrom, of } from 'rxjs';
import { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import type { ClusterLoadAssignment } from '../../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { RouteConfiguration } from '../../../src/gen/envoy/config/route/v3/route_pb.js';
import { silentLogger } from '../../../src/core/logger.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import type { Snapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createCatalog } from '../../../src/sources/catalog/catalog.js';
import { parseServiceDefinition } from '../../../src/sources/catalog/service-definition.js';
import { parseConfigFile } from '../../../src/sources/file/parse-config-file.js';
import { createMemoryStore } from '../../../src/sources/store/memory-store.js';
import { createProxyManager } from '../../../src/pipelines/proxy/proxy-manager.js';
import { checkResource } from '../../../src/pipelines/validate/check-resource.js';
import { formatViolations } from '../../../src/pipelines/validate/violation.js';
import { meshOf } from '../proxy/mesh-state.js';

const file = new URL('../../../examples/mesh.yaml', import.meta.url);
const parsed = parseConfigFile(readFileSync(file, 'utf8'), 'examples/mesh.yaml', { parseService: parseServiceDefinition });

async function configOf(nodeId: string, targets?: string[]): Promise<Snapshot> {
  assert.ok(parsed.ok, 'the example parses');
  if (!parsed.ok) throw new Error('unreachable');
  const store = createMemoryStore(meshOf(parsed.content.services, parsed.content.configEntries));
  const invalid: string[] = [];
  const manager = createProxyManager({
    catalog: createCatalog(store, { keepAliveMs: 0 }),
    encoder: new ResourceEncoder(),
    scheduler: asyncScheduler,
    debounceMs: 0,
    debounceMaxMs: 0,
    graceMs: 0,
    trustDomain: 'rxds.example',
    logger: silentLogger,
    maxSnapshotsPerSecond: Infinity,
    onInvalidResource: (i) => invalid.push(`${i.resource.name}: ${formatViolations(i.violations)}`),
  });
  const subscriptions$ = targets ? of(new Map([[TypeUrl.Listener, targets]])) : undefined;
  const snap = await firstValueFrom(manager.snapshots(create(NodeSchema, { id: nodeId }), { streamId: '1', ...(subscriptions$ ? { subscriptions$ } : {}) }));
  await store.close();
  assert.deepEqual(invalid, []);
  for (const rs of snap.values()) for (const r of rs.values()) assert.equal(formatViolations(checkResource(r)), '', `${r.typeUrl} ${r.name}`);
  return snap;
}

const names = (s: Snapshot, t: string) => [...(s.get(t)?.keys() ?? [])].sort();
const V1 = 'v1.backend.default.dc1.internal.rxds.example';
const V2 = 'v2.backend.default.dc1.internal.rxds.example';

test('the frontend sidecar of the example gets its whole configuration, all of it valid', async () => {
  const s = await configOf('frontend-1-sidecar-proxy');
  assert.deepEqual(names(s, TypeUrl.Listener), ['backend:127.0.0.1:9191', 'public_listener:127.0.0.1:21000']);
  assert.deepEqual(names(s, TypeUrl.Cluster), ['local_app', V1, V2]);
  assert.deepEqual(names(s, TypeUrl.ClusterLoadAssignment), [V1, V2]);
  assert.deepEqual(names(s, TypeUrl.RouteConfiguration), ['backend']);
  const route = s.get(TypeUrl.RouteConfiguration)!.get('backend')!.message as RouteConfiguration;
  const action = route.virtualHosts[0]!.routes[0]!.action;
  assert.ok(action.case === 'route' && action.value.clusterSpecifier.case === 'weightedClusters');
  if (action.case === 'route' && action.value.clusterSpecifier.case === 'weightedClusters') {
    assert.deepEqual(action.value.clusterSpecifier.value.clusters.map((c) => [c.name, c.weight]), [[V1, 9000], [V2, 1000]]);
  }
  // Traffic goes to the backends' sidecars (mTLS), not to the backends themselves.
  const port = (name: string) => {
    const cla = s.get(TypeUrl.ClusterLoadAssignment)!.get(name)!.message as ClusterLoadAssignment;
    const e = cla.endpoints[0]!.lbEndpoints[0]!.hostIdentifier;
    return e.case === 'endpoint' && e.value.address?.address.case === 'socketAddress' ? e.value.address.address.value.portSpecifier.value : undefined;
  };
  assert.equal(port(V1), 21001);
  assert.equal(port(V2), 21002);
});

test('the backend sidecars of the example get their public listener and local_app', async () => {
  const s = await configOf('backend-1-sidecar-proxy');
  assert.deepEqual(names(s, TypeUrl.Listener), ['public_listener:127.0.0.1:21001']);
  assert.deepEqual(names(s, TypeUrl.Cluster), ['local_app']);
});

test('a proxyless client of the example dialling xds:///backend gets LDS, RDS, CDS and EDS, all valid', async () => {
  const s = await configOf('my-client', ['backend']);
  assert.deepEqual(names(s, TypeUrl.Listener), ['backend']);
  assert.deepEqual(names(s, TypeUrl.RouteConfiguration), ['backend']);
  assert.deepEqual(names(s, TypeUrl.Cluster), [V1, V2]);
  assert.deepEqual(names(s, TypeUrl.ClusterLoadAssignment), [V1, V2]);
});
