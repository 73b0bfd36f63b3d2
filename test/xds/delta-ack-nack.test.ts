// Delta (DeltaAggregatedResources): nonces, ACK vs NACK by error_detail, no answer to a pure ACK, NACK
// recorded and not resent, subscription changes applied even with a stale nonce, stream status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness, nackText } from '../support/xds-harness.js';
import { carries, describe, namesIn } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

test('Delta: every response has a fresh nonce; an ACK is answered with nothing', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['a']);
  const r1 = await c.nextOf(CDS);
  assert.ok(carries(r1, h.res(cluster('a'))), 'sent with its content-hash version');
  c.ack(r1);
  await c.expectNoResponse();
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 9 })]);
  const r2 = await c.nextOf(CDS);
  assert.notEqual(r2.nonce, r1.nonce);
  assert.ok(carries(r2, h.res(cluster('a', { connectTimeoutSeconds: 9 }))));
  c.ack(r2);
  await c.expectNoResponse();
});

test('Delta: a NACK is recorded with its message and not resent until something changes', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1])]);
  const c = h.delta('n1');
  c.subscribe(EDS, ['a']);
  await c.nextAcked(EDS);
  h.publish('n1', [endpoints('a', [2])]);
  const bad = await c.nextOf(EDS);
  c.nack(bad, 'delta endpoints rejected by test');
  const st = await h.typeStatus('n1', EDS, (s) => s.status === 'NACKED', 'NACKED');
  assert.match(nackText(st.nackError), /delta endpoints rejected by test/);
  await c.expectNoResponse();
  h.publish('n1', [endpoints('a', [2])]); // equal content again
  await c.expectNoResponse();
  h.publish('n1', [endpoints('a', [3])]);
  const fixed = await c.nextOf(EDS);
  assert.ok(carries(fixed, h.res(endpoints('a', [3]))));
  c.ack(fixed);
  await h.typeStatus('n1', EDS, (s) => s.status === 'SYNCED', 'SYNCED after the fix is ACKed');
});

test('Delta: after a NACK, a new subscription is answered', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.delta('n1');
  c.subscribe(EDS, ['a']);
  await c.nextAcked(EDS);
  h.publish('n1', [endpoints('a', [9]), endpoints('b', [2])]);
  c.nack(await c.nextOf(EDS), 'no');
  await h.typeStatus('n1', EDS, (s) => s.status === 'NACKED', 'NACKED');
  c.subscribe(EDS, ['b']);
  const r = await c.nextOf(EDS);
  assert.ok(carries(r, h.res(endpoints('b', [2]))), `b is sent, got ${describe(r)}`);
});

test('Delta: a subscription change with a stale nonce is applied', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['a']);
  const r1 = await c.nextAcked(CDS);
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 2 }), cluster('b')]);
  await c.nextAcked(CDS);
  c.send({ typeUrl: CDS, responseNonce: r1.nonce, resourceNamesSubscribe: ['b'] }); // r1's nonce is stale
  const r = await c.nextOf(CDS);
  assert.deepEqual(namesIn(r), ['b'], `the stale request's subscription is served: ${describe(r)}`);
});

test('Delta: stream status goes STALE (sent, un-ACKed), SYNCED (ACKed), NACKED (with the message)', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.delta('n1');
  c.subscribe(CDS, ['a']);
  const r1 = await c.nextOf(CDS);
  const stale = await h.typeStatus('n1', CDS, (s) => s.status === 'STALE', 'STALE before the ACK');
  assert.equal(stale.lastSentNonce, r1.nonce);
  c.ack(r1);
  await h.typeStatus('n1', CDS, (s) => s.status === 'SYNCED', 'SYNCED after the ACK');
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 4 })]);
  c.nack(await c.nextOf(CDS), 'bad delta cluster');
  const st = await h.typeStatus('n1', CDS, (s) => s.status === 'NACKED', 'NACKED');
  assert.match(nackText(st.nackError), /bad delta cluster/);
  const [stream] = await h.streamsOf('n1');
  assert.equal(stream?.kind, 'delta');
  c.close();
  await h.streamCount('n1', 0); // a closed stream is forgotten
});
