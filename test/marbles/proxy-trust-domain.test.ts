// The mesh's trust domain as an input that changes (the CA's, followed at runtime when another replica rotates
// the store's CA state to a new one): a change recompiles the chains, so every proxy with upstreams is rebuilt
// with the new cluster names, SNI and SANs (sidecars and proxyless clients, whose mTLS SAN prefix follows),
// and a proxy whose configuration does not embed it (a sidecar without upstreams) builds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { map, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import type { Cluster } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { TcpProxySchema } from '../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { UpstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { silentLogger } from '../../src/core/logger.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import type { Subscriptions } from '../../src/pipelines/proxy/node-targets.js';
import { withProxylessServers } from '../../src/pipelines/proxy/proxyless-servers.js';
import { ResourceGate } from '../../src/pipelines/validate/check-resource.js';
import { DEBOUNCE_MS, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh } from '../pipelines/proxy/mesh-state.js';

// api (with a sidecar, no upstreams) and frontend, whose sidecar has api as upstream (tcp).
const state = mesh([
  instance('api', 'api-1', 7001, { Connect: { SidecarService: { Port: 21001 } } }),
  instance('frontend', 'frontend-1', 9001, { Connect: { SidecarService: { Port: 21000, Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }] } } } }),
]);
const CHANGE = 10; // the CA's trust domain one.test -> two.test at t=10
const AFTER = CHANGE + DEBOUNCE_MS; // a change is built once the debounce has passed
const END = `^ ${AFTER + 10}ms !`;

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/**
 * Everything in a snapshot that names a cluster or a peer: each cluster with the SNI and SAN its TLS sends and
 * expects, each load assignment's cluster, each listener's TCP proxy cluster.
 */
function names(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const r of snapshot.get(TypeUrl.Cluster)?.values() ?? []) {
    const c = r.message as Cluster;
    const socket = c.transportSocket?.configType;
    const tls = socket?.case === 'typedConfig' ? anyUnpack(socket.value, UpstreamTlsContextSchema) : undefined;
    const v = tls?.commonTlsContext?.validationContextType;
    const matchers =
      v?.case === 'combinedValidationContext'
        ? (v.value.defaultValidationContext?.matchTypedSubjectAltNames ?? []).map((m) => m.matcher)
        : v?.case === 'validationContext'
          ? v.value.matchSubjectAltNames
          : [];
    const san = matchers.map((m) => `${m?.matchPattern.case}:${String(m?.matchPattern.value)}`).join(',');
    out.push(`cds ${c.name}${tls ? ` sni=${tls.sni} san=${san}` : ''}`);
  }
  for (const r of snapshot.get(TypeUrl.ClusterLoadAssignment)?.values() ?? []) out.push(`eds ${(r.message as ClusterLoadAssignment).clusterName}`);
  for (const r of snapshot.get(TypeUrl.Listener)?.values() ?? []) {
    const l = r.message as Listener;
    for (const f of l.filterChains.flatMap((ch) => ch.filters)) {
      if (f.name !== 'envoy.filters.network.tcp_proxy' || f.configType.case !== 'typedConfig') continue;
      const tcp = anyUnpack(f.configType.value, TcpProxySchema)!;
      out.push(`lds ${l.name} -> ${String(tcp.clusterSpecifier.value)}`);
    }
  }
  return out.sort();
}

const frontendAt = (td: string) => [
  `cds api.default.dc1.internal.${td} sni=api.default.dc1.internal.${td} san=exact:spiffe://${td}/ns/default/dc/dc1/svc/api`,
  'cds local_app',
  `eds api.default.dc1.internal.${td}`,
  `lds api:127.0.0.1:9191 -> api.default.dc1.internal.${td}`,
  'lds public_listener:127.0.0.1:21000 -> local_app',
];
const API_SIDECAR = ['cds local_app', 'lds public_listener:127.0.0.1:21001 -> local_app'];

