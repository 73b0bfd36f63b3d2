import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { API_OWNER, EMPTY_CATALOG_STATE, type CatalogState, type CheckInput, type ServiceInput, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { foldChanges, type EtcdView } from '../../src/sources/store/etcd-state.js';
import { etcdKeys } from '../../src/sources/store/etcd-keys.js';
import { PersistentMap } from '../../src/sources/store/persistent-map.js';
import { CHECKS_BY_SERVICE, groupsOf, SERVICES_BY_NAME, type Grouping } from '../../src/sources/store/record-groups.js';
import { checksOf, instancesOf } from '../../src/sources/catalog/catalog-index.js';

const svc = (id: string, name: string, port = 80): ServiceInput => ({
  ID: id, Service: name, Kind: '', Tags: [], Meta: {}, Address: '', Port: port, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Owner: API_OWNER,
});
const chk = (id: string, serviceId: string, serviceName: string): CheckInput => ({
  CheckID: id, Name: id, Status: 'critical', Notes: '', Output: '', ServiceID: serviceId, ServiceName: serviceName, ServiceTags: [], Type: 'ttl', Definition: { TTL: '10s' }, Owner: API_OWNER,
});

/** The groups as plain sorted data. */
function plain<V>(groups: ReadonlyMap<string, ReadonlyMap<string, V>>): [string, [string, V][]][] {
  return [...groups].map(([g, m]) => [g, [...m].sort(([a], [b]) => (a < b ? -1 : 1))] as [string, [string, V][]]).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** What a full recomputation gives (a copy of the map has no carried groups). */
function fresh<V>(g: Grouping<V>, map: ReadonlyMap<string, V>) {
  return plain(groupsOf(g, PersistentMap.from(map)));
}

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('groups carried by applyOps write after write equal a full recomputation (moves, deletes, cascades)', () => {
  const r = rng(7);
  let state: CatalogState = EMPTY_CATALOG_STATE;
  groupsOf(SERVICES_BY_NAME, state.services);
  groupsOf(CHECKS_BY_SERVICE, state.checks);
  for (let step = 0; step < 400; step++) {
    const id = `s${Math.floor(r() * 30)}`;
    const name = `n${Math.floor(r() * 5)}`;
    const roll = r();
    const ops: WriteOp[] =
      roll < 0.45
        ? [{ type: 'service-put', service: svc(id, name, step) }, { type: 'check-put', check: chk(`c-${id}-${step % 3}`, id, name) }]
        : roll < 0.6
          ? [{ type: 'service-delete', id }]
          : roll < 0.75
            ? [{ type: 'check-delete', checkId: `c-${id}-${step % 3}` }]
            : roll < 0.85
              ? [{ type: 'check-put', check: chk(`node-${step % 4}`, '', '') }]
              : [{ type: 'service-put', service: svc(id, name) }, { type: 'service-delete', id }];
    try {
      state = applyOps(state, ops).state;
    } catch {
      continue; // a check of an unknown service: refused, nothing changed
    }
    assert.ok(SERVICES_BY_NAME.cache.has(state.services), 'carried, not recomputed');
    assert.deepEqual(plain(groupsOf(SERVICES_BY_NAME, state.services)), fresh(SERVICES_BY_NAME, state.services), `step ${step}`);
    assert.deepEqual(plain(groupsOf(CHECKS_BY_SERVICE, state.checks)), fresh(CHECKS_BY_SERVICE, state.checks), `step ${step}`);
  }
  assert.ok(state.services.size > 5, 'the run left services behind');
});

test('service-delete removes the service checks, including one added earlier in the same write', () => {
  let state = applyOps(EMPTY_CATALOG_STATE, [{ type: 'service-put', service: svc('a', 'web') }, { type: 'check-put', check: chk('c1', 'a', 'web') }]).state;
  state = applyOps(state, [{ type: 'check-put', check: chk('c2', 'a', 'web') }, { type: 'service-delete', id: 'a' }]).state;
  assert.equal(state.services.size, 0);
  assert.equal(state.checks.size, 0);
});

test('instancesOf / checksOf: sorted by ID, the same array while the group did not change', () => {
  let state = applyOps(EMPTY_CATALOG_STATE, [
    { type: 'service-put', service: svc('web-2', 'web') },
    { type: 'service-put', service: svc('web-1', 'web') },
    { type: 'service-put', service: svc('db-1', 'db') },
    { type: 'check-put', check: chk('z', 'web-1', 'web') },
    { type: 'check-put', check: chk('a', 'web-1', 'web') },
  ]).state;
  const web = instancesOf(state, 'web');
  assert.deepEqual(web.map((s) => s.ID), ['web-1', 'web-2']);
  assert.deepEqual(checksOf(state, 'web-1').map((c) => c.CheckID), ['a', 'z']);
  assert.deepEqual(instancesOf(state, 'nope'), []);
  state = applyOps(state, [{ type: 'service-put', service: svc('db-2', 'db') }]).state;
  assert.equal(instancesOf(state, 'web'), web, 'another name changed: same array');
  state = applyOps(state, [{ type: 'service-put', service: svc('web-1', 'other') }]).state;
  assert.deepEqual(instancesOf(state, 'web').map((s) => s.ID), ['web-2']);
  assert.deepEqual(instancesOf(state, 'other').map((s) => s.ID), ['web-1']);
});

test('groups carried by the etcd fold equal a full recomputation', () => {
  const keys = etcdKeys('/rxds/');
  let view: EtcdView = { state: EMPTY_CATALOG_STATE, metaRevision: 0, revision: 0 };
  groupsOf(SERVICES_BY_NAME, view.state.services);
  let rev = 1;
  const put = (id: string, name: string) => ({ key: keys.record('services', id), value: JSON.stringify({ ...svc(id, name), CreateIndex: 1, ModifyIndex: 1 }), modRevision: ++rev });
  const del = (id: string) => ({ key: keys.record('services', id), value: undefined, modRevision: ++rev });
  const fail = (k: string, why: string) => assert.fail(`${k}: ${why}`);
  view = foldChanges(view, [put('a', 'web'), put('b', 'web'), put('c', 'db')], keys, fail);
  view = foldChanges(view, [put('b', 'db'), del('a')], keys, fail);
  assert.ok(SERVICES_BY_NAME.cache.has(view.state.services));
  assert.deepEqual(plain(groupsOf(SERVICES_BY_NAME, view.state.services)), fresh(SERVICES_BY_NAME, view.state.services));
  assert.deepEqual(instancesOf(view.state, 'db').map((s) => s.ID), ['b', 'c']);
  assert.deepEqual(instancesOf(view.state, 'web'), []);
});
