// Table tests of the generators' rules that goldens show only by example: endpoint health and weights,
// failover priorities, load balancer mapping for proxyless clients, intentions as RBAC, proxy Config parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster_LbPolicy } from '../../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { RBAC_Action } from '../../../src/gen/envoy/config/rbac/v3/rbac_pb.js';
import { RBACSchema } from '../../../src/gen/envoy/extensions/filters/network/rbac/v3/rbac_pb.js';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { compileChain } from '../../../src/pipelines/chain/compile-chain.js';
import type { CompiledChain, ResolverNode } from '../../../src/pipelines/chain/compiled-chain.js';
import type { ConfigEntry } from '../../../src/sources/config-entries/config-entry.js';
import type { ServiceIntentionsEntry } from '../../../src/sources/config-entries/service-intentions.js';
import type { CheckRecord, ServiceRecord } from '../../../src/sources/store/catalog-state.js';
import { asChecks, targetService, type EndpointInstance } from '../../../src/pipelines/generate/generation-input.js';
import { buildLoadAssignment } from '../../../src/pipelines/generate/load-assignment.js';
import { buildUpstreamCluster } from '../../../src/pipelines/generate/upstream-cluster.js';
import { intentionsRbac } from '../../../src/pipelines/generate/intentions-rbac.js';
import { parseProxyConfig } from '../../../src/pipelines/generate/proxy-config.js';

function chainOf(service: string, entries: Record<string, unknown>[] = []): CompiledChain {
  const m = new Map<string, ConfigEntry>();
  for (const e of entries) m.set(`${e['Kind']}/${e['Name']}`, e as unknown as ConfigEntry);
  return compileChain({ serviceName: service, trustDomain: 'td', entries: m });
}

function resolverOf(chain: CompiledChain): ResolverNode {
  const r = Object.values(chain.nodes).find((n): n is ResolverNode => n.type === 'resolver' && chain.targets[n.target]!.service === chain.serviceName);
  assert.ok(r);
  return r;
}

let nextPort = 1000;
function inst(service: string, status: CheckRecord['Status'] | 'none', opts: { weights?: { Passing: number; Warning: number }; meta?: Record<string, string>; port?: number } = {}): EndpointInstance {
  const port = opts.port ?? nextPort++;
  const record = { ID: `${service}-${port}`, Service: service, Kind: '', Tags: [], Meta: opts.meta ?? {}, Address: '10.0.0.1', Port: port, Weights: opts.weights ?? { Passing: 1, Warning: 1 } } as unknown as ServiceRecord;
  const checks = status === 'none' ? [] : [{ CheckID: `service:${record.ID}`, Status: status } as unknown as CheckRecord];
  return { Service: record, Checks: asChecks(checks), address: '10.0.0.1', port };
}

const ports = (cla: ReturnType<typeof buildLoadAssignment>) =>
  cla.endpoints.map((l) =>
    l.lbEndpoints
      .map((e) => {
        const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
        return `${a?.case === 'socketAddress' ? a.value.portSpecifier.value : '?'}*${e.loadBalancingWeight}`;
      })
      .join(',') + `@p${l.priority}/w${l.loadBalancingWeight}`,
  );

test('endpoints: passing weighs Weights.Passing, warning Weights.Warning, critical and weight-0 instances are left out', () => {
  const chain = chainOf('api');
  const cla = buildLoadAssignment(resolverOf(chain), chain.targets, {
    api: [
      inst('api', 'passing', { weights: { Passing: 5, Warning: 2 }, port: 1 }),
      inst('api', 'warning', { weights: { Passing: 5, Warning: 2 }, port: 2 }),
      inst('api', 'critical', { port: 3 }),
      inst('api', 'warning', { weights: { Passing: 5, Warning: 0 }, port: 4 }),
      inst('api', 'none', { weights: { Passing: 500, Warning: 1 }, port: 5 }),
    ],
  });
  assert.deepEqual(ports(cla), ['1*5,2*2,5*128@p0/w1'], 'sorted by address, weights capped at 128, every locality weighted');
});

test('endpoints: an OnlyPassing subset leaves warning instances out; its Filter selects by meta', () => {
  const chain = chainOf('api', [
    { Kind: 'service-resolver', Name: 'api', DefaultSubset: 'v2', Subsets: { v2: { Filter: 'Service.Meta.version == v2', OnlyPassing: true } } },
  ]);
  const cla = buildLoadAssignment(resolverOf(chain), chain.targets, {
    api: [
      inst('api', 'passing', { meta: { version: 'v2' }, port: 1 }),
      inst('api', 'warning', { meta: { version: 'v2' }, port: 2 }),
      inst('api', 'passing', { meta: { version: 'v1' }, port: 3 }),
    ],
  });
  assert.deepEqual(ports(cla), ['1*1@p0/w1']);
  assert.equal(cla.clusterName, 'v2.api.default.dc1.internal.td');
});

