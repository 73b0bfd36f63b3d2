// What operators see in streams$ for a SotW stream: NOT SENT, STALE, SYNCED, NACKED per type, the
// last sent version and nonce, the last ACKed version, and the stream gone once it closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness, nackText } from '../support/xds-harness.js';

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
