// The global cap on snapshot builds per second (BRIEF 3: Consul's rate limit after 5k streams starved a
// server): beyond the cap proxies wait their turn, first come first served, and each gets its latest state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { DeliveryLimiter } from '../../src/pipelines/proxy/delivery-limiter.js';
import { endpointsSummary, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh, register } from '../pipelines/proxy/mesh-state.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

test('10 proxies connecting at once under a cap of 5/s: 5 at once, then one every 200 ms', () => {
  const s = scheduler();
  s.run(({ expectObservable }) => {
    const h = harness(s, statesAt(s, [[0, mesh([instance('api', 'api-1', 7001)])]]), { maxSnapshotsPerSecond: 5 });
    const times = ['a', 'a', 'a', 'a', 'a', '200ms a', '400ms a', '600ms a', '800ms a', '1000ms a'];
    for (const [i, t] of times.entries()) {
      expectObservable(h.proxyless(`client-${i}`, ['api']).pipe(map(endpointsSummary))).toBe(t, { a: 'api=7001*1@p0' });
    }
  });
});

test('a proxy waiting for the cap gets only its latest state when its turn comes', () => {
  const s = scheduler();
  s.run(({ expectObservable }) => {
    const a = mesh([instance('api', 'api-1', 7001)]);
    const b = register(a, instance('api', 'api-2', 7002));
    const c = register(b, instance('api', 'api-3', 7003));
    // A cap of 1/s: client-1 gets a at 0 and waits for its next token (at 1000) while b and c arrive.
    const h = harness(s, statesAt(s, [[0, a], [100, b], [300, c]]), { maxSnapshotsPerSecond: 1 });
    expectObservable(h.proxyless('client-1', ['api']).pipe(map(endpointsSummary))).toBe('a 999ms c', {
      a: 'api=7001*1@p0',
      c: 'api=7001*1@p0,7002*1@p0,7003*1@p0',
    });
  });
});

test('the limiter operator alone: no cap passes everything; a cap queues in order and refills with time', () => {
  const s = scheduler();
  s.run(({ hot, expectObservable }) => {
    const open = new DeliveryLimiter(Infinity, s);
    expectObservable(hot('abcdef').pipe(open.limit())).toBe('abcdef');
    const capped = new DeliveryLimiter(2, s); // two tokens, one more every 500 ms
    expectObservable(hot('a', { a: 1 }).pipe(capped.limit())).toBe('a', { a: 1 });
    expectObservable(hot('a', { a: 2 }).pipe(capped.limit())).toBe('a', { a: 2 });
    expectObservable(hot('a', { a: 3 }).pipe(capped.limit())).toBe('500ms a', { a: 3 });
    expectObservable(hot('a', { a: 4 }).pipe(capped.limit())).toBe('1000ms a', { a: 4 });
  });
});
