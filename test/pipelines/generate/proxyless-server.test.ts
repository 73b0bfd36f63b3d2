// Proxyless gRPC servers and mTLS through the pipeline: a node subscribing to a grpc-js-xds server listener
// name gets the Listener of the service registered at that address, with its intentions as HTTP RBAC, and
// with mTLS opted in its listener requires client certificates and its clusters dial over TLS. Every
// resource is checked against the PGV gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { asyncScheduler, BehaviorSubject, filter, firstValueFrom, type Observable } from 'rxjs';
import { NodeSchema } from '../../../src/gen/envoy/config/core/v3/base_pb.js';
import type { Cluster } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Listener } from '../../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RBAC_Action } from '../../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBACSchema as HttpRbacSchema, type RBAC } from '../../../src/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { HttpConnectionManagerSchema } from '../../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from '../../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { silentLogger } from '../../../src/core/logger.js';
import { ResourceEncoder } from '../../../src/core/resource.js';
import type { Snapshot } from '../../../src/core/snapshot.js';
import { TypeUrl } from '../../../src/core/type-urls.js';
import { createCatalog } from '../../../src/sources/catalog/catalog.js';
import { createMemoryStore } from '../../../src/sources/store/memory-store.js';
import { API_OWNER } from '../../../src/sources/store/catalog-state.js';
import { serverListenerAddress } from '../../../src/pipelines/generate/proxyless-server.js';
import { createProxyManager } from '../../../src/pipelines/proxy/proxy-manager.js';
import { withProxylessServers } from '../../../src/pipelines/proxy/proxyless-servers.js';
import { checkResource, ResourceGate } from '../../../src/pipelines/validate/check-resource.js';
import { formatViolations } from '../../../src/pipelines/validate/violation.js';
import { instance, mesh } from '../proxy/mesh-state.js';

const SERVER = 'grpc/server?xds.resource.listening_address=127.0.0.1:50051';

interface Rig {
  next(pred: (s: Snapshot) => boolean): Promise<Snapshot>;
  intentions(sources: { Name: string; Action: 'allow' | 'deny' }[]): Promise<void>;
  invalid: string[];
  close(): Promise<void>;
}

