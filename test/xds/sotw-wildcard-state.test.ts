// SotW wildcard ("*" and legacy) and state semantics: LDS/CDS carry the full subscribed set (a missing
// resource is a deletion), RDS/EDS only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { apiListener, cluster, endpoints, routeConfig } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { carries, describe, namesIn } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;
const RDS = TypeUrl.RouteConfiguration;

test('SotW: wildcard "*" gets every cluster, and clusters added later', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['*']);
  assert.deepEqual(namesIn(await c.nextAcked(CDS)), ['a', 'b']);
  h.publish('n1', [cluster('a'), cluster('b'), cluster('c')]);
  assert.deepEqual(namesIn(await c.nextAcked(CDS)), ['a', 'b', 'c']);
});

test('SotW: legacy wildcard: a type whose requests never named anything gets everything', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [apiListener('l1', 'r1'), apiListener('l2', 'r2')]);
  const c = h.sotw('n1');
  c.subscribe(LDS, []);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l1', 'l2']);
  h.publish('n1', [apiListener('l1', 'r1'), apiListener('l2', 'r2'), apiListener('l3', 'r3')]);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l1', 'l2', 'l3']);
});

test('SotW: an empty list after names were used means nothing, not wildcard', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['a']);
  assert.deepEqual(namesIn(await c.nextAcked(CDS)), ['a']);
  c.subscribe(CDS, []);
  // An empty full-state answer is allowed; any resource is not.
  const r = await c.maybeNext();
  if (r) {
    assert.deepEqual(namesIn(r), [], `unsubscribed from everything, got ${describe(r)}`);
    c.ack(r);
  }
  await h.subscribed('n1', CDS, []);
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 8 }), cluster('b'), cluster('c')]);
  await c.expectNoResponse();
});

test('SotW: CDS carries the full set: unchanged clusters come along, a missing one is deleted', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['*']);
  await c.nextAcked(CDS);
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 3 }), cluster('b')]);
  const r2 = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r2), ['a', 'b'], 'b is unchanged but part of the full state');
  assert.ok(carries(r2, h.res(cluster('a', { connectTimeoutSeconds: 3 }))));
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 3 })]);
  const r3 = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r3), ['a'], 'b is deleted by leaving it out');
});

test('SotW: LDS carries the full set: a listener missing from the response is deleted', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [apiListener('l1', 'r1'), apiListener('l2', 'r2')]);
  const c = h.sotw('n1');
  c.subscribe(LDS, ['l1', 'l2']);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l1', 'l2']);
  h.publish('n1', [apiListener('l1', 'r1', { statPrefix: 'changed' }), apiListener('l2', 'r2')]);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l1', 'l2']);
  h.publish('n1', [apiListener('l2', 'r2')]);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l2']);
});

test('SotW: EDS carries only the assignments that changed', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a', 'b']);
  assert.deepEqual(namesIn(await c.nextAcked(EDS)), ['a', 'b']);
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [3])]);
  const r = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(r), ['b']);
  assert.ok(carries(r, h.res(endpoints('b', [3]))));
});

test('SotW: RDS carries only the route configurations that changed', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [routeConfig('r1', ['x'], 'a'), routeConfig('r2', ['y'], 'b')]);
  const c = h.sotw('n1');
  c.subscribe(RDS, ['r1', 'r2']);
  assert.deepEqual(namesIn(await c.nextAcked(RDS)), ['r1', 'r2']);
  h.publish('n1', [routeConfig('r1', ['x'], 'c'), routeConfig('r2', ['y'], 'b')]);
  const r = await c.nextAcked(RDS);
  assert.deepEqual(namesIn(r), ['r1']);
});
