// compileChain: service-splitter weights, nested splitters (flattened), splits to the service itself, cycles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SplitterNode } from '../../../src/pipelines/chain/compiled-chain.js';
import { compile, entries, http, leadsTo, versions } from './chain-support.js';

const splitter = (name: string, splits: Record<string, unknown>[]): Record<string, unknown> => ({ Kind: 'service-splitter', Name: name, Splits: splits });

test('split 90/10 between two subsets: the start node is the splitter, each split a resolver of its subset', () => {
  const chain = compile('web', entries(http('web'), versions('web'), splitter('web', [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }])));
  assert.equal(chain.startNode, 'splitter:web.default.default.dc1');
  assert.deepEqual(chain.nodes['splitter:web.default.default.dc1'], {
    type: 'splitter',
    name: 'web',
    splits: [
      { weight: 90, next: 'resolver:v1.web.default.default.dc1' },
      { weight: 10, next: 'resolver:v2.web.default.default.dc1' },
    ],
  });
  assert.deepEqual(Object.keys(chain.targets), ['v1.web.default.default.dc1', 'v2.web.default.default.dc1']);
  assert.equal(chain.targets['v2.web.default.default.dc1']!.filter, 'Service.Meta.version == v2');
});

const cases: { name: string; raw: Record<string, unknown>[]; expected: string[] }[] = [
  {
    name: 'nested splitter flattens, weights multiplied',
    raw: [
      http('web'), http('api'), versions('api'),
      splitter('web', [{ Weight: 50 }, { Weight: 50, Service: 'api' }]),
      splitter('api', [{ Weight: 25, ServiceSubset: 'v1' }, { Weight: 75, ServiceSubset: 'v2' }]),
    ],
    expected: ['50% web.default.default.dc1', '12.5% v1.api.default.default.dc1', '37.5% v2.api.default.default.dc1'],
  },
  {
    name: 'two levels of nesting',
    raw: [
      http('web'), http('a'), http('b'), http('c'),
      splitter('web', [{ Weight: 10, Service: 'a' }, { Weight: 90, Service: 'c' }]),
      splitter('a', [{ Weight: 50, Service: 'b' }, { Weight: 50, Service: 'c' }]),
      splitter('b', [{ Weight: 20, Service: 'c' }, { Weight: 80 }]),
    ],
    // c: 10*50*20 + 10*50 + 90 (merged into one split); b: 10*50*80 %
    expected: ['96% c.default.default.dc1', '4% b.default.default.dc1'],
  },
  {
    name: 'weights multiply to two decimals (Consul rounds to 0.01)',
    raw: [
      http('web'), http('api'), http('b'),
      splitter('web', [{ Weight: 33.33, Service: 'api' }, { Weight: 66.67 }]),
      splitter('api', [{ Weight: 50 }, { Weight: 50, Service: 'b' }]),
    ],
    expected: ['16.67% api.default.default.dc1', '16.67% b.default.default.dc1', '66.67% web.default.default.dc1'],
  },
  {
    name: 'a split to the service itself goes to its resolver, not its splitter again',
    raw: [http('web'), http('api'), splitter('web', [{ Weight: 80, Service: 'web' }, { Weight: 20, Service: 'api' }])],
    expected: ['80% web.default.default.dc1', '20% api.default.default.dc1'],
  },
  {
    name: 'a split to another service with a subset goes to its resolver even when it has a splitter',
    raw: [
      http('web'), http('api'), versions('api'),
      splitter('web', [{ Weight: 60 }, { Weight: 40, Service: 'api', ServiceSubset: 'v2' }]),
      splitter('api', [{ Weight: 100, ServiceSubset: 'v1' }]),
    ],
    expected: ['60% web.default.default.dc1', '40% v2.api.default.default.dc1'],
  },
  {
    name: 'a split without subset uses the resolver\'s DefaultSubset',
    raw: [http('web'), http('api'), versions('api', { DefaultSubset: 'v2' }), splitter('web', [{ Weight: 1 }, { Weight: 99, Service: 'api' }])],
    expected: ['1% web.default.default.dc1', '99% v2.api.default.default.dc1'],
  },
  {
    name: 'zero weights are dropped',
    raw: [http('web'), versions('web'), splitter('web', [{ Weight: 0, ServiceSubset: 'v1' }, { Weight: 100, ServiceSubset: 'v2' }])],
    expected: ['100% v2.web.default.default.dc1'],
  },
];
for (const c of cases) {
  test(`splitter: ${c.name}`, () => {
    const chain = compile('web', entries(...c.raw));
    assert.equal(chain.startNode, 'splitter:web.default.default.dc1');
    assert.deepEqual(leadsTo(chain, chain.startNode), c.expected);
    const node = chain.nodes[chain.startNode] as SplitterNode;
    const sum = node.splits.reduce((a, s) => a + Math.round(s.weight * 100), 0);
    assert.ok(Math.abs(sum - 10000) <= node.splits.length, `weights add up to 100 (got ${sum / 100})`);
    for (const k of Object.keys(chain.nodes)) {
      assert.ok(k === chain.startNode || !k.startsWith('splitter:'), `flattened splitters are not nodes of the chain (${k})`);
    }
  });
}

