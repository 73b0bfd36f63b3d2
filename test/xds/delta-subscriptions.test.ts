// Delta subscriptions: every subscribed name is sent, names that do not exist are reported removed,
// deletions in removed_resources, wildcard ("*" and legacy), unsubscribe, only changes are sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { apiListener, cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { carries, describe, namesIn } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;

test('Delta: every name in resource_names_subscribe is sent, even one the client already has', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.delta('n1');
  c.subscribe(EDS, ['a', 'b']);
  assert.deepEqual(namesIn(await c.nextAcked(EDS)), ['a', 'b']);
  c.subscribe(EDS, ['a']);
  const again = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(again), ['a'], `re-subscribing sends it again: ${describe(again)}`);
  assert.ok(carries(again, h.res(endpoints('a', [1]))));
});

test('Delta: a subscribed name that does not exist is reported in removed_resources, and sent when it appears', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['a', 'ghost']);
  const r1 = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r1), ['a']);
  assert.deepEqual(r1.removedResources, ['ghost'], `ghost does not exist: ${describe(r1)}`);
  h.publish('n1', [cluster('a'), cluster('ghost')]);
  const r2 = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r2), ['ghost'], `only the new one: ${describe(r2)}`);
  assert.deepEqual(r2.removedResources, []);
});

test('Delta: a deleted resource is reported in removed_resources', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.delta('n1');
  c.subscribe(EDS, ['a', 'b']);
  await c.nextAcked(EDS);
  h.publish('n1', [endpoints('a', [1])]);
  const r = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(r), [], `nothing updated: ${describe(r)}`);
  assert.deepEqual(r.removedResources, ['b']);
});

test('Delta: wildcard "*" gets everything, additions and deletions', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['*']);
  assert.deepEqual(namesIn(await c.nextAcked(CDS)), ['a', 'b']);
  h.publish('n1', [cluster('a'), cluster('b'), cluster('c')]);
  const added = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(added), ['c'], `only the added cluster: ${describe(added)}`);
  h.publish('n1', [cluster('a'), cluster('c')]);
  const removed = await c.nextAcked(CDS);
  assert.deepEqual(removed.removedResources, ['b'], describe(removed));
  assert.deepEqual(namesIn(removed), []);
});

test('Delta: legacy wildcard: a first request with both lists empty gets everything', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [apiListener('l1', 'r1'), apiListener('l2', 'r2')]);
  const c = h.delta('n1');
  c.subscribe(LDS, []);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l1', 'l2']);
  h.publish('n1', [apiListener('l1', 'r1'), apiListener('l2', 'r2'), apiListener('l3', 'r3')]);
  assert.deepEqual(namesIn(await c.nextAcked(LDS)), ['l3']);
});

test('Delta: an unsubscribed name gets no more updates', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['a', 'b']);
  await c.nextAcked(CDS);
  c.unsubscribe(CDS, ['b']);
  await h.subscribed('n1', CDS, ['a']);
  h.publish('n1', [cluster('a'), cluster('b', { connectTimeoutSeconds: 2 })]); // only b changes: nothing due
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 3 }), cluster('b', { connectTimeoutSeconds: 2 })]);
  const r = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r), ['a'], `b was unsubscribed: ${describe(r)}`);
  assert.deepEqual(r.removedResources, []);
});

test('Delta: a change sends only the resources that changed', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b'), cluster('c')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['*']);
  await c.nextAcked(CDS);
  h.publish('n1', [cluster('a'), cluster('b', { connectTimeoutSeconds: 6 }), cluster('c')]);
  const r = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(r), ['b']);
  assert.ok(carries(r, h.res(cluster('b', { connectTimeoutSeconds: 6 }))));
});