async function rig(opts: { mtls?: boolean; defaultAllow?: boolean; listeners?: string[] } = {}): Promise<Rig> {
  const store = createMemoryStore(
    mesh([instance('backend', 'backend-1', 50051), instance('frontend', 'frontend-1', 50052)], [{ Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' }]),
  );
  const catalog = createCatalog(store, { keepAliveMs: 0 });
  const encoder = new ResourceEncoder();
  const gate = new ResourceGate();
  const invalid: string[] = [];
  const onInvalidResource = (i: { resource: { name: string }; violations: Parameters<typeof formatViolations>[0] }) => invalid.push(`${i.resource.name}: ${formatViolations(i.violations)}`);
  const manager = createProxyManager({
    catalog,
    encoder,
    gate,
    scheduler: asyncScheduler,
    debounceMs: 0,
    debounceMaxMs: 0,
    graceMs: 0,
    trustDomain: 'rxds.test',
    logger: silentLogger,
    maxSnapshotsPerSecond: Infinity,
    intentionsDefaultAllow: opts.defaultAllow ?? true,
    onInvalidResource,
  });
  const snapshots = withProxylessServers(manager.snapshots, { catalog, encoder, gate, logger: silentLogger, intentionsDefaultAllow: opts.defaultAllow ?? true, onInvalidResource });
  const node = create(NodeSchema, { id: 'node-1', ...(opts.mtls ? { metadata: { RXDS_MTLS: 'true' } } : {}) });
  const subscriptions$ = new BehaviorSubject(new Map<string, readonly string[] | '*'>([[TypeUrl.Listener, opts.listeners ?? [SERVER]]]));
  const latest = new BehaviorSubject<Snapshot | undefined>(undefined);
  const stream$: Observable<Snapshot> = snapshots(node, { streamId: '1', subscriptions$ });
  const sub = stream$.subscribe((s) => latest.next(s));
  return {
    invalid,
    next: (pred) => firstValueFrom(latest.pipe(filter((s): s is Snapshot => s !== undefined && pred(s)))),
    intentions: async (sources) => {
      await store.write([{ type: 'config-put', entry: { Kind: 'service-intentions', Name: 'backend', Entry: { Kind: 'service-intentions', Name: 'backend', Sources: sources }, Owner: API_OWNER } }]);
    },
    close: async () => {
      sub.unsubscribe();
      await store.close();
    },
  };
}

function listenerOf(s: Snapshot): Listener | undefined {
  return s.get(TypeUrl.Listener)?.get(SERVER)?.message as Listener | undefined;
}

function allValid(s: Snapshot): void {
  for (const rs of s.values()) for (const r of rs.values()) assert.equal(formatViolations(checkResource(r)), '', `${r.typeUrl} ${r.name}`);
}

function rbacOf(l: Listener): RBAC {
  const f = l.filterChains[0]!.filters[0]!;
  assert.equal(f.configType.case, 'typedConfig');
  const hcm = anyUnpack(f.configType.value as never, HttpConnectionManagerSchema)!;
  assert.deepEqual(hcm.httpFilters.map((h) => h.name), ['envoy.filters.http.rbac', 'envoy.filters.http.router']);
  assert.equal(hcm.routeSpecifier.case, 'routeConfig');
  if (hcm.routeSpecifier.case === 'routeConfig') assert.equal(hcm.routeSpecifier.value.virtualHosts[0]!.routes[0]!.action.case, 'nonForwardingAction');
  const rbacFilter = hcm.httpFilters[0]!;
  return anyUnpack(rbacFilter.configType.value as never, HttpRbacSchema)!;
}

const principals = (r: RBAC) =>
  Object.values(r.rules?.policies ?? {}).flatMap((p) => p.principals.map((x) => {
      if (x.identifier.case !== 'authenticated') return x.identifier.case;
      const m = x.identifier.value.principalName?.matchPattern;
      return m?.case === 'safeRegex' ? m.value.regex : m?.value;
    }));

test('a server listener name carries the address it listens on; client targets carry none', () => {
  assert.deepEqual(serverListenerAddress(SERVER), { address: '127.0.0.1', port: 50051 });
  assert.deepEqual(serverListenerAddress('grpc/server?xds.resource.listening_address=%5B%3A%3A1%5D%3A443'), { address: '::1', port: 443 });
  assert.equal(serverListenerAddress('backend:50051'), undefined);
  assert.equal(serverListenerAddress('grpc/server?xds.resource.listening_address=127.0.0.1'), undefined);
  assert.equal(serverListenerAddress('grpc/server?xds.resource.listening_address=127.0.0.1:0'), undefined);
  assert.equal(serverListenerAddress('grpc/server?xds.resource.listening_address=%E0%A4%A'), undefined);
});

test('a server gets the listener of the service at its address, with intentions as HTTP RBAC that follow changes', async () => {
  const r = await rig();
  try {
    let s = await r.next((x) => listenerOf(x) !== undefined);
    allValid(s);
    const l = listenerOf(s)!;
    assert.equal(l.address?.address.case, 'socketAddress');
    if (l.address?.address.case === 'socketAddress') assert.deepEqual([l.address.address.value.address, l.address.address.value.portSpecifier.value], ['127.0.0.1', 50051]);
    assert.equal(l.filterChains[0]!.transportSocket, undefined, 'no mTLS unless the node opts in');
    let rbac = rbacOf(l);
    assert.equal(rbac.rules?.action, RBAC_Action.DENY);
    assert.deepEqual(principals(rbac), [], 'default allow and no intention: nobody denied');

    await r.intentions([{ Name: 'frontend', Action: 'deny' }]);
    s = await r.next((x) => principals(rbacOf(listenerOf(x)!)).length > 0);
    allValid(s);
    rbac = rbacOf(listenerOf(s)!);
    assert.equal(rbac.rules?.action, RBAC_Action.DENY);
    assert.deepEqual(principals(rbac), ['^spiffe://[^/]+/ns/default/dc/[^/]+/svc/frontend$']);

    // Precedence as Consul: the exact source beats the wildcard.
    await r.intentions([{ Name: 'frontend', Action: 'allow' }, { Name: '*', Action: 'deny' }]);
    s = await r.next((x) => principals(rbacOf(listenerOf(x)!)).includes('andIds'));
    allValid(s);
    assert.deepEqual(r.invalid, []);
  } finally {
    await r.close();
  }
});

test('with default deny a server allows only the sources with an allow intention', async () => {
  const r = await rig({ defaultAllow: false });
  try {
    let s = await r.next((x) => listenerOf(x) !== undefined);
    let rbac = rbacOf(listenerOf(s)!);
    assert.equal(rbac.rules?.action, RBAC_Action.ALLOW);
    assert.deepEqual(principals(rbac), [], 'nobody allowed');
    await r.intentions([{ Name: 'frontend', Action: 'allow' }]);
    s = await r.next((x) => principals(rbacOf(listenerOf(x)!)).length > 0);
    allValid(s);
    rbac = rbacOf(listenerOf(s)!);
    assert.equal(rbac.rules?.action, RBAC_Action.ALLOW);
    assert.deepEqual(principals(rbac), ['^spiffe://[^/]+/ns/default/dc/[^/]+/svc/frontend$']);
  } finally {
    await r.close();
  }
});

test('a listener at an address where nothing is registered serves with the default policy only', async () => {
  const other = 'grpc/server?xds.resource.listening_address=127.0.0.1:59999';
  const r = await rig({ defaultAllow: false, listeners: [other] });
  try {
    const s = await r.next((x) => x.get(TypeUrl.Listener)?.has(other) === true);
    allValid(s);
    const l = s.get(TypeUrl.Listener)!.get(other)!.message as Listener;
    const rbac = rbacOf(l);
    assert.equal(rbac.rules?.action, RBAC_Action.ALLOW);
    assert.deepEqual(principals(rbac), []);
  } finally {
    await r.close();
  }
});

test('mTLS opted in by node metadata: the server requires client certificates and clusters dial over TLS, from provider instance rxds', async () => {
  const r = await rig({ mtls: true, listeners: [SERVER, 'backend'] });
  try {
    const s = await r.next((x) => listenerOf(x) !== undefined && (x.get(TypeUrl.Cluster)?.size ?? 0) > 0);
    allValid(s);
    assert.deepEqual(r.invalid, []);
    const ts = listenerOf(s)!.filterChains[0]!.transportSocket!;
    assert.equal(ts.name, 'envoy.transport_sockets.tls');
    const down = anyUnpack(ts.configType.value as never, DownstreamTlsContextSchema)!;
    assert.equal(down.requireClientCertificate, true);
    assert.equal(down.commonTlsContext?.tlsCertificateProviderInstance?.instanceName, 'rxds');
    const vc = down.commonTlsContext?.validationContextType;
    assert.ok(vc?.case === 'validationContext' && vc.value.caCertificateProviderInstance?.instanceName === 'rxds');
    for (const c of s.get(TypeUrl.Cluster)!.values()) {
      const cluster = c.message as Cluster;
      const up = anyUnpack(cluster.transportSocket!.configType.value as never, UpstreamTlsContextSchema)!;
      assert.equal(up.commonTlsContext?.tlsCertificateProviderInstance?.instanceName, 'rxds');
      const uvc = up.commonTlsContext?.validationContextType;
      assert.ok(uvc?.case === 'validationContext', 'a validation context gRPC accepts (no SDS)');
      if (uvc?.case === 'validationContext') {
        assert.equal(uvc.value.caCertificateProviderInstance?.instanceName, 'rxds');
        // gRPC checks the server's name only by these matchers (else the endpoint's IP, which leaves lack).
        assert.deepEqual(uvc.value.matchSubjectAltNames.map((m) => [m.matchPattern.case, m.matchPattern.value]), [['prefix', 'spiffe://rxds.test/']]);
      }
    }
    // The client's API listener for `backend` is still there.
    assert.ok(s.get(TypeUrl.Listener)!.has('backend'));
  } finally {
    await r.close();
  }
});

test('without the opt-in a client cluster has no TLS', async () => {
  const r = await rig({ listeners: ['backend'] });
  try {
    const s = await r.next((x) => (x.get(TypeUrl.Cluster)?.size ?? 0) > 0);
    for (const c of s.get(TypeUrl.Cluster)!.values()) assert.equal((c.message as Cluster).transportSocket, undefined);
  } finally {
    await r.close();
  }
});