test('a trust-domain change rebuilds a sidecar with upstreams (cluster names, SNI, SAN) and a proxyless client; a sidecar without upstreams builds nothing', () => {
  const s = scheduler();
  const built: string[] = [];
  let h: ReturnType<typeof harness> | undefined;
  let subscriptions = -1;
  s.run(({ cold, expectObservable }) => {
    const trustDomain$ = cold<string>(`a ${CHANGE - 1}ms b`, { a: 'one.test', b: 'two.test' });
    s.schedule(() => (subscriptions = trustDomain$.subscriptions.length), AFTER + 5);
    h = harness(s, statesAt(s, [[0, state]]), { trustDomain: trustDomain$, onSnapshotBuilt: (kind) => built.push(`${kind}@${s.now()}`) });
    expectObservable(h.envoy('frontend-1-sidecar-proxy').pipe(map(names)), END).toBe(`a ${AFTER - 1}ms b`, { a: frontendAt('one.test'), b: frontendAt('two.test') });
    expectObservable(h.envoy('api-1-sidecar-proxy').pipe(map(names)), END).toBe('a', { a: API_SIDECAR });
    expectObservable(h.proxyless('client-of-api', ['api']).pipe(map(names)), END).toBe(`a ${AFTER - 1}ms b`, {
      a: ['cds api.default.dc1.internal.one.test', 'eds api.default.dc1.internal.one.test'],
      b: ['cds api.default.dc1.internal.two.test', 'eds api.default.dc1.internal.two.test'],
    });
  });
  assert.equal(subscriptions, 1, 'one subscription to the trust domain for the whole manager, however many chains follow it');
  assert.deepEqual(
    built.sort(),
    ['proxyless@0', 'sidecar@0', 'sidecar@0', `proxyless@${AFTER}`, `sidecar@${AFTER}`].sort(),
    'the sidecar without upstreams was built once; the sidecar with upstreams and the client again after the change',
  );
  assert.equal(h!.manager.stats().builds, 5);
});

test('the same trust domain again rebuilds nothing; proxies with upstreams wait for its first value', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ cold, expectObservable }) => {
    const trustDomain$ = cold<string>('---a 9ms a 9ms a', { a: 'one.test' });
    h = harness(s, statesAt(s, [[0, state]]), { trustDomain: trustDomain$ });
    expectObservable(h.envoy('frontend-1-sidecar-proxy').pipe(map(names)), '^ 40ms !').toBe('---a', { a: frontendAt('one.test') });
    expectObservable(h.proxyless('client-of-api', ['api']).pipe(map(names)), '^ 40ms !').toBe('---a', {
      a: ['cds api.default.dc1.internal.one.test', 'eds api.default.dc1.internal.one.test'],
    });
  });
  assert.equal(h!.manager.stats().builds, 2);
});

test("a proxyless mTLS client's clusters expect the new trust domain's SAN prefix", () => {
  const s = scheduler();
  s.run(({ cold, expectObservable }) => {
    const trustDomain$ = cold<string>(`a ${CHANGE - 1}ms b`, { a: 'one.test', b: 'two.test' });
    const h = harness(s, statesAt(s, [[0, state]]), { trustDomain: trustDomain$ });
    const snapshots = withProxylessServers(h.manager.snapshots, { catalog: h.catalog, encoder: new ResourceEncoder(), gate: new ResourceGate(), logger: silentLogger });
    const node = create(NodeSchema, { id: 'mtls-client', metadata: { RXDS_MTLS: 'true' } });
    const client$: Observable<Snapshot> = snapshots(node, { streamId: 's1', subscriptions$: of(new Map([[TypeUrl.Listener, ['api']]])) });
    const at = (td: string) => [`cds api.default.dc1.internal.${td} sni= san=prefix:spiffe://${td}/`, `eds api.default.dc1.internal.${td}`];
    expectObservable(client$.pipe(map(names)), END).toBe(`a ${AFTER - 1}ms b`, { a: at('one.test'), b: at('two.test') });
  });
});

test('a cluster a proxyless client subscribes to by name is kept only if it is named for the trust domain in force', () => {
  // backend's default subset v1 is what the route names; the client also holds v2 (named for two.test).
  const subsets = mesh(
    [instance('backend', 'b1', 7001, { Meta: { version: 'v1' } }), instance('backend', 'b2', 7002, { Meta: { version: 'v2' } })],
    [
      { Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' },
      { Kind: 'service-resolver', Name: 'backend', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } },
    ],
  );
  const V2 = 'v2.backend.default.dc1.internal.two.test';
  const s = scheduler();
  s.run(({ cold, expectObservable }) => {
    const trustDomain$ = cold<string>(`a ${CHANGE - 1}ms b`, { a: 'one.test', b: 'two.test' });
    const h = harness(s, statesAt(s, [[0, subsets]]), { trustDomain: trustDomain$ });
    const subscriptions: Subscriptions = new Map([
      [TypeUrl.Listener, ['backend']],
      [TypeUrl.Cluster, [V2]],
      [TypeUrl.ClusterLoadAssignment, [V2]],
    ]);
    const client$ = h.manager.snapshots(create(NodeSchema, { id: 'frontend' }), { streamId: 's1', subscriptions$: of(subscriptions) });
    const cds = (snapshot: Snapshot) => [...(snapshot.get(TypeUrl.Cluster)?.keys() ?? [])].sort();
    expectObservable(client$.pipe(map(cds)), END).toBe(`a ${AFTER - 1}ms b`, {
      a: ['v1.backend.default.dc1.internal.one.test'],
      b: [V2, 'v1.backend.default.dc1.internal.two.test'].sort(),
    });
  });
});
