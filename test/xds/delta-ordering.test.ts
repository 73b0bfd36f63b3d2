// Delta make-before-break: CDS, EDS, LDS, RDS; LDS/RDS held while CDS/EDS are un-ACKed; removals
// (removed_resources) after the routes stop pointing at them; EDS re-sent after a cluster update, RDS
// after a listener update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeltaDiscoveryResponse } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { apiListener, cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { carries, describe, namesIn, short } from '../support/xds-responses.js';
import { CDS, EDS, LDS, RDS, mesh, syncEnvoyStyle } from './ordering-mesh.js';

test('Delta: a change to every type is pushed CDS, then EDS, then LDS, then RDS', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.delta('n1');
  await syncEnvoyStyle(h, c, 'c1');
  h.publish('n1', mesh('c1', 1));
  const order: string[] = [];
  while (!order.includes(RDS)) order.push((await c.nextAcked()).typeUrl);
  const first = (type: string) => order.indexOf(type);
  assert.equal(order[0], CDS, `CDS first, got ${order.map(short)}`);
  assert.ok(first(CDS) < first(EDS) && first(EDS) < first(LDS) && first(LDS) < first(RDS), `order ${order.map(short)}`);
});

test('Delta: LDS and RDS are held while a CDS or EDS response is un-ACKed', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.delta('n1');
  await syncEnvoyStyle(h, c, 'c1');
  h.publish('n1', mesh('c1', 1));
  const cds = await c.nextOf(CDS);
  let eds = await c.maybeNext();
  if (eds) assert.equal(eds.typeUrl, EDS, `only EDS may follow an un-ACKed CDS, got ${describe(eds)}`);
  await c.expectNoResponse();
  c.ack(cds);
  if (!eds) eds = await c.nextOf(EDS);
  await c.expectNoResponse();
  c.ack(eds);
  let next = await c.nextAcked();
  while (next.typeUrl === EDS) next = await c.nextAcked();
  assert.equal(next.typeUrl, LDS, `LDS after CDS and EDS are ACKed, got ${describe(next)}`);
  assert.equal((await c.nextAcked()).typeUrl, RDS);
});

test('Delta: a cluster the route left is removed only after the new route is sent', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('old'));
  const c = h.delta('n1');
  await syncEnvoyStyle(h, c, 'old');
  h.publish('n1', mesh('new'));
  const log: DeltaDiscoveryResponse[] = [];
  const cdsRemoval = (r: DeltaDiscoveryResponse) => r.typeUrl === CDS && r.removedResources.includes('old');
  while (!log.some(cdsRemoval)) {
    const r = await c.nextAcked();
    log.push(r);
    if (r.typeUrl === CDS) {
      const added = namesIn(r);
      if (added.length) c.subscribe(EDS, added); // as Envoy: EDS for each new cluster
      if (r.removedResources.length) c.unsubscribe(EDS, r.removedResources);
    }
  }
  const trace = log.map(describe).join('\n  ');
  const route = log.findIndex((r) => r.typeUrl === RDS && carries(r, h.res(mesh('new')[1]!)));
  const newEds = log.findIndex((r) => r.typeUrl === EDS && namesIn(r).includes('new'));
  const firstRemoval = log.findIndex((r) => r.removedResources.includes('old'));
  assert.ok(newEds >= 0 && route > newEds, `EDS for new before the route to it:\n  ${trace}`);
  assert.ok(route < firstRemoval, `old removed (CDS or EDS) only after the route moved:\n  ${trace}`);
});

test('Delta: EDS is re-sent after its cluster is updated, although the endpoints did not change', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.delta('n1');
  await syncEnvoyStyle(h, c, 'c1');
  const [l, r, , e] = mesh('c1');
  h.publish('n1', [l!, r!, cluster('c1', { connectTimeoutSeconds: 42 }), e!]);
  await c.nextAcked(CDS);
  const eds = await c.nextAcked(EDS);
  assert.ok(carries(eds, h.res(e!)), `the unchanged assignment is sent again: ${describe(eds)}`);
});

test('Delta: RDS is re-sent after its listener is updated, although the routes did not change', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', mesh('c1'));
  const c = h.delta('n1');
  await syncEnvoyStyle(h, c, 'c1');
  const [, r, cl, e] = mesh('c1');
  h.publish('n1', [apiListener('L', 'R', { statPrefix: 'updated' }), r!, cl!, e!]);
  await c.nextAcked(LDS);
  const rds = await c.nextAcked(RDS);
  assert.ok(carries(rds, h.res(r!)), `the unchanged route is sent again: ${describe(rds)}`);
});
