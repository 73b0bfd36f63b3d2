import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplaySubject, share, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { awaitSlice } from '../../src/sources/consul-api/blocking-query.js';
import type { Slice } from '../../src/sources/catalog/slice.js';

const slices: Record<string, Slice<string>> = {
  a: { index: 2, value: 'two' },
  b: { index: 3, value: 'three' },
  c: { index: 7, value: 'seven' },
};

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** A selector as the catalog shares it: replays the current slice to each subscriber. */
function selector(hot$: Observable<Slice<string>>) {
  return hot$.pipe(share({ connector: () => new ReplaySubject<Slice<string>>(1), resetOnRefCountZero: true }));
}

test('index 0 answers at once with the current slice', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const slice$ = selector(hot('a----b', slices));
    expectObservable(awaitSlice(slice$, 0, 10, ts)).toBe('(a|)', slices);
  });
});

test('an index lower than the current one answers at once', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const slice$ = selector(hot('a----b', slices));
    expectObservable(awaitSlice(slice$, 1, 10, ts)).toBe('(a|)', slices);
  });
});

test('the current index waits until a slice with a greater index, which releases it', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const source = hot('a----b', slices);
    expectObservable(awaitSlice(selector(source), 2, 10, ts)).toBe('-----(b|)', slices);
    expectSubscriptions(source.subscriptions).toBe('^----!');
  });
});

test('when the wait ends first, the answer is the current slice with the same index', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const source = hot('a-----------b', slices);
    expectObservable(awaitSlice(selector(source), 2, 10, ts)).toBe('----------(a|)', slices);
    expectSubscriptions(source.subscriptions).toBe('^---------!');
  });
});

test('an index from the future waits for a slice beyond it, or the wait', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const slice$ = selector(hot('a--b---c', slices));
    expectObservable(awaitSlice(slice$, 5, 10, ts)).toBe('-------(c|)', slices);
  });
});
