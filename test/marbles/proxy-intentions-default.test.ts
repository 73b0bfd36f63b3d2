// Intentions' default as an input that changes (the ACL's default_policy, followed at runtime): a change
// rebuilds the proxies whose inbound RBAC depends on it, sidecars and proxyless gRPC servers, with the RBAC
// flipped, and builds nothing for a proxyless client, whose configuration does not depend on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { map, of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import type { Listener } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RBAC_Action, type RBAC as RbacRules } from '../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBACSchema as HttpRbacSchema } from '../../src/gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { RBACSchema as NetworkRbacSchema } from '../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { silentLogger } from '../../src/core/logger.js';
import { ResourceEncoder } from '../../src/core/resource.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { withProxylessServers } from '../../src/pipelines/proxy/proxyless-servers.js';
import { ResourceGate } from '../../src/pipelines/validate/check-resource.js';
import { DEBOUNCE_MS, endpointsSummary, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh } from '../pipelines/proxy/mesh-state.js';

// api (on 127.0.0.1:7001, with a sidecar) denies web and allows ops; frontend's sidecar has api as upstream.
const state = mesh(
  [
    instance('api', 'api-1', 7001, { Connect: { SidecarService: { Port: 21001 } } }),
    instance('frontend', 'frontend-1', 9001, { Connect: { SidecarService: { Port: 21000, Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: 9191 }] } } } }),
  ],
  [{ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'deny' }, { Name: 'ops', Action: 'allow' }] }],
);
const SERVER = 'grpc/server?xds.resource.listening_address=127.0.0.1:7001';
const FLIP = 10; // default_policy allow -> deny at t=10

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** The RBAC rules of a snapshot's listeners: `listener: ACTION sources` (network or HTTP RBAC), or `listener: none`. */
function rbacSummary(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const r of snapshot.get(TypeUrl.Listener)?.values() ?? []) {
    const l = r.message as Listener;
    const rules: (RbacRules | undefined)[] = [];
    for (const f of l.filterChains.flatMap((c) => c.filters)) {
      if (f.configType.case !== 'typedConfig') continue;
      const any = f.configType.value;
      if (f.name === 'envoy.filters.network.rbac') rules.push(anyUnpack(any, NetworkRbacSchema)!.rules);
      if (f.name === 'envoy.filters.network.http_connection_manager') {
        for (const h of anyUnpack(any, HttpConnectionManagerSchema)!.httpFilters) {
          if (h.name === 'envoy.filters.http.rbac' && h.configType.case === 'typedConfig') rules.push(anyUnpack(h.configType.value, HttpRbacSchema)!.rules);
        }
      }
    }
    if (rules.length === 0 && !l.name.startsWith('public_listener') && l.name !== SERVER) continue; // upstream listeners
    out.push(`${l.name.split(':')[0]!.split('?')[0]}: ${rules.length === 0 ? 'none' : rules.map(describe).join(' + ')}`);
  }
  return out.sort();
}

function describe(rules: RbacRules | undefined): string {
  if (!rules) return 'no rules';
  const sources = Object.values(rules.policies).flatMap((p) =>
    p.principals.map((x) => {
      const m = x.identifier.case === 'authenticated' ? x.identifier.value.principalName?.matchPattern : undefined;
      return m?.case === 'safeRegex' ? m.value.regex.replace(/^.*\/svc\/(.*)\$$/, '$1') : String(x.identifier.case);
    }),
  );
  return `${RBAC_Action[rules.action]} [${sources.sort().join(',')}]`;
}

test("a default change rebuilds a sidecar with its RBAC flipped, and builds nothing for a proxyless client", () => {
  const s = scheduler();
  const built: string[] = [];
  let h: ReturnType<typeof harness> | undefined;
  let subscriptions = -1;
  s.run(({ cold, expectObservable }) => {
    const default$ = cold<boolean>(`a ${FLIP - 1}ms b`, { a: true, b: false });
    s.schedule(() => (subscriptions = default$.subscriptions.length), FLIP + DEBOUNCE_MS + 5);
    h = harness(s, statesAt(s, [[0, state]]), { intentionsDefaultAllow: default$, onSnapshotBuilt: (kind) => built.push(`${kind}@${s.now()}`) });
    expectObservable(h.envoy('api-1-sidecar-proxy').pipe(map(rbacSummary)), `^ ${FLIP + DEBOUNCE_MS + 10}ms !`).toBe(`a ${FLIP + DEBOUNCE_MS - 1}ms b`, {
      a: ['public_listener: DENY [web]'],
      b: ['public_listener: ALLOW [ops]'],
    });
    // frontend's sidecar fronts a service without intentions: allow -> no RBAC; deny -> an ALLOW nobody matches.
    expectObservable(h.envoy('frontend-1-sidecar-proxy').pipe(map(rbacSummary)), `^ ${FLIP + DEBOUNCE_MS + 10}ms !`).toBe(`a ${FLIP + DEBOUNCE_MS - 1}ms b`, {
      a: ['public_listener: none'],
      b: ['public_listener: ALLOW []'],
    });
    expectObservable(h.proxyless('client-of-api', ['api']).pipe(map(endpointsSummary)), `^ ${FLIP + DEBOUNCE_MS + 10}ms !`).toBe('a', { a: 'api=7001*1@p0' });
  });
  assert.equal(subscriptions, 1, 'one subscription to the default for the whole manager, however many proxies follow it');
  const at = FLIP + DEBOUNCE_MS;
  assert.deepEqual(built.sort(), ['proxyless@0', 'sidecar@0', 'sidecar@0', `sidecar@${at}`, `sidecar@${at}`].sort(), 'the client was built once; each sidecar again after the change');
  assert.equal(h!.manager.stats().builds, 5);
});

test('an unchanged default (the same value again) rebuilds nothing; a sidecar waits for the first value', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ cold, expectObservable }) => {
    const default$ = cold<boolean>('---a 9ms a 9ms a', { a: false });
    h = harness(s, statesAt(s, [[0, state]]), { intentionsDefaultAllow: default$ });
    expectObservable(h.envoy('api-1-sidecar-proxy').pipe(map(rbacSummary)), '^ 40ms !').toBe('---a', { a: ['public_listener: ALLOW [ops]'] });
  });
  assert.equal(h!.manager.stats().builds, 1);
});

test("a proxyless gRPC server's listener follows the default; its node's own pipeline builds nothing more", () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ cold, expectObservable }) => {
    const default$ = cold<boolean>(`a ${FLIP - 1}ms b`, { a: true, b: false });
    h = harness(s, statesAt(s, [[0, state]]), { intentionsDefaultAllow: default$ });
    const snapshots = withProxylessServers(h.manager.snapshots, {
      catalog: h.catalog,
      encoder: new ResourceEncoder(),
      gate: new ResourceGate(),
      logger: silentLogger,
      intentionsDefaultAllow: default$,
    });
    const server$: Observable<Snapshot> = snapshots(create(NodeSchema, { id: 'api-server' }), {
      streamId: 's1',
      subscriptions$: of(new Map([[TypeUrl.Listener, [SERVER]]])),
    });
    expectObservable(server$.pipe(map(rbacSummary)), `^ ${FLIP + 10}ms !`).toBe(`a ${FLIP - 1}ms b`, {
      a: ['grpc/server: DENY [web]'],
      b: ['grpc/server: ALLOW [ops]'],
    });
  });
  assert.equal(h!.manager.stats().builds, 1, "the server node's client pipeline was built once; its server listener follows the default on its own");
});
