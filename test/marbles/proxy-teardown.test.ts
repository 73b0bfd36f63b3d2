// Per-proxy pipeline lifetime (BRIEF 8): torn down GRACE_MS after its last stream ends (its sources
// unsubscribed), and a reconnect within the grace period reuses the snapshot without resubscribing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { GRACE_MS, endpointsSummary, harness, replaying } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh, register } from '../pipelines/proxy/mesh-state.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

const a = mesh([instance('api', 'api-1', 7001)]);
const b = register(a, instance('api', 'api-2', 7002));
const states = { a, b };

test('the pipeline of a node whose only stream ended unsubscribes from its sources GRACE_MS later', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  s.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a', states);
    h = harness(s, replaying(source));
    expectObservable(h.proxyless('client', ['api']).pipe(map(endpointsSummary)), '^ 9ms !').toBe('a', { a: 'api=7001*1@p0' });
    expectSubscriptions(source.subscriptions).toBe(`^ ${9 + GRACE_MS}ms !`);
  });
  assert.equal(h!.manager.stats().proxies, 0, 'the node is forgotten');
});

test('a reconnect within the grace period gets the same snapshot at once, and the sources are not resubscribed', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a', states);
    const h = harness(s, replaying(source));
    const first = h.proxyless('client', ['api'], 'stream-1');
    const second = h.proxyless('client', ['api'], 'stream-2');
    expectObservable(first.pipe(map(endpointsSummary)), '^ 9ms !').toBe('a', { a: 'api=7001*1@p0' });
    expectObservable(second.pipe(map(endpointsSummary)), '15ms ^ 14ms !').toBe('15ms a', { a: 'api=7001*1@p0' });
    // One subscription, from the first stream until GRACE_MS after the second ended (at 30).
    expectSubscriptions(source.subscriptions).toBe(`^ ${29 + GRACE_MS}ms !`);
  });
});

test('a reconnect within the grace period sees changes that happened while no stream was connected', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a 11ms b', states); // b at 12, during the gap
    const h = harness(s, replaying(source));
    expectObservable(h.proxyless('client', ['api'], 's1').pipe(map(endpointsSummary)), '^ 9ms !').toBe('a', { a: 'api=7001*1@p0' });
    // The change at 12 is built at 17 (debounce) although nobody listens; the reconnect at 25 gets it at once.
    expectObservable(h.proxyless('client', ['api'], 's2').pipe(map(endpointsSummary)), '25ms ^ 9ms !').toBe('25ms b', {
      b: 'api=7001*1@p0,7002*1@p0',
    });
    expectSubscriptions(source.subscriptions).toBe(`^ ${34 + GRACE_MS}ms !`);
  });
});

test('after the grace period a new stream builds a new pipeline (a new subscription to the sources)', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a', states);
    const h = harness(s, replaying(source));
    expectObservable(h.proxyless('client', ['api'], 's1').pipe(map(endpointsSummary)), '^ 9ms !').toBe('a', { a: 'api=7001*1@p0' });
    expectObservable(h.proxyless('client', ['api'], 's2').pipe(map(endpointsSummary)), '40ms ^ 9ms !').toBe('40ms a', { a: 'api=7001*1@p0' });
    expectSubscriptions(source.subscriptions).toBe([`^ ${9 + GRACE_MS}ms !`, `40ms ^ ${9 + GRACE_MS}ms !`]);
  });
});

test('close() ends the grace periods: a pipeline whose stream ended is torn down at once, one still streaming when its stream ends', () => {
  const s = scheduler();
  let h: ReturnType<typeof harness> | undefined;
  const alive: number[] = [];
  s.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a', states);
    h = harness(s, replaying(source));
    // Stream 1 ends at 10 (its grace would run until 10 + GRACE_MS); the manager closes at 15; stream 2 ends at 25.
    expectObservable(h.proxyless('ended', ['api']).pipe(map(endpointsSummary)), '^ 9ms !').toBe('a', { a: 'api=7001*1@p0' });
    expectObservable(h.proxyless('open', ['api']).pipe(map(endpointsSummary)), '^ 24ms !').toBe('a', { a: 'api=7001*1@p0' });
    s.schedule(() => h!.manager.close(), 15);
    s.schedule(() => alive.push(h!.manager.stats().proxies), 16);
    // The catalog's source stays subscribed while any pipeline lives: until stream 2 ended, not GRACE_MS later.
    expectSubscriptions(source.subscriptions).toBe('^ 24ms !');
  });
  assert.deepEqual(alive, [1], 'just after close() only the node still streaming has a pipeline');
  assert.equal(h!.manager.stats().proxies, 0, 'both nodes are forgotten, no timer left');
});
