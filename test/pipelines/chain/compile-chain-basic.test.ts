// compileChain: plain services, protocol resolution, tcp chains, names (target ids, SNI, SPIFFE), determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledChain } from '../../../src/pipelines/chain/compiled-chain.js';
import { compile, entries, http, versions } from './chain-support.js';

test('a service without entries: one resolver node and one target, the service itself, tcp, 5 s connect timeout', () => {
  const chain = compile('db', new Map());
  const expected: CompiledChain = {
    serviceName: 'db',
    protocol: 'tcp',
    startNode: 'resolver:db.default.default.dc1',
    nodes: {
      'resolver:db.default.default.dc1': {
        type: 'resolver',
        name: 'db.default.default.dc1',
        target: 'db.default.default.dc1',
        failover: [],
        connectTimeoutMs: 5000,
      },
    },
    targets: {
      'db.default.default.dc1': {
        id: 'db.default.default.dc1',
        service: 'db',
        sni: 'db.default.dc1.internal.rxds.local',
        spiffeId: 'spiffe://rxds.local/ns/default/dc/dc1/svc/db',
        onlyPassing: false,
        connectTimeoutMs: 5000,
      },
    },
    dependencies: ['proxy-defaults/global', 'service-defaults/db', 'service-resolver/db'],
    warnings: [],
  };
  assert.deepEqual(chain, expected);
});

const protocolCases: { name: string; raw: Record<string, unknown>[]; expected: string }[] = [
  { name: 'nothing configured', raw: [], expected: 'tcp' },
  { name: 'proxy-defaults Config.protocol', raw: [{ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http2' } }], expected: 'http2' },
  { name: 'proxy-defaults Config.protocol in upper case', raw: [{ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'GRPC' } }], expected: 'grpc' },
  {
    name: 'service-defaults wins over proxy-defaults',
    raw: [{ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, { Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' }],
    expected: 'grpc',
  },
  {
    name: 'service-defaults without Protocol falls back to proxy-defaults',
    raw: [{ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, { Kind: 'service-defaults', Name: 'web', MaxInboundConnections: 5 }],
    expected: 'http',
  },
  { name: 'service-defaults of another service does not count', raw: [{ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }], expected: 'tcp' },
];
for (const c of protocolCases) {
  test(`protocol: ${c.name} -> ${c.expected}`, () => {
    assert.equal(compile('web', entries(...c.raw)).protocol, c.expected);
  });
}

test('protocol: an unknown proxy-defaults Config.protocol is tcp, with a warning', () => {
  const chain = compile('web', entries({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'thrift' } }));
  assert.equal(chain.protocol, 'tcp');
  assert.match(chain.warnings.join('\n'), /Config\.protocol "thrift"/);
});

test('tcp ignores routers and splitters (and does not depend on them); the resolver still applies', () => {
  // Entry validation refuses these for a tcp service; they can still meet, e.g. when service-defaults goes away.
  const set = entries(
    { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/a' } }, Destination: { ServiceSubset: 'v2' } }] },
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] },
    versions('web', { DefaultSubset: 'v1' }),
  );
  const chain = compile('web', set);
  assert.equal(chain.protocol, 'tcp');
  assert.equal(chain.startNode, 'resolver:v1.web.default.default.dc1');
  assert.deepEqual(Object.keys(chain.nodes), ['resolver:v1.web.default.default.dc1']);
  assert.ok(!chain.dependencies.includes('service-router/web'));
  assert.ok(!chain.dependencies.includes('service-splitter/web'));
  // The same entries with http: the router is the start.
  set.set('service-defaults/web', entries(http('web')).get('service-defaults/web')!);
  assert.equal(compile('web', set).startNode, 'router:web.default.default.dc1');
});

test('http without router or splitter: the start node is the resolver', () => {
  const chain = compile('web', entries(http('web')));
  assert.equal(chain.protocol, 'http');
  assert.equal(chain.startNode, 'resolver:web.default.default.dc1');
  assert.deepEqual(Object.keys(chain.nodes), ['resolver:web.default.default.dc1']);
});

const nameCases: { trust: string; subset?: string; id: string; sni: string }[] = [
  { trust: 'rxds.local', id: 'web.default.default.dc1', sni: 'web.default.dc1.internal.rxds.local' },
  { trust: 'rxds.local', subset: 'v2', id: 'v2.web.default.default.dc1', sni: 'v2.web.default.dc1.internal.rxds.local' },
  {
    trust: '11111111-2222-3333-4444-555555555555.consul',
    subset: 'canary',
    id: 'canary.web.default.default.dc1',
    sni: 'canary.web.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul',
  },
];
for (const c of nameCases) {
  test(`names: subset ${c.subset ?? '(none)'}, trust domain ${c.trust} -> ${c.sni}`, () => {
    const set = entries({
      Kind: 'service-resolver',
      Name: 'web',
      ...(c.subset ? { DefaultSubset: c.subset, Subsets: { [c.subset]: { Filter: 'canary in Service.Tags' } } } : {}),
    });
    const chain = compile('web', set, c.trust);
    const target = chain.targets[c.id];
    assert.ok(target, `targets: ${Object.keys(chain.targets).join(', ')}`);
    assert.equal(target.sni, c.sni);
    assert.equal(target.subset, c.subset);
    assert.equal(target.spiffeId, `spiffe://${c.trust}/ns/default/dc/dc1/svc/web`);
    assert.equal(chain.startNode, `resolver:${c.id}`);
  });
}

test('deterministic: the same entries in another order, as fresh objects, give a deeply equal chain', () => {
  const raw = [
    http('web'),
    http('api'),
    { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { PathPrefix: '/api' } }, Destination: { Service: 'api' } }] },
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 70, ServiceSubset: 'v2' }, { Weight: 30, ServiceSubset: 'v1' }] },
    versions('web', { Failover: { '*': { Service: 'api' } } }),
  ];
  const a = compile('web', entries(...raw));
  const b = compile('web', entries(...[...raw].reverse()));
  assert.deepEqual(a, b);
  assert.equal(JSON.stringify(a), JSON.stringify(b), 'same key order too (hashable)');
  assert.deepEqual(Object.keys(a.nodes), [...Object.keys(a.nodes)].sort());
  assert.deepEqual(Object.keys(a.targets), [...Object.keys(a.targets)].sort());
});

test('the chain is frozen: consumers cannot change a shared chain', () => {
  const chain = compile('web', entries(http('web'), versions('web', { DefaultSubset: 'v1' })));
  assert.throws(() => {
    (chain.targets['v1.web.default.default.dc1'] as { connectTimeoutMs: number }).connectTimeoutMs = 1;
  }, TypeError);
});

test('the compiler does not modify its input', () => {
  const set = entries(http('web'), versions('web'), { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, ServiceSubset: 'v1' }] });
  const before = JSON.stringify([...set]);
  compile('web', set);
  assert.equal(JSON.stringify([...set]), before);
  assert.equal(set.size, 3);
});
