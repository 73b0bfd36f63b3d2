import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOps } from '../../src/sources/store/apply-ops.js';
import { EMPTY_CATALOG_STATE, type CatalogState, type ServiceInput, type WriteOp } from '../../src/sources/store/catalog-state.js';
import { foldChanges, type EtcdView } from '../../src/sources/store/etcd-state.js';
import { etcdKeys } from '../../src/sources/store/etcd-keys.js';
import { PersistentMap } from '../../src/sources/store/persistent-map.js';
import { groupsOf, SERVICES_BY_PORT, SIDECARS_BY_DESTINATION, type Grouping } from '../../src/sources/store/record-groups.js';
import { servicesAtPort, sidecarsOf } from '../../src/sources/catalog/catalog-index.js';
import { serviceInput } from './support/fixtures.js';

const proxy = (id: string, destination: string, port = 21000): ServiceInput =>
  serviceInput(id, {
    Service: `${destination}-sidecar-proxy`,
    Kind: 'connect-proxy',
    Port: port,
    Proxy: { DestinationServiceName: destination, DestinationServiceID: `${destination}-1`, LocalServiceAddress: '127.0.0.1', LocalServicePort: 8080, Upstreams: [] },
  });

function plain<V>(groups: ReadonlyMap<string, ReadonlyMap<string, V>>): [string, string[]][] {
  return [...groups].map(([g, m]) => [g, [...m.keys()].sort()] as [string, string[]]).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A full recomputation (a copy of the map carries no groups). */
const fresh = <V>(g: Grouping<V>, map: ReadonlyMap<string, V>) => plain(groupsOf(g, PersistentMap.from(map)));

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('sidecars by destination, carried by applyOps write after write, equal a full recomputation (a proxy becoming a plain service, changing destination, deleted)', () => {
  const r = rng(11);
  let state: CatalogState = EMPTY_CATALOG_STATE;
  groupsOf(SIDECARS_BY_DESTINATION, state.services);
  groupsOf(SERVICES_BY_PORT, state.services);
  let proxies = 0;
  for (let step = 0; step < 400; step++) {
    const id = `s${Math.floor(r() * 30)}`;
    const dest = `d${Math.floor(r() * 4)}`;
    const roll = r();
    const ops: WriteOp[] =
      roll < 0.45
        ? [{ type: 'service-put', service: proxy(id, dest, 21000 + (step % 5)) }]
        : roll < 0.65
          ? [{ type: 'service-put', service: serviceInput(id, { Service: dest, Port: 8000 + (step % 5) }) }]
          : roll < 0.85
            ? [{ type: 'service-delete', id }]
            : [{ type: 'service-put', service: proxy(id, dest) }, { type: 'service-delete', id }];
    state = applyOps(state, ops).state;
    assert.ok(SIDECARS_BY_DESTINATION.cache.has(state.services), 'carried, not recomputed');
    assert.deepEqual(plain(groupsOf(SIDECARS_BY_DESTINATION, state.services)), fresh(SIDECARS_BY_DESTINATION, state.services), `step ${step}`);
    assert.deepEqual(plain(groupsOf(SERVICES_BY_PORT, state.services)), fresh(SERVICES_BY_PORT, state.services), `step ${step}`);
    proxies = Math.max(proxies, groupsOf(SIDECARS_BY_DESTINATION, state.services).size);
  }
  assert.ok(proxies > 1, 'the run had sidecars of several destinations');
});

test('sidecarsOf / servicesAtPort: sorted by ID, only connect proxies naming the destination, the same array while the group did not change', () => {
  let state = applyOps(EMPTY_CATALOG_STATE, [
    { type: 'service-put', service: serviceInput('web-1', { Port: 8080 }) },
    { type: 'service-put', service: proxy('web-p2', 'web') },
    { type: 'service-put', service: proxy('web-p1', 'web', 21001) },
    { type: 'service-put', service: serviceInput('plain', { Service: 'web-sidecar-proxy', Port: 21000 }) },
    { type: 'service-put', service: { ...proxy('nodest', 'web'), Proxy: { ...proxy('nodest', 'web').Proxy!, DestinationServiceName: '' } } },
  ]).state;
  const web = sidecarsOf(state, 'web');
  assert.deepEqual(web.map((s) => s.ID), ['web-p1', 'web-p2']);
  assert.deepEqual(servicesAtPort(state, 21000).map((s) => s.ID), ['nodest', 'plain', 'web-p2']);
  assert.deepEqual(sidecarsOf(state, 'nope'), []);
  const at8080 = servicesAtPort(state, 8080);
  state = applyOps(state, [{ type: 'service-put', service: serviceInput('db-1', { Port: 5432 }) }]).state;
  assert.equal(sidecarsOf(state, 'web'), web, 'another service changed: same array');
  assert.equal(servicesAtPort(state, 8080), at8080, 'another port changed: same array');
  state = applyOps(state, [{ type: 'service-put', service: proxy('web-p1', 'db', 21001) }]).state;
  assert.deepEqual(sidecarsOf(state, 'web').map((s) => s.ID), ['web-p2']);
  assert.deepEqual(sidecarsOf(state, 'db').map((s) => s.ID), ['web-p1']);
});

test('sidecars by destination, carried by the etcd fold, equal a full recomputation', () => {
  const keys = etcdKeys('/rxds/');
  let view: EtcdView = { state: EMPTY_CATALOG_STATE, metaRevision: 0, revision: 0 };
  groupsOf(SIDECARS_BY_DESTINATION, view.state.services);
  let rev = 1;
  const put = (s: ServiceInput) => ({ key: keys.record('services', s.ID), value: JSON.stringify({ ...s, CreateIndex: 1, ModifyIndex: 1 }), modRevision: ++rev });
  const del = (id: string) => ({ key: keys.record('services', id), value: undefined, modRevision: ++rev });
  const fail = (k: string, why: string) => assert.fail(`${k}: ${why}`);
  view = foldChanges(view, [put(proxy('a', 'web')), put(proxy('b', 'web')), put(proxy('c', 'db'))], keys, fail);
  view = foldChanges(view, [put(proxy('b', 'db')), del('a')], keys, fail);
  assert.ok(SIDECARS_BY_DESTINATION.cache.has(view.state.services), 'carried, not recomputed');
  assert.deepEqual(plain(groupsOf(SIDECARS_BY_DESTINATION, view.state.services)), fresh(SIDECARS_BY_DESTINATION, view.state.services));
  assert.deepEqual(sidecarsOf(view.state, 'db').map((s) => s.ID), ['b', 'c']);
  assert.deepEqual(sidecarsOf(view.state, 'web'), []);
});
