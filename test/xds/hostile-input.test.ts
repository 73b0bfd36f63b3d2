// Bad input never takes the server down: a stream that sends garbage gets a clear error (or is ignored),
// and every other stream keeps being served. A stream that stops reading holds no growing backlog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { XdsError } from '../../src/sinks/xds/xds-server.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { cluster, endpoints, manyEndpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import type { SotwClient } from '../support/xds-client.js';
import { carries, describe } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;

/** A well-behaved stream of node `nodeId`, synced on cluster `a`. */
async function goodStream(h: XdsHarness, nodeId: string): Promise<SotwClient> {
  h.publish(nodeId, [cluster('a')]);
  const c = h.sotw(nodeId);
  c.subscribe(CDS, ['a']);
  await c.nextAcked(CDS);
  return c;
}

/** The existing good stream gets the next change, and a brand-new stream is served from scratch. */
async function stillServing(h: XdsHarness, good: SotwClient, round: number): Promise<void> {
  await stillServingExisting(h, good, round);
  const fresh = await goodStream(h, `fresh-${round}`);
  fresh.close();
}

/** The existing good stream gets the next change. */
async function stillServingExisting(h: XdsHarness, good: SotwClient, round: number): Promise<void> {
  const changed = cluster('a', { connectTimeoutSeconds: 100 + round });
  h.publish(good.nodeId, [changed]);
  const r = await good.nextAcked(CDS);
  assert.ok(carries(r, h.res(changed)), `the good stream is still updated: ${describe(r)}`);
}

/** Waits for the bad stream to end (it must not stay silently broken) and returns its status. */
function endCode(c: { ended(): Promise<{ code: number; details: string }> }): Promise<{ code: number; details: string }> {
  return c.ended();
}

test('an unknown type URL is refused or ignored; the stream and the server stay usable', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const good = await goodStream(h, 'good');
  h.publish('bad', [cluster('a')]);
  const bad = h.sotw('bad');
  bad.subscribe('type.googleapis.com/not.a.Real.Type', ['x']);
  const answer = await bad.maybeNext(300);
  assert.equal(answer, undefined, `nothing is served for an unknown type: ${answer && describe(answer)}`);
  if (bad.endStatus) {
    const { code, details } = bad.endStatus;
    assert.ok(code === Status.INVALID_ARGUMENT || code === Status.UNIMPLEMENTED, `a clear error, got ${code} ${details}`);
    assert.match(details, /not\.a\.Real\.Type/, 'the error names the type');
  } else {
    bad.subscribe(CDS, ['a']); // ignored the unknown type: known types still work on the same ADS stream
    assert.ok(carries(await bad.nextOf(CDS), h.res(cluster('a'))));
  }
  await stillServing(h, good, 1);
});

test('a first request without a node ends that stream with INVALID_ARGUMENT; others are served', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const good = await goodStream(h, 'good');
  const bad = h.sotw('bad', { node: null });
  bad.subscribe(CDS, ['a']);
  const { code, details } = await endCode(bad);
  assert.equal(code, Status.INVALID_ARGUMENT, `got ${code} ${details}`);
  assert.match(details, /node/i);
  const badDelta = h.delta('bad-delta', { node: null });
  badDelta.subscribe(CDS, ['a']);
  assert.equal((await endCode(badDelta)).code, Status.INVALID_ARGUMENT);
  await stillServing(h, good, 1);
});

test('a 10 MB resource name list ends that stream with an error; others are served', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const good = await goodStream(h, 'good');
  const names = Array.from({ length: 200_000 }, (_, i) => `cluster-with-a-rather-long-name-number-${i}`.padEnd(50, 'x'));
  const bad = h.sotw('bad');
  bad.subscribe(CDS, names); // ~10 MB in one request
  const { code, details } = await endCode(bad);
  assert.ok(code === Status.RESOURCE_EXHAUSTED || code === Status.INVALID_ARGUMENT, `got ${code} ${details}`);
  const badDelta = h.delta('bad-delta');
  badDelta.subscribe(CDS, names);
  const d = await endCode(badDelta);
  assert.ok(d.code === Status.RESOURCE_EXHAUSTED || d.code === Status.INVALID_ARGUMENT, `got ${d.code} ${d.details}`);
  await stillServing(h, good, 1);
});