test('endpoints: failover targets follow at the next priorities; an empty primary leaves the failover at priority 0', () => {
  const chain = chainOf('api', [{ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Targets: [{ Service: 'api-b' }, { Service: 'api-c' }] } } }]);
  const r = resolverOf(chain);
  const both = buildLoadAssignment(r, chain.targets, { api: [inst('api', 'passing', { port: 1 })], 'api-b': [inst('api-b', 'passing', { port: 2 })], 'api-c': [inst('api-c', 'passing', { port: 3 })] });
  assert.deepEqual(ports(both), ['1*1@p0/w1', '2*1@p1/w1', '3*1@p2/w1']);
  const primaryDown = buildLoadAssignment(r, chain.targets, { api: [inst('api', 'critical', { port: 1 })], 'api-b': [], 'api-c': [inst('api-c', 'passing', { port: 3 })] });
  assert.deepEqual(ports(primaryDown), ['3*1@p0/w1']);
  const allDown = buildLoadAssignment(r, chain.targets, { api: [], 'api-b': [], 'api-c': [] });
  assert.deepEqual(allDown.endpoints, []);
});

test('clusters: proxyless clients get ROUND_ROBIN or RING_HASH only; other policies are mapped and reported', () => {
  for (const [policy, sidecar, proxyless] of [
    ['round_robin', Cluster_LbPolicy.ROUND_ROBIN, Cluster_LbPolicy.ROUND_ROBIN],
    ['ring_hash', Cluster_LbPolicy.RING_HASH, Cluster_LbPolicy.RING_HASH],
    ['least_request', Cluster_LbPolicy.LEAST_REQUEST, Cluster_LbPolicy.ROUND_ROBIN],
    ['maglev', Cluster_LbPolicy.MAGLEV, Cluster_LbPolicy.ROUND_ROBIN],
    ['random', Cluster_LbPolicy.RANDOM, Cluster_LbPolicy.ROUND_ROBIN],
  ] as const) {
    const chain = chainOf('api', [{ Kind: 'service-resolver', Name: 'api', LoadBalancer: { Policy: policy } }]);
    const r = resolverOf(chain);
    const mapped: string[] = [];
    const s = buildUpstreamCluster(r, chain.targets[r.target]!, { flavor: 'sidecar', protocol: 'tcp', localService: 'web' });
    const p = buildUpstreamCluster(r, chain.targets[r.target]!, { flavor: 'proxyless', protocol: 'tcp', onPolicyMapped: (from) => mapped.push(from) });
    assert.equal(s.lbPolicy, sidecar, `sidecar ${policy}`);
    assert.equal(p.lbPolicy, proxyless, `proxyless ${policy}`);
    assert.deepEqual(mapped, proxyless === sidecar ? [] : [policy]);
    assert.equal(p.transportSocket, undefined, 'no TLS for proxyless clients (plaintext xDS here)');
    assert.equal(s.transportSocket?.name, 'envoy.transport_sockets.tls');
  }
});

const intentions = (name: string, sources: Array<{ Name: string; Action?: 'allow' | 'deny'; Permissions?: unknown[] }>) =>
  ({ Kind: 'service-intentions', Name: name, Sources: sources }) as unknown as ServiceIntentionsEntry;

function rbacRules(filter: ReturnType<typeof intentionsRbac>['filter']) {
  if (!filter || filter.configType.case !== 'typedConfig') return undefined;
  return anyUnpack(filter.configType.value, RBACSchema)?.rules;
}

test('intentions: default allow with no deny needs no filter; a deny becomes a DENY policy', () => {
  assert.equal(intentionsRbac('api', [intentions('api', [{ Name: 'web', Action: 'allow' }])], true).filter, undefined);
  const rules = rbacRules(intentionsRbac('api', [intentions('api', [{ Name: 'web', Action: 'deny' }])], true).filter);
  assert.equal(rules?.action, RBAC_Action.DENY);
  assert.equal(Object.keys(rules?.policies ?? {}).length, 1);
});

test('intentions: default deny allows only the allowed sources (none: an empty ALLOW, nobody gets in)', () => {
  const none = rbacRules(intentionsRbac('api', [], false).filter);
  assert.equal(none?.action, RBAC_Action.ALLOW);
  assert.deepEqual(Object.keys(none?.policies ?? {}), []);
  const some = rbacRules(intentionsRbac('api', [intentions('api', [{ Name: 'web', Action: 'allow' }]), intentions('*', [{ Name: 'ops', Action: 'allow' }])], false).filter);
  const principals = Object.values(some?.policies ?? {})[0]?.principals ?? [];
  assert.equal(principals.length, 2);
});

test('intentions: network RBAC (tcp services) lists sources with L7 Permissions as ignored (HTTP RBAC enforces them)', () => {
  const r = intentionsRbac('api', [intentions('api', [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }])], true);
  assert.deepEqual(r.ignored, ['web']);
});

test('proxyless targets: `service` and `service:port` name the service; other colons are part of the name', () => {
  assert.equal(targetService('backend'), 'backend');
  assert.equal(targetService('backend:50051'), 'backend');
  assert.equal(targetService('backend:x'), 'backend:x');
  assert.equal(targetService(':80'), ':80');
});

test('proxy Config: snake_case or PascalCase keys, wrong types ignored', () => {
  assert.deepEqual(parseProxyConfig({ local_connect_timeout_ms: 250, Limits: { MaxConnections: 10, max_pending_requests: 'x' }, passive_health_check: { interval: '5s', max_failures: 3 } }), {
    localConnectTimeoutMs: 250,
    limits: { maxConnections: 10 },
    passiveHealthCheck: { intervalMs: 5000, maxFailures: 3 },
  });
  assert.deepEqual(parseProxyConfig({ limits: 'nope', local_connect_timeout_ms: -1 }), {});
  assert.deepEqual(parseProxyConfig(undefined), {});
});
