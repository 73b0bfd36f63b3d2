// SotW subscriptions: full resource_names sets, stale nonces, names that appear later, the node kept
// from the first request, reconnect with the current version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/core/type-urls.js';
import { apiListener, cluster, endpoints } from '../support/fixtures.js';
import { XdsHarness } from '../support/xds-harness.js';
import { carries, describe, namesIn } from '../support/xds-responses.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;

test('SotW: resource_names is the full set: a dropped name gets no updates, a re-added one is sent again', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a', 'b']);
  const r1 = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(r1), ['a', 'b']);

  c.subscribe(EDS, ['a']); // b dropped
  await h.subscribed('n1', EDS, ['a']);
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [3])]); // only b changes: nothing is due
  h.publish('n1', [endpoints('a', [4]), endpoints('b', [3])]); // then a changes
  const r2 = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(r2), ['a'], `only the still subscribed a is sent, got ${describe(r2)}`);

  c.subscribe(EDS, ['a', 'b']); // b named again: sent again even though the client had it once
  const r3 = await c.nextAcked(EDS);
  assert.ok(carries(r3, h.res(endpoints('b', [3]))), `b is sent on re-subscription, got ${describe(r3)}`);
});

test('SotW: a request with a stale nonce is not answered, but its resource names count', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [endpoints('a', [1]), endpoints('b', [2])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a']);
  const r1 = await c.nextAcked(EDS);
  h.publish('n1', [endpoints('a', [5]), endpoints('b', [2])]);
  const r2 = await c.nextAcked(EDS);

  // The nonce of r1 is stale now that r2 was sent: no answer, although b exists and is newly named.
  c.send({ typeUrl: EDS, versionInfo: r1.versionInfo, responseNonce: r1.nonce, resourceNames: ['a', 'b'] });
  await c.expectNoResponse();
  await h.subscribed('n1', EDS, ['a', 'b']);

  // ...but b is subscribed: its next change is sent.
  h.publish('n1', [endpoints('a', [5]), endpoints('b', [6])]);
  const r3 = await c.nextOf(EDS);
  assert.ok(carries(r3, h.res(endpoints('b', [6]))), `b follows the stale request's names, got ${describe(r3)}`);
  assert.notEqual(r3.nonce, r2.nonce);
});

test('SotW: names that do not exist yet are sent as soon as they appear (EDS and named CDS)', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), endpoints('a', [1])]);
  const c = h.sotw('n1');
  c.subscribe(EDS, ['a', 'later']);
  const e1 = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(e1), ['a']);
  c.subscribe(CDS, ['a', 'later']);
  const c1 = await c.nextAcked(CDS);
  assert.deepEqual(namesIn(c1), ['a'], 'full state: only what exists');

  h.publish('n1', [cluster('a'), endpoints('a', [1]), cluster('later'), endpoints('later', [2])]);
  const got = [await c.nextAcked(), await c.nextAcked()];
  const cds = got.find((r) => r.typeUrl === CDS);
  const eds = got.find((r) => r.typeUrl === EDS);
  assert.ok(cds && eds, `one CDS and one EDS response, got ${got.map(describe).join('; ')}`);
  assert.deepEqual(namesIn(cds), ['a', 'later']);
  assert.ok(carries(eds, h.res(endpoints('later', [2]))));
});

test('SotW: a listener named before it exists is sent when it appears (gRPC asks for its target)', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  const c = h.sotw('n1');
  c.subscribe(LDS, ['echo']);
  // The server may answer at once that nothing exists (an empty full-state LDS response), or wait.
  const early = await c.maybeNext();
  if (early) {
    assert.deepEqual(namesIn(early), [], `nothing exists yet, got ${describe(early)}`);
    c.ack(early);
  }
  h.publish('n1', [apiListener('echo', 'echo-route')]);
  const r = await c.nextOf(LDS);
  assert.ok(carries(r, h.res(apiListener('echo', 'echo-route'))));
});

test('SotW: the node of the first request is kept for the whole stream', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('one'), endpoints('one', [1])]);
  h.publish('n2', [cluster('two'), endpoints('two', [2])]);
  const c = h.sotw('n2');
  c.subscribe(CDS, ['one', 'two']); // carries the node
  assert.deepEqual(namesIn(await c.nextAcked(CDS)), ['two']);
  c.subscribe(EDS, ['one', 'two']); // carries no node: still n2's snapshot
  const r = await c.nextAcked(EDS);
  assert.deepEqual(namesIn(r), ['two']);
});

test('SotW: a new stream whose first request already has the current version is answered', async (t) => {
  const h = await XdsHarness.start();
  t.after(() => h.close());
  h.publish('n1', [cluster('a'), cluster('b')]);
  const first = h.sotw('n1');
  first.subscribe(CDS, ['*']);
  const r1 = await first.nextAcked(CDS);
  first.close();

  // Reconnect, as Envoy does after a restart of the server: version_info set, no nonce.
  const again = h.sotw('n1');
  again.send({ typeUrl: CDS, versionInfo: r1.versionInfo, resourceNames: ['*'] });
  const r2 = await again.nextOf(CDS);
  assert.deepEqual(namesIn(r2), ['a', 'b'], 'the full state is sent on the new stream');
});

test('SotW: versions survive a server restart: changed content never reuses a version', async (t) => {
  const versionFrom = async (messages: ReturnType<typeof cluster>[]) => {
    const h = await XdsHarness.start(); // a fresh server, as after a restart or on another replica
    try {
      h.publish('n1', messages);
      const c = h.sotw('n1');
      c.subscribe(CDS, ['*']);
      return (await c.nextOf(CDS)).versionInfo;
    } finally {
      await h.close();
    }
  };
  const before = await versionFrom([cluster('a', { connectTimeoutSeconds: 5 })]);
  const changed = await versionFrom([cluster('a', { connectTimeoutSeconds: 6 })]);
  assert.notEqual(changed, before, 'a restarted server must not reuse a version for other content');
  t.diagnostic(`same content on a restarted server: ${before === (await versionFrom([cluster('a', { connectTimeoutSeconds: 5 })])) ? 'same' : 'new'} version`);
});
