import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, ReplaySubject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createWaiterHub } from '../../src/sources/consul-api/waiter-hub.js';
import type { Slice } from '../../src/sources/catalog/slice.js';

const slices: Record<string, Slice<string>> = {
  a: { index: 2, value: 'two' },
  b: { index: 3, value: 'three' },
  c: { index: 7, value: 'seven' },
};

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** A selector as the catalog's: always current (replays its latest slice); `log` records when the hub subscribes and leaves. */
function selector(ts: TestScheduler, hot$: Observable<Slice<string>>) {
  const latest = new ReplaySubject<Slice<string>>(1);
  hot$.subscribe(latest);
  const log: string[] = [];
  const slice$ = new Observable<Slice<string>>((subscriber) => {
    log.push(`sub@${ts.now()}`);
    const sub = latest.subscribe(subscriber);
    return () => {
      log.push(`unsub@${ts.now()}`);
      sub.unsubscribe();
    };
  });
  return { slice$, log };
}

/** Parks waiters `[minIndex, waitMs]` at frame `at` and records (frame, index) of each answer. */
function park(ts: TestScheduler, slice$: Observable<Slice<string>>, at: number, specs: readonly [number, number][]) {
  const hub = createWaiterHub(slice$, ts);
  const answers: [number, number, number][] = [];
  ts.schedule(() => {
    specs.forEach(([minIndex, waitMs], i) =>
      hub.add({
        minIndex,
        deadline: ts.now() + waitMs,
        answer: (s) => answers.push([i, ts.now(), s.index]),
        fail: (err) => assert.fail(String(err)),
      }),
    );
  }, at);
  return { hub, answers };
}

test('hub: index 0 and past indexes answer at once; the rest wait for a greater index, all released by one change', () => {
  const ts = scheduler();
  ts.run(({ hot, flush }) => {
    const { slice$, log } = selector(ts, hot('a----b', slices));
    const { hub, answers } = park(ts, slice$, 1, [[0, 10], [1, 10], [2, 10], [2, 20], [2, 30]]);
    flush();
    assert.deepEqual(answers, [[0, 1, 2], [1, 1, 2], [2, 5, 3], [3, 5, 3], [4, 5, 3]]);
    assert.equal(hub.size, 0);
    assert.deepEqual(log, ['sub@1', 'unsub@1', 'sub@1', 'unsub@1', 'sub@1', 'unsub@5'], 'answered at once: no subscription kept');
  });
});

test('hub: each wait ends at its own deadline with the current slice (same index); one subscription throughout', () => {
  const ts = scheduler();
  ts.run(({ hot, flush }) => {
    const { slice$, log } = selector(ts, hot('a-----------------c', slices));
    const { answers } = park(ts, slice$, 0, [[2, 12], [2, 5], [2, 9], [5, 30]]);
    flush();
    assert.deepEqual(answers, [[1, 5, 2], [2, 9, 2], [0, 12, 2], [3, 18, 7]]);
    assert.deepEqual(log, ['sub@0', 'unsub@18']);
  });
});

test('hub: a waiter taken out (client gone) is never answered, and the last one out unsubscribes', () => {
  const ts = scheduler();
  ts.run(({ hot, flush }) => {
    const { slice$, log } = selector(ts, hot('a------b', slices));
    const hub = createWaiterHub(slice$, ts);
    const answered: number[] = [];
    ts.schedule(() => {
      const waiter = { minIndex: 2, deadline: ts.now() + 10, answer: () => answered.push(ts.now()), fail: (err: unknown) => assert.fail(String(err)) };
      assert.equal(hub.add(waiter), true);
      ts.schedule(() => hub.remove(waiter), 3);
    }, 1);
    flush();
    assert.deepEqual(answered, []);
    assert.equal(hub.size, 0);
    assert.deepEqual(log, ['sub@1', 'unsub@4']);
  });
});

test('hub: an error of the slice fails every waiter', () => {
  const ts = scheduler();
  ts.run(({ cold, flush }) => {
    const hub = createWaiterHub(cold<Slice<string>>('a--#', slices), ts);
    const failed: number[] = [];
    for (let i = 0; i < 3; i++) hub.add({ minIndex: 2, deadline: 100, answer: () => assert.fail("answered"), fail: () => failed.push(ts.now()) });
    flush();
    assert.deepEqual(failed, [3, 3, 3]);
    assert.equal(hub.size, 0);
  });
});
