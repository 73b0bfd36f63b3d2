// Coalescing of per-proxy changes (BRIEF 1, 4): a burst gives one snapshot; a continuous stream of changes
// still gets through by the max wait. First the operator alone, then a whole proxy pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map, merge, NEVER, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { create } from '@bufbuild/protobuf';
import { NodeSchema } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import type { Snapshot } from '../../src/core/snapshot.js';
import { TypeUrl } from '../../src/core/type-urls.js';
import { coalesce } from '../../src/pipelines/proxy/coalesce.js';
import type { CatalogState } from '../../src/sources/store/catalog-state.js';
import { DEBOUNCE_MAX_MS, DEBOUNCE_MS, endpointsSummary, harness, statesAt } from '../pipelines/proxy/marble-harness.js';
import { instance, mesh, register, setCheck } from '../pipelines/proxy/mesh-state.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Values at given times (several per ms allowed, in order); never completes. */
function at<T>(s: SchedulerLike, entries: readonly (readonly [number, T])[]): Observable<T> {
  return merge(...entries.map(([t, v]) => (t === 0 ? of(v) : timer(t, s).pipe(map(() => v)))), NEVER);
}

/** Collects [time, value] of everything `obs` emits during the run. */
function record<T>(s: TestScheduler, obs: Observable<T>): Array<[number, T]> {
  const out: Array<[number, T]> = [];
  obs.subscribe((v) => out.push([s.now(), v]));
  return out;
}

test('coalesce: the first value passes at once; 100 changes within 10 ms give one emission, debounce after the last', () => {
  const s = scheduler();
  s.run(({ expectObservable }) => {
    const burst = Array.from({ length: 100 }, (_, i) => [20 + Math.floor(i / 10), i + 1] as const); // 10 per ms, 20..29 ms
    const source = at(s, [[0, 0], ...burst]);
    expectObservable(source.pipe(coalesce(5, 50, s))).toBe('a 33ms b', { a: 0, b: 100 });
  });
});

test('coalesce: a continuous stream of changes is emitted at least every max wait, ending with the last value', () => {
  const s = scheduler();
  const changes = Array.from({ length: 95 }, (_, i) => [11 + 2 * i, i + 1] as const); // every 2 ms, 11..199
  let seen: Array<[number, number]> = [];
  s.run(() => {
    seen = record(s, at(s, [[0, 0], ...changes]).pipe(coalesce(5, 50, s)));
  });
  const times = seen.map(([t]) => t);
  assert.deepEqual(times, [0, 61, 113, 165, 204], `emission times ${times.join(',')}`);
  assert.equal(seen.at(-1)![1], 95, 'the last change is emitted');
  for (const [t, v] of seen.slice(1, -1)) assert.equal(v, (t - 11) / 2 + 1, 'each emission carries the latest value at its time');
});

test('coalesce: onFlush is told how long each emitted change waited, from its oldest pending value', () => {
  const s = scheduler();
  const waited: Array<[number, number]> = [];
  s.run(() => {
    // 0: passes at once (no wait reported); 20..29: a burst, flushed 5 ms after the last (waited 14 ms);
    // 100..: a change every 2 ms, flushed by the max wait 50 ms after the first pending one.
    const continuous = Array.from({ length: 40 }, (_, i) => [100 + 2 * i, 200 + i] as const);
    const burst = Array.from({ length: 10 }, (_, i) => [20 + i, i + 1] as const);
    at(s, [[0, 0], ...burst, ...continuous]).pipe(coalesce(5, 50, s, undefined, (ms) => waited.push([s.now(), ms]))).subscribe();
  });
  assert.deepEqual(waited.slice(0, 2), [
    [34, 14],
    [150, 50],
  ]);
});

