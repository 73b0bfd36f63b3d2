// What operators see in streams$ for a SotW stream: NOT SENT, STALE, SYNCED, NACKED per type, the
// last sent version and nonce, the last ACKed version, and the stream gone once it closes; and the
// events$ that metrics and logs consume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness, nackText } from '../support/xds-harness.js';
import { waitFor } from '../support/wait.js';
import type { Observable } from 'rxjs';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

test('SotW stream status: NOT SENT, STALE, SYNCED, NACKED per type, and gone after close', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a')]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['nothing-here']); // subscribed, nothing to send
  await h.typeStatus('n1', EDS, (s) => s.status === 'NOT SENT', 'EDS NOT SENT');

  c.subscribe(CDS, ['a']);
  const r1 = await c.nextOf(CDS);
  const stale = await h.typeStatus('n1', CDS, (s) => s.status === 'STALE', 'CDS STALE before the ACK');
  assert.equal(stale.lastSentVersion, r1.versionInfo);
  assert.equal(stale.lastSentNonce, r1.nonce);

  c.ack(r1);
  const synced = await h.typeStatus('n1', CDS, (s) => s.status === 'SYNCED', 'CDS SYNCED after the ACK');
  assert.equal(synced.lastAckedVersion, r1.versionInfo);

  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 11 })]);
  const r2 = await c.nextOf(CDS);
  c.nack(r2, 'cluster a: connect_timeout out of range');
  const nacked = await h.typeStatus('n1', CDS, (s) => s.status === 'NACKED', 'CDS NACKED');
  assert.match(nackText(nacked.nackError), /connect_timeout out of range/);
  assert.equal(nacked.lastSentVersion, r2.versionInfo);
  assert.equal(nacked.lastAckedVersion, r1.versionInfo);

  const [stream] = await h.streamsOf('n1');
  assert.equal(stream?.kind, 'sotw');
  assert.equal(stream?.types.get(EDS)?.status, 'NOT SENT', 'the other type keeps its own status');
  c.close();
  await h.streamCount('n1', 0);
});

test('SotW events$: stream-open, push, ack, nack (with the error) and stream-close, with matching nonces', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  type Ev = { type: string; nodeId: string; nonce?: string; version?: string; error?: string; typeUrl?: string };
  const events: Ev[] = [];
  const sub = (h.xds.events$ as unknown as Observable<Ev>).subscribe((e) => events.push(e));
  t.after(() => sub.unsubscribe());
  h.publish('n1', [cluster('a')]);
  const c = h.sotw('n1');
  c.subscribe(CDS, ['a']);
  const r1 = await c.nextAcked(CDS);
  await h.synced('n1', [CDS]);
  h.publish('n1', [cluster('a', { connectTimeoutSeconds: 12 })]);
  const r2 = await c.nextOf(CDS);
  c.nack(r2, 'refused by events test');
  await h.typeStatus('n1', CDS, (s) => s.status === 'NACKED', 'NACKED');
  const closed = waitFor(h.xds.events$ as unknown as Observable<Ev>, (e) => e.type === 'stream-close' && e.nodeId === 'n1', 'stream-close');
  c.close();
  await closed;

  const mine = events.filter((e) => e.nodeId === 'n1' || e.type === 'stream-open');
  const find = (type: string, nonce?: string) => mine.find((e) => e.type === type && (nonce === undefined || e.nonce === nonce));
  assert.ok(find('stream-open'), 'stream-open');
  assert.equal(find('push', r1.nonce)?.version, r1.versionInfo);
  assert.equal(find('ack', r1.nonce)?.version, r1.versionInfo);
  assert.equal(find('push', r2.nonce)?.typeUrl, CDS);
  assert.match(find('nack', r2.nonce)?.error ?? '', /refused by events test/);
  assert.ok(mine.some((e) => e.type === 'stream-close'), `stream-close after the client left: ${mine.map((e) => e.type)}`);
});
