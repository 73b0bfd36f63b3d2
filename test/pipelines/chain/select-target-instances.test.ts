// selectTargetInstances: a target's subset Filter and OnlyPassing over instances in Consul's health shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceHealth, selectTargetInstances } from '../../../src/pipelines/chain/select-target-instances.js';
import type { ChainTarget, ServiceHealthLike } from '../../../src/pipelines/chain/compiled-chain.js';
import { compile, entries } from './chain-support.js';

function inst(id: string, version: string, statuses: string[], tags: string[] = []): ServiceHealthLike & { id: string } {
  return {
    id,
    Service: { ID: id, Service: 'web', Address: '127.0.0.1', Port: 8080, Tags: tags, Meta: { version } },
    Node: { Node: 'rxds', Datacenter: 'dc1' },
    Checks: statuses.map((Status, i) => ({ CheckID: `service:${id}:${i + 1}`, Status })),
  };
}

const INSTANCES = [
  inst('a', 'v1', ['passing']),
  inst('b', 'v1', ['passing', 'warning']),
  inst('c', 'v1', ['passing', 'critical']),
  inst('d', 'v2', [], ['canary']),
  inst('e', 'v2', ['warning'], ['canary']),
];

function targetOf(subset: Record<string, unknown> | undefined): ChainTarget {
  const chain = compile('web', entries({ Kind: 'service-resolver', Name: 'web', ...(subset ? { DefaultSubset: 's', Subsets: { s: subset } } : {}) }));
  return Object.values(chain.targets)[0]!;
}

const cases: { name: string; subset?: Record<string, unknown>; ids: string[] }[] = [
  { name: 'no subset: every instance but critical ones', ids: ['a', 'b', 'd', 'e'] },
  { name: 'subset without filter', subset: {}, ids: ['a', 'b', 'd', 'e'] },
  { name: 'OnlyPassing leaves warning ones out too', subset: { OnlyPassing: true }, ids: ['a', 'd'] },
  { name: 'filter on Meta', subset: { Filter: 'Service.Meta.version == v1' }, ids: ['a', 'b'] },
  { name: 'filter on Tags with OnlyPassing', subset: { Filter: 'canary in Service.Tags', OnlyPassing: true }, ids: ['d'] },
  { name: 'filter with or/not', subset: { Filter: 'not (Service.Meta.version == v2) or Service.ID == e' }, ids: ['a', 'b', 'e'] },
  { name: 'filter on Checks', subset: { Filter: 'Checks.Status contains warning' }, ids: ['b', 'e'] },
];
for (const c of cases) {
  test(`selectTargetInstances: ${c.name}`, () => {
    const selected = selectTargetInstances(targetOf(c.subset), INSTANCES);
    assert.deepEqual(selected.map((i) => i.id), c.ids);
  });
}

test('selectTargetInstances: a filter that does not parse selects nothing (and does not throw)', () => {
  const target: ChainTarget = { ...targetOf(undefined), filter: 'Service.Meta.version ==' };
  assert.deepEqual(selectTargetInstances(target, INSTANCES), []);
});

test('instanceHealth: critical beats warning beats passing; no checks is passing; an unknown status is critical', () => {
  assert.equal(instanceHealth(inst('x', 'v1', [])), 'passing');
  assert.equal(instanceHealth(inst('x', 'v1', ['passing', 'warning'])), 'warning');
  assert.equal(instanceHealth(inst('x', 'v1', ['warning', 'critical', 'passing'])), 'critical');
  assert.equal(instanceHealth(inst('x', 'v1', ['maintenance'])), 'critical');
});
