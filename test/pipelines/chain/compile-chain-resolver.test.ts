// compileChain: service-resolver subsets, default subset, redirect, failover, connect timeout, load balancer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolverNode } from '../../../src/pipelines/chain/compiled-chain.js';
import { compile, entries, http, versions } from './chain-support.js';

const resolver = (name: string, extra: Record<string, unknown>): Record<string, unknown> => ({ Kind: 'service-resolver', Name: name, ...extra });
const start = (service: string, ...raw: Record<string, unknown>[]) => {
  const chain = compile(service, entries(...raw));
  const node = chain.nodes[chain.startNode] as ResolverNode;
  assert.equal(node.type, 'resolver');
  return { chain, node };
};

test('subsets: DefaultSubset picks the target; Filter and OnlyPassing come with it', () => {
  const { chain, node } = start('web', resolver('web', {
    DefaultSubset: 'stable',
    Subsets: { stable: { Filter: 'Service.Meta.version == v1 and not canary in Service.Tags', OnlyPassing: true }, canary: { Filter: 'canary in Service.Tags' } },
  }));
  assert.equal(chain.startNode, 'resolver:stable.web.default.default.dc1');
  assert.equal(node.target, 'stable.web.default.default.dc1');
  assert.deepEqual(chain.targets, {
    'stable.web.default.default.dc1': {
      id: 'stable.web.default.default.dc1',
      service: 'web',
      subset: 'stable',
      sni: 'stable.web.default.dc1.internal.rxds.local',
      spiffeId: 'spiffe://rxds.local/ns/default/dc/dc1/svc/web',
      filter: 'Service.Meta.version == v1 and not canary in Service.Tags',
      onlyPassing: true,
      connectTimeoutMs: 5000,
    },
  });
});

test('subsets: without DefaultSubset the service itself is the target (no filter)', () => {
  const { chain } = start('web', versions('web'));
  assert.deepEqual(Object.keys(chain.targets), ['web.default.default.dc1']);
  assert.equal(chain.targets['web.default.default.dc1']!.filter, undefined);
});

test('subsets: a subset without Filter selects all instances of the service', () => {
  const { chain } = start('web', resolver('web', { DefaultSubset: 'all', Subsets: { all: {} } }));
  assert.equal(chain.targets['all.web.default.default.dc1']!.filter, undefined);
  assert.equal(chain.targets['all.web.default.default.dc1']!.onlyPassing, false);
});

const redirectCases: { name: string; raw: Record<string, unknown>[]; target: string; deps: string[] }[] = [
  {
    name: 'to another service',
    raw: [resolver('web', { Redirect: { Service: 'api' } })],
    target: 'api.default.default.dc1',
    deps: ['service-resolver/api', 'service-resolver/web'],
  },
  {
    name: 'to another service, which then applies its DefaultSubset',
    raw: [resolver('web', { Redirect: { Service: 'api' } }), versions('api', { DefaultSubset: 'v2' })],
    target: 'v2.api.default.default.dc1',
    deps: ['service-resolver/api', 'service-resolver/web'],
  },
  {
    name: 'to a subset of another service',
    raw: [resolver('web', { Redirect: { Service: 'api', ServiceSubset: 'v1' } }), versions('api', { DefaultSubset: 'v2' })],
    target: 'v1.api.default.default.dc1',
    deps: ['service-resolver/api', 'service-resolver/web'],
  },
  {
    name: 'to a subset of its own service',
    raw: [versions('web', { Redirect: { Service: 'web', ServiceSubset: 'v2' } })],
    target: 'v2.web.default.default.dc1',
    deps: ['service-resolver/web'],
  },
  {
    name: 'followed through several resolvers',
    raw: [resolver('web', { Redirect: { Service: 'a' } }), resolver('a', { Redirect: { Service: 'b' } })],
    target: 'b.default.default.dc1',
    deps: ['service-resolver/a', 'service-resolver/b', 'service-resolver/web'],
  },
  {
    name: 'to its own datacenter dc1: nothing changes',
    raw: [resolver('web', { Redirect: { Service: 'web', Datacenter: 'dc1' } })],
    target: 'web.default.default.dc1',
    deps: ['service-resolver/web'],
  },
];
for (const c of redirectCases) {
  test(`redirect: ${c.name}`, () => {
    const { chain, node } = start('web', ...c.raw);
    assert.equal(node.target, c.target);
    assert.deepEqual(Object.keys(chain.targets), [c.target], 'the redirected-from target is not part of the chain');
    assert.deepEqual(chain.dependencies.filter((d) => d.startsWith('service-resolver/')), c.deps);
  });
}

