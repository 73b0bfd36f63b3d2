// SotW (StreamAggregatedResources): nonces, ACK vs NACK by error_detail, no answer to a pure ACK,
// NACK recorded and not resent until something changes. Each test drives a real gRPC stream on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness, nackText } from '../support/xds-harness.js';
import { carries, namesIn } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

test('SotW: every response has a fresh nonce and a version; an ACK is answered with nothing', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['a']);
  const r1 = await c.nextOf(CDS);
  assert.ok(carries(r1, h.res(cluster('a'))), 'the subscribed cluster is sent');
  c.ack(r1);
  await c.expectNoResponse();
  await h.typeStatus('n1', CDS, (s) => s.status === 'SYNCED' && s.lastAckedVersion === r1.versionInfo, 'ACK recorded');

  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 9 })]);
  const r2 = await c.nextOf(CDS); // the client checks nonce freshness on every response
  assert.notEqual(r2.nonce, r1.nonce);
  assert.notEqual(r2.versionInfo, r1.versionInfo, 'changed content, changed version');
  assert.ok(carries(r2, h.res(cluster('a', { connectTimeoutSeconds: 9 }))));
  c.ack(r2);
  await c.expectNoResponse();
});

test('SotW: a NACK (error_detail, previous version) is recorded with its message and not resent', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [8080])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a']);
  const good = await c.nextAcked(EDS);

  h.publish('n1', [endpoints('a', [8081])]);
  const bad = await c.nextOf(EDS);
  c.nack(bad, 'endpoint 8081 rejected by test');
  const st = await h.typeStatus('n1', EDS, (s) => s.status === 'NACKED', 'NACKED status');
  assert.match(nackText(st.nackError), /endpoint 8081 rejected by test/);
  assert.equal(st.lastAckedVersion, good.versionInfo, 'the last good version stays the ACKed one');
  await c.expectNoResponse();

  // The same content again (new objects, equal bytes): still nothing to send.
  h.publish('n1', [endpoints('a', [8081])]);
  await c.expectNoResponse();

  // A real change is sent, and its ACK clears the NACK.
  h.publish('n1', [endpoints('a', [8082])]);
  const fixed = await c.nextOf(EDS);
  assert.ok(carries(fixed, h.res(endpoints('a', [8082]))));
  c.ack(fixed);
  await h.typeStatus('n1', EDS, (s) => s.status === 'SYNCED' && s.lastAckedVersion === fixed.versionInfo, 'SYNCED again');
});

test('SotW: a NACK that repeats the version it rejects is still a NACK', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['a']);
  await c.nextAcked(CDS);
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 7 })]);
  const bad = await c.nextOf(CDS);
  c.nack(bad, 'rejected although the version matches', { version: bad.versionInfo });
  const st = await h.typeStatus('n1', CDS, (s) => s.status === 'NACKED', 'NACKED although version_info is current');
  assert.match(nackText(st.nackError), /rejected although the version matches/);
  await c.expectNoResponse();
});

test('SotW: after a NACK, a subscription change is answered', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [8080]), endpoints('b', [9090])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a']);
  await c.nextAcked(EDS);
  h.publish('n1', [endpoints('a', [8081]), endpoints('b', [9090])]);
  const bad = await c.nextOf(EDS);
  c.nack(bad, 'no');
  await h.typeStatus('n1', EDS, (s) => s.status === 'NACKED', 'NACKED');
  c.subscribe(EDS, ['a', 'b']);
  const r = await c.nextOf(EDS);
  assert.ok(carries(r, h.res(endpoints('b', [9090]))), `b is sent after the NACK, got [${namesIn(r)}]`);
});