test('more names than maxResourceNamesPerRequest (in a small message) end that stream; others are served', async (t) => {
  const h = await XdsHarness.start({ maxResourceNamesPerRequest: 1000 });
  t.after(() => h.close());
  const good = await goodStream(h, 'good');
  const names = Array.from({ length: 20_000 }, (_, i) => `c${i}`);
  const bad = h.sotw('bad');
  bad.subscribe(EDS, names);
  const { code, details } = await endCode(bad);
  assert.ok(code === Status.RESOURCE_EXHAUSTED || code === Status.INVALID_ARGUMENT, `got ${code} ${details}`);
  const badDelta = h.delta('bad-delta');
  badDelta.subscribe(EDS, names);
  const d = await endCode(badDelta);
  assert.ok(d.code === Status.RESOURCE_EXHAUSTED || d.code === Status.INVALID_ARGUMENT, `got ${d.code} ${d.details}`);
  await stillServing(h, good, 1);
});

test('a stream that stops reading: others get every update in time, it finally gets the latest, not a backlog', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const PUSHES = 60;
  const versions = Array.from({ length: PUSHES + 1 }, (_, i) => manyEndpoints('big', 1000, i)); // ~25 KB each
  const big = (i: number) => versions[i]!;
  h.publish('n1', [big(0)]);
  const stuck = h.sotw('n1');
  stuck.subscribe(EDS, ['big']);
  await stuck.nextAcked(EDS);
  stuck.pause(); // from now on it reads nothing: the transport fills up

  const reader = h.sotw('n1');
  reader.subscribe(EDS, ['big']);
  await reader.nextAcked(EDS);
  for (let i = 1; i <= PUSHES; i++) {
    h.publish('n1', [big(i)]);
    const want = h.res(big(i));
    // Every update reaches the reading stream while the other one is stuck (generous timeout, no timing claim).
    let r = await reader.nextAcked(EDS);
    while (!carries(r, want)) r = await reader.nextAcked(EDS);
  }

  stuck.resume();
  const latest = h.res(big(PUSHES));
  let count = 0;
  for (;;) {
    const r = await stuck.nextAcked(EDS, 10_000);
    count++;
    if (carries(r, latest)) break;
  }
  t.diagnostic(`stuck stream: ${count} responses to reach the latest of ${PUSHES}`);
  assert.ok(count <= PUSHES / 2, `the stuck stream received ${count} of ${PUSHES} intermediate versions: its backlog grew`);
  h.publish('n1', [big(PUSHES), endpoints('other', [1])]);
  await stuck.expectNoResponse(); // caught up: nothing else was queued for it
});

test('an authorize hook that refuses ends only that stream, with PERMISSION_DENIED', async (t) => {
  const seen: string[] = [];
  const h = await XdsHarness.start({
    authorize: async (node, info) => {
      seen.push(node.id);
      const token = info.metadata.get('x-consul-token')[0];
      if (token !== 'let-me-in') throw new XdsError(Status.PERMISSION_DENIED, `node ${node.id}: token not allowed`);
    },
  });
  t.after(() => h.close());
  h.publish('good', [cluster('a')]);
  const good = h.sotw('good', { metadata: { 'x-consul-token': 'let-me-in' } });
  good.subscribe(CDS, ['a']);
  await good.nextAcked(CDS);

  h.publish('intruder', [cluster('secret-cluster')]);
  const bad = h.sotw('intruder', { metadata: { 'x-consul-token': 'guess' } });
  bad.subscribe(CDS, ['secret-cluster']);
  const sotw = await endCode(bad);
  assert.equal(sotw.code, Status.PERMISSION_DENIED, sotw.details);
  assert.match(sotw.details, /token not allowed/);
  assert.equal(bad.received.length, 0, 'nothing was sent to the refused stream');
  const badDelta = h.delta('intruder-delta');
  badDelta.subscribe(CDS, ['secret-cluster']);
  assert.equal((await endCode(badDelta)).code, Status.PERMISSION_DENIED);
  assert.equal(badDelta.received.length, 0);
  assert.ok(seen.includes('intruder') && seen.includes('intruder-delta'), 'the hook saw the node of each stream');

  const changed = cluster('a', { connectTimeoutSeconds: 77 });
  h.publish('good', [changed]);
  assert.ok(carries(await good.nextAcked(CDS), h.res(changed)), 'the authorized stream is still served');
});

test('streams beyond maxStreams are refused with RESOURCE_EXHAUSTED; open ones keep being served', async (t) => {
  const h = await XdsHarness.start({ maxStreams: 2 });
  t.after(() => h.close());
  const first = await goodStream(h, 'first');
  const second = await goodStream(h, 'second');
  const third = h.sotw('third');
  third.subscribe(CDS, ['a']);
  const { code, details } = await endCode(third);
  assert.equal(code, Status.RESOURCE_EXHAUSTED, details);
  await stillServingExisting(h, first, 1);
  second.close();
  await h.streamCount('second', 0);
  const again = await goodStream(h, 'fourth'); // the freed slot is usable
  again.close();
});