test('redirect: the target\'s connect timeout and load balancer are those of the resolver it ends at', () => {
  const { chain, node } = start(
    'web',
    resolver('web', { Redirect: { Service: 'api' }, ConnectTimeout: '1s', LoadBalancer: { Policy: 'random' } }),
    resolver('api', { ConnectTimeout: '250ms', LoadBalancer: { Policy: 'least_request' } }),
  );
  assert.equal(node.connectTimeoutMs, 250);
  assert.equal(chain.targets['api.default.default.dc1']!.connectTimeoutMs, 250);
  assert.equal(node.loadBalancer?.policy, 'least_request');
});

test('redirect: a loop is a ChainError that shows the loop', () => {
  const set = entries(resolver('web', { Redirect: { Service: 'a' } }), resolver('a', { Redirect: { Service: 'b' } }), resolver('b', { Redirect: { Service: 'a' } }));
  assert.throws(
    () => compile('web', set),
    (e: Error) => e.name === 'ChainError' && /circular resolver redirect: web\.default\.default\.dc1 -> a\.default\.default\.dc1 -> b\.default\.default\.dc1 -> a\.default\.default\.dc1/.test(e.message),
  );
});

test('redirect: to another datacenter is a ChainError (rxds has only dc1)', () => {
  assert.throws(() => compile('web', entries(resolver('web', { Redirect: { Datacenter: 'dc2' } }))), (e: Error) => e.name === 'ChainError' && /datacenter "dc2"/.test(e.message));
});

test('redirect: to a service of another protocol is a ChainError', () => {
  assert.throws(() => compile('web', entries(http('web'), resolver('web', { Redirect: { Service: 'db' } }))), (e: Error) => e.name === 'ChainError' && /inconsistent protocols/.test(e.message));
});

const failoverCases: { name: string; raw: Record<string, unknown>[]; target: string; failover: string[]; warning?: RegExp }[] = [
  {
    name: '"*" to another service',
    raw: [resolver('web', { Failover: { '*': { Service: 'backup' } } })],
    target: 'web.default.default.dc1',
    failover: ['backup.default.default.dc1'],
  },
  {
    name: 'per subset wins over "*"',
    raw: [versions('web', { DefaultSubset: 'v1', Failover: { v1: { ServiceSubset: 'v2' }, '*': { Service: 'backup' } } })],
    target: 'v1.web.default.default.dc1',
    failover: ['v2.web.default.default.dc1'],
  },
  {
    name: '"*" applies to a subset without its own entry',
    raw: [versions('web', { DefaultSubset: 'v2', Failover: { v1: { ServiceSubset: 'v2' }, '*': { Service: 'backup' } } })],
    target: 'v2.web.default.default.dc1',
    failover: ['backup.default.default.dc1'],
  },
  {
    name: 'Targets in order; the failover target\'s DefaultSubset and Redirect apply; duplicates and the primary itself are skipped',
    raw: [
      versions('web', {
        DefaultSubset: 'v1',
        Failover: {
          v1: {
            Targets: [
              { Service: 'b' },
              { ServiceSubset: 'v2' },
              { Service: 'c' },
              { Service: 'web', ServiceSubset: 'v1' },
              { Service: 'b' },
            ],
          },
        },
      }),
      versions('b', { DefaultSubset: 'v2' }),
      resolver('c', { Redirect: { Service: 'd' } }),
    ],
    target: 'v1.web.default.default.dc1',
    failover: ['v2.b.default.default.dc1', 'v2.web.default.default.dc1', 'd.default.default.dc1'],
  },
  {
    name: 'Datacenters: dc1 is the primary itself, other datacenters are skipped with a warning',
    raw: [resolver('web', { Failover: { '*': { Datacenters: ['dc1', 'dc2'] } } })],
    target: 'web.default.default.dc1',
    failover: [],
    warning: /cannot fail over to datacenter "dc2"/,
  },
  {
    name: 'a peer target is skipped with a warning, the others kept',
    raw: [resolver('web', { Failover: { '*': { Targets: [{ Peer: 'other-cluster' }, { Service: 'backup' }] } } })],
    target: 'web.default.default.dc1',
    failover: ['backup.default.default.dc1'],
    warning: /cluster peer "other-cluster"/,
  },
];
for (const c of failoverCases) {
  test(`failover: ${c.name}`, () => {
    const { chain, node } = start('web', ...c.raw);
    assert.equal(node.target, c.target);
    assert.deepEqual(node.failover, c.failover);
    assert.deepEqual(Object.keys(chain.targets), [c.target, ...c.failover].sort(), 'every failover target is a target of the chain');
    assert.deepEqual(Object.keys(chain.nodes), [chain.startNode], 'failover targets have no nodes of their own');
    if (c.warning) assert.match(chain.warnings.join('\n'), c.warning);
    else assert.deepEqual(chain.warnings, []);
  });
}