test('splitter: the nested splitter\'s entry is a dependency although its node is flattened away', () => {
  const chain = compile('web', entries(http('web'), http('api'), splitter('web', [{ Weight: 50 }, { Weight: 50, Service: 'api' }]), splitter('api', [{ Weight: 100 }])));
  assert.ok(chain.dependencies.includes('service-splitter/api'));
  assert.ok(chain.dependencies.includes('service-resolver/api'));
});

test('splitter: header changes of a split are kept', () => {
  const chain = compile('web', entries(http('web'), versions('web'), splitter('web', [
    { Weight: 50, ServiceSubset: 'v1', RequestHeaders: { Set: { 'x-version': 'v1' } } },
    { Weight: 50, ServiceSubset: 'v2', ResponseHeaders: { Remove: ['x-debug'] } },
  ])));
  const node = chain.nodes[chain.startNode] as SplitterNode;
  assert.deepEqual(node.splits, [
    { weight: 50, next: 'resolver:v1.web.default.default.dc1', requestHeaders: { add: {}, set: { 'x-version': 'v1' }, remove: [] } },
    { weight: 50, next: 'resolver:v2.web.default.default.dc1', responseHeaders: { add: {}, set: {}, remove: ['x-debug'] } },
  ]);
});

test('splitter: a splitter that splits back to the first one is a cycle', () => {
  const set = entries(http('web'), http('api'), splitter('web', [{ Weight: 50 }, { Weight: 50, Service: 'api' }]), splitter('api', [{ Weight: 50 }, { Weight: 50, Service: 'web' }]));
  assert.throws(() => compile('web', set), (e: Error) => e.name === 'ChainError' && /circular splitter reference: web -> api -> web/.test(e.message));
});

test('splitter: a cycle between splitters is a ChainError naming the path', () => {
  const set = entries(http('web'), http('a'), http('b'), splitter('web', [{ Weight: 50 }, { Weight: 50, Service: 'a' }]), splitter('a', [{ Weight: 100, Service: 'b' }]), splitter('b', [{ Weight: 100, Service: 'a' }]));
  assert.throws(() => compile('web', set), (e: Error) => e.name === 'ChainError' && /circular splitter reference: web -> a -> b -> a/.test(e.message));
});

test('splitter: a split to a service of another protocol is a ChainError', () => {
  const set = entries(http('web'), { Kind: 'service-defaults', Name: 'api', Protocol: 'grpc' }, splitter('web', [{ Weight: 50 }, { Weight: 50, Service: 'api' }]));
  assert.throws(() => compile('web', set), (e: Error) => e.name === 'ChainError' && /"api" has protocol "grpc"/.test(e.message));
});
