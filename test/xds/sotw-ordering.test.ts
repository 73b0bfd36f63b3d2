// SotW make-before-break: CDS, EDS, LDS, RDS in that order; LDS/RDS held while CDS/EDS are un-ACKed;
// removals after the routes stop pointing at them; EDS re-sent after a cluster update, RDS after a
// listener update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { apiListener, cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { carries, describe, namesIn, short } from '../support/xds-responses.js';
import { CDS, EDS, LDS, RDS, mesh, syncEnvoyStyle } from './ordering-mesh.js';

test('SotW: a change to every type is pushed CDS, then EDS, then LDS, then RDS', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'c1');
  h.publish('n1', mesh('c1', 1));
  const order: string[] = [];
  while (!order.includes(RDS)) order.push((await c.nextAcked()).typeUrl);
  const first = (type: string) => order.indexOf(type);
  assert.equal(order[0], CDS, `CDS first, got ${order.map(short)}`);
  assert.ok(first(CDS) < first(EDS) && first(EDS) < first(LDS) && first(LDS) < first(RDS), `order ${order.map(short)}`);
});

test('SotW: LDS and RDS are held while a CDS or EDS response is un-ACKed', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'c1');
  h.publish('n1', mesh('c1', 1));
  const cds = await c.nextOf(CDS);
  let eds = await c.maybeNext(); // EDS may follow before the CDS ACK; LDS/RDS may not
  if (eds) assert.equal(eds.typeUrl, EDS, `only EDS may follow an un-ACKed CDS, got ${describe(eds)}`);
  await c.expectNoResponse();
  c.ack(cds);
  if (!eds) eds = await c.nextOf(EDS);
  await c.expectNoResponse(); // EDS still un-ACKed: LDS held
  c.ack(eds);
  let next = await c.nextAcked();
  while (next.typeUrl === EDS) next = await c.nextAcked(); // a repeated EDS is harmless
  assert.equal(next.typeUrl, LDS, `LDS after CDS and EDS are ACKed, got ${describe(next)}`);
  assert.equal((await c.nextAcked()).typeUrl, RDS);
});

test('SotW: the hold is bounded: a client that never ACKs CDS still gets LDS and RDS (no starvation)', async (t) => {
  const h = await XdsHarness.start({ holdTimeoutMs: 300 });
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'c1');
  h.publish('n1', mesh('c1', 1));
  const types: string[] = [];
  while (!types.includes(RDS)) types.push((await c.next()).typeUrl); // nothing is ACKed any more
  assert.equal(types[0], CDS, `CDS first, got ${types.map(short)}`);
  assert.ok(types.indexOf(LDS) < types.indexOf(RDS), `LDS before RDS, got ${types.map(short)}`);
});

test('SotW (Envoy-style wildcard CDS): a cluster the route left is removed only after the new route', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('old'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'old');
  h.publish('n1', mesh('new'));
  const log: DiscoveryResponse[] = [];
  const removed = (r: DiscoveryResponse) => r.typeUrl === CDS && !namesIn(r).includes('old');
  while (!log.some(removed)) {
    const r = await c.nextAcked();
    log.push(r);
    if (r.typeUrl === CDS) c.subscribe(EDS, namesIn(r)); // as Envoy: EDS for every cluster it knows
  }
  const trace = log.map(describe).join('\n  ');
  const firstCds = log.find((r) => r.typeUrl === CDS)!;
  assert.deepEqual(namesIn(firstCds), ['new', 'old'], `new cluster added while old stays:\n  ${trace}`);
  const route = log.findIndex((r) => r.typeUrl === RDS && carries(r, h.res(mesh('new')[1]!)));
  const newEds = log.findIndex((r) => r.typeUrl === EDS && namesIn(r).includes('new'));
  assert.ok(newEds >= 0 && route > newEds, `EDS for new before the route to it:\n  ${trace}`);
  assert.ok(route < log.findIndex(removed), `old removed after the route moved:\n  ${trace}`);
});

test('SotW (gRPC-style named CDS): the new route is sent before the old cluster is reported gone', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('old'));
  const c = h.sotw('n1');
  c.subscribe(LDS, ['L']);
  c.subscribe(RDS, ['R']);
  c.subscribe(CDS, ['old']);
  c.subscribe(EDS, ['old']);
  const seen = new Set<string>();
  while (seen.size < 4) seen.add((await c.nextAcked()).typeUrl);
  await h.synced('n1', [CDS, EDS, LDS, RDS]);

  h.publish('n1', mesh('new'));
  const first = await c.nextAcked();
  assert.equal(first.typeUrl, RDS, `the route moves first; a CDS without old now would break RPCs: ${describe(first)}`);
  assert.ok(carries(first, h.res(mesh('new')[1]!)));
  c.subscribe(CDS, ['new']);
  let cds = await c.nextAcked(CDS);
  if (namesIn(cds).length === 0) cds = await c.nextAcked(CDS); // the held removal of old may come first
  assert.deepEqual(namesIn(cds), ['new']);
  c.subscribe(EDS, ['new']);
  assert.ok(carries(await c.nextAcked(EDS), h.res(endpoints('new', [8000]))));
});

test('SotW: EDS is re-sent after its cluster is updated, although the endpoints did not change', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'c1');
  const [l, r, , e] = mesh('c1');
  h.publish('n1', [l!, r!, cluster('c1', { connectTimeoutSeconds: 42 }), e!]);
  await c.nextAcked(CDS);
  const eds = await c.nextAcked(EDS);
  assert.ok(carries(eds, h.res(e!)), `the unchanged assignment is sent again: ${describe(eds)}`);
});

test('SotW: RDS is re-sent after its listener is updated, although the routes did not change', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.sotw('n1');
  await syncEnvoyStyle(h, c, 'c1');
  const [, r, cl, e] = mesh('c1');
  h.publish('n1', [apiListener('L', 'R', { statPrefix: 'updated' }), r!, cl!, e!]);
  await c.nextAcked(LDS);
  const rds = await c.nextAcked(RDS);
  assert.ok(carries(rds, h.res(r!)), `the unchanged route is sent again: ${describe(rds)}`);
});