test('failover: each failover target keeps its own resolver\'s connect timeout and subset filter', () => {
  const { chain } = start('web', resolver('web', { ConnectTimeout: '3s', Failover: { '*': { Service: 'api' } } }), versions('api', { DefaultSubset: 'v1', ConnectTimeout: '800ms' }));
  assert.equal(chain.targets['web.default.default.dc1']!.connectTimeoutMs, 3000);
  assert.equal(chain.targets['v1.api.default.default.dc1']!.connectTimeoutMs, 800);
  assert.equal(chain.targets['v1.api.default.default.dc1']!.filter, 'Service.Meta.version == v1');
});

test('failover: to a service of another protocol is a ChainError', () => {
  assert.throws(
    () => compile('web', entries(http('web'), resolver('web', { Failover: { '*': { Service: 'db' } } }))),
    (e: Error) => e.name === 'ChainError' && /"db" has protocol "tcp"/.test(e.message),
  );
});

const timeoutCases: { raw: unknown; ms: number }[] = [
  { raw: undefined, ms: 5000 },
  { raw: '15s', ms: 15000 },
  { raw: '1m', ms: 60000 },
  { raw: '1500ms', ms: 1500 },
  { raw: 2_000_000_000, ms: 2000 },
  { raw: '0s', ms: 5000 },
];
for (const c of timeoutCases) {
  test(`ConnectTimeout ${JSON.stringify(c.raw)} -> ${c.ms} ms`, () => {
    const { chain, node } = start('web', resolver('web', c.raw === undefined ? {} : { ConnectTimeout: c.raw }));
    assert.equal(node.connectTimeoutMs, c.ms);
    assert.equal(chain.targets['web.default.default.dc1']!.connectTimeoutMs, c.ms);
  });
}

test('RequestTimeout of the resolver is on its node', () => {
  assert.equal(start('web', resolver('web', { RequestTimeout: '45s' })).node.requestTimeoutMs, 45000);
  assert.equal(start('web', resolver('web', {})).node.requestTimeoutMs, undefined);
});

const lbCases: { name: string; lb: Record<string, unknown>; expected: unknown }[] = [
  { name: 'no policy: absent (Envoy default)', lb: {}, expected: undefined },
  { name: 'round_robin', lb: { Policy: 'round_robin' }, expected: { policy: 'round_robin', hashPolicies: [] } },
  { name: 'random', lb: { Policy: 'random' }, expected: { policy: 'random', hashPolicies: [] } },
  {
    name: 'least_request with choice count',
    lb: { Policy: 'least_request', LeastRequestConfig: { ChoiceCount: 4 } },
    expected: { policy: 'least_request', leastRequest: { choiceCount: 4 }, hashPolicies: [] },
  },
  {
    name: 'ring_hash with ring sizes and hash policies',
    lb: {
      Policy: 'ring_hash',
      RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 },
      HashPolicies: [
        { Field: 'header', FieldValue: 'x-user-id', Terminal: true },
        { Field: 'cookie', FieldValue: 'session', CookieConfig: { TTL: '1h', Path: '/' } },
        { SourceIP: true },
      ],
    },
    expected: {
      policy: 'ring_hash',
      ringHash: { minimumRingSize: 1024, maximumRingSize: 8192 },
      hashPolicies: [
        { field: 'header', fieldValue: 'x-user-id', terminal: true },
        { field: 'cookie', fieldValue: 'session', cookieConfig: { ttlMs: 3_600_000, path: '/' } },
        { sourceIp: true },
      ],
    },
  },
  {
    name: 'maglev with a query parameter hash',
    lb: { Policy: 'maglev', HashPolicies: [{ Field: 'query_parameter', FieldValue: 'tenant' }] },
    expected: { policy: 'maglev', hashPolicies: [{ field: 'query_parameter', fieldValue: 'tenant' }] },
  },
];
for (const c of lbCases) {
  test(`load balancer: ${c.name}`, () => {
    assert.deepEqual(start('web', resolver('web', { LoadBalancer: c.lb })).node.loadBalancer, c.expected);
  });
}

test('a subset that no resolver defines is a ChainError naming the resolver', () => {
  const set = entries(http('web'), { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, ServiceSubset: 'v1' }] });
  assert.throws(
    () => compile('web', set),
    (e: Error) => e.name === 'ChainError' && /service "web" does not have a subset named "v1" \(service-resolver\/web \(absent\)\)/.test(e.message),
  );
});

test('a subset named like an Object property ("constructor") is not found on the prototype', () => {
  const set = entries(http('web'), versions('web'), { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, ServiceSubset: 'constructor' }] });
  assert.throws(() => compile('web', set), (e: Error) => e.name === 'ChainError' && /subset named "constructor"/.test(e.message));
});