// A proxyless client of `api`: one instance whose check flips between passing (weight 10) and warning (weight 1).
const base = mesh([instance('api', 'api-1', 7001, { Weights: { Passing: 10, Warning: 1 }, Check: { TTL: '30s' } })]);
const passing = setCheck(base, 'service:api-1', 'passing');
const flips = (from: number, count: number, step: number, per = 1): Array<readonly [number, CatalogState]> => {
  const out: Array<readonly [number, CatalogState]> = [];
  let state = passing;
  for (let i = 0; i < count; i++) {
    state = setCheck(state, 'service:api-1', state.checks.get('service:api-1')!.Status === 'passing' ? 'warning' : 'passing');
    out.push([from + Math.floor(i / per) * step, state]);
  }
  return out;
};

test('a proxy pipeline: a burst of 100 catalog changes in 10 ms gives one snapshot, DEBOUNCE_MS after the burst', () => {
  const s = scheduler();
  s.run(({ expectObservable }) => {
    const states$ = statesAt(s, [[0, passing], ...flips(10, 101, 1, 10)]); // 101 flips: ends on warning
    const h = harness(s, states$);
    expectObservable(h.proxyless('client', ['api']).pipe(map(endpointsSummary))).toBe(`a ${19 + DEBOUNCE_MS}ms b`, {
      a: 'api=7001*10@p0',
      b: 'api=7001*1@p0',
    });
  });
});

/** api-1 re-registered with Weights.Passing 2, 3, ... every `step` ms from `from`: every change shows in EDS. */
const reweights = (from: number, count: number, step: number): Array<readonly [number, CatalogState]> => {
  const out: Array<readonly [number, CatalogState]> = [];
  let state = passing;
  for (let i = 0; i < count; i++) {
    state = register(state, instance('api', 'api-1', 7001, { Weights: { Passing: i + 2, Warning: 1 }, Check: { TTL: '30s' } }));
    out.push([from + i * step, state]);
  }
  return out;
};

test('a proxy pipeline: changes every 2 ms for 190 ms still reach the proxy every DEBOUNCE_MAX_MS', () => {
  const s = scheduler();
  let seen: Array<[number, string]> = [];
  s.run(() => {
    const h = harness(s, statesAt(s, [[0, passing], ...reweights(11, 95, 2)]));
    seen = record(s, h.proxyless('client', ['api']).pipe(map(endpointsSummary)));
  });
  // First change at 11: due by 11 + max wait; the next pending change (63) by 113; ... the last (199) after the debounce.
  const times = seen.map(([t]) => t);
  assert.deepEqual(times, [0, 11 + DEBOUNCE_MAX_MS, 63 + DEBOUNCE_MAX_MS, 115 + DEBOUNCE_MAX_MS, 199 + DEBOUNCE_MS], `emission times ${times.join(',')}`);
  assert.equal(seen.at(-1)![1], 'api=7001*96@p0', 'the final state arrives');
});

test('a proxyless client naming a new target is answered at once, not after the debounce', () => {
  const s = scheduler();
  s.run(({ cold, expectObservable }) => {
    const state = mesh([instance('api', 'api-1', 7001), instance('web', 'web-1', 8001)]);
    const h = harness(s, statesAt(s, [[0, state]]));
    const lds = (names: string[]) => new Map([[TypeUrl.Listener, names]]);
    const subscriptions$ = cold('a 9ms b 9ms c', { a: lds(['api']), b: lds(['api', 'web']), c: lds(['web']) });
    const node = create(NodeSchema, { id: 'client' });
    const listeners = (snap: Snapshot) => [...(snap.get(TypeUrl.Listener)?.keys() ?? [])].sort().join(',');
    // New target at 10: at once. A target dropped at 20: nobody waits for that, so it is coalesced.
    expectObservable(h.manager.snapshots(node, { streamId: '1', subscriptions$ }).pipe(map(listeners))).toBe(`a 9ms b ${9 + DEBOUNCE_MS}ms c`, {
      a: 'api',
      b: 'api,web',
      c: 'web',
    });
  });
});
