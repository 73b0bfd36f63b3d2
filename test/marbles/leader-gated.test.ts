import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { runWhileLeader } from '../../src/sources/catalog/leader-gated.js';

const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

/** A start function that records, in virtual time, when it started and stopped what it started. */
function recorder(ts: TestScheduler) {
  const log: string[] = [];
  let n = 0;
  const start = () => {
    const id = ++n;
    log.push(`${ts.now()}: start ${id}`);
    return { id, stop: () => log.push(`${ts.now()}: stop ${id}`) };
  };
  return { log, start };
}

test('starts on true, stops on false, starts again on true; emits the running one, undefined when stopped', () => {
  const ts = scheduler();
  const r = recorder(ts);
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const leader$ = hot('f-t--f-t--|', { t: true, f: false });
    const out$ = runWhileLeader(leader$, r.start).pipe(map((x) => (x ? `run${x.id}` : 'none')));
    expectObservable(out$).toBe('a-b--a-c--|', { a: 'none', b: 'run1', c: 'run2' });
    expectSubscriptions(leader$.subscriptions).toBe('^---------!');
  });
  assert.deepEqual(r.log, ['2: start 1', '5: stop 1', '7: start 2', '10: stop 2']);
});

test('repeated true (or false) neither starts twice nor stops twice', () => {
  const ts = scheduler();
  const r = recorder(ts);
  ts.run(({ hot, expectObservable }) => {
    const leader$ = hot('t-t-t-f-f-t', { t: true, f: false });
    expectObservable(runWhileLeader(leader$, r.start).pipe(map((x) => x?.id ?? 0)), '^-----------!').toBe('a-----b---c', { a: 1, b: 0, c: 2 });
  });
  assert.deepEqual(r.log, ['0: start 1', '6: stop 1', '10: start 2', '12: stop 2']);
});

test('unsubscribing while leader stops the running one and leaves leader$', () => {
  const ts = scheduler();
  const r = recorder(ts);
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const leader$ = hot('f--t-------', { t: true, f: false });
    expectObservable(runWhileLeader(leader$, r.start).pipe(map((x) => x?.id ?? 0)), '^-----!').toBe('a--b', { a: 0, b: 1 });
    expectSubscriptions(leader$.subscriptions).toBe('^-----!');
  });
  assert.deepEqual(r.log, ['3: start 1', '6: stop 1']);
});

test('leader$ failing stops the running one and passes the error on', () => {
  const ts = scheduler();
  const r = recorder(ts);
  ts.run(({ cold, expectObservable }) => {
    const leader$ = cold('f--t--#', { t: true, f: false });
    expectObservable(runWhileLeader(leader$, r.start).pipe(map((x) => x?.id ?? 0))).toBe('a--b--#', { a: 0, b: 1 });
  });
  assert.deepEqual(r.log, ['3: start 1', '6: stop 1']);
});

test('nothing starts while leader$ says standby', () => {
  const ts = scheduler();
  const idle = recorder(ts);
  ts.run(({ cold, expectObservable }) => {
    expectObservable(runWhileLeader(cold('f-f-f-|', { f: false }), idle.start).pipe(map((x) => x?.id ?? 0))).toBe('a-----|', { a: 0 });
  });
  assert.deepEqual(idle.log, []);
});
