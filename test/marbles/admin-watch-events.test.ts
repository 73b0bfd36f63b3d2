// The watch stream's event logic (src/sinks/admin/watch-events.ts) in virtual time: config first, patches,
// heartbeats on the scheduler, latest-wins while the client cannot take more, and teardown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { watchEvents } from '../../src/sinks/admin/watch-events.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

const docs = {
  a: { n: 1, list: ['x'] },
  b: { n: 2, list: ['x'] },
  c: { n: 2, list: ['x', 'y'] },
  d: { n: 3, list: ['y'] },
};

test('config with the first document, then one patch per change; an equal document sends nothing', () => {
  const ts = scheduler();
  ts.run(({ cold, expectObservable, expectSubscriptions }) => {
    const docs$ = cold('a-b-B-c|', { ...docs, B: { n: 2, list: ['x'] } });
    expectObservable(watchEvents(docs$, { scheduler: ts, heartbeatMs: 0 })).toBe('a-b---c|', {
      a: { type: 'config', config: docs.a },
      b: { type: 'patch', patch: [{ op: 'replace', path: '/n', value: 2 }] },
      c: { type: 'patch', patch: [{ op: 'add', path: '/list/1', value: 'y' }] },
    });
    expectSubscriptions(docs$.subscriptions).toBe('^------!');
  });
});

test('heartbeats every heartbeatMs on the scheduler, and nothing is left running after unsubscribe', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const docs$ = hot('a 25ms b', docs);
    expectObservable(watchEvents(docs$, { scheduler: ts, heartbeatMs: 10 }), '^ 35ms !').toBe('a 9ms h 9ms h 5ms b 3ms h', {
      a: { type: 'config', config: docs.a },
      b: { type: 'patch', patch: [{ op: 'replace', path: '/n', value: 2 }] },
      h: { type: 'heartbeat' },
    });
    expectSubscriptions(docs$.subscriptions).toBe('^ 35ms !');
  });
  // TestScheduler.run flushed: a leftover interval would have kept scheduling actions.
  assert.equal(ts.actions.length, 0);
});

test('while the client cannot take more, only the latest document is kept: one patch from what it last got', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const docs$ = hot('a-b-c-d---', docs);
    const writable$ = hot('t-f-----t-', { t: true, f: false });
    expectObservable(watchEvents(docs$, { scheduler: ts, heartbeatMs: 5, writable$ }), '^ 9ms !').toBe('a-b-----p-', {
      a: { type: 'config', config: docs.a },
      b: { type: 'patch', patch: [{ op: 'replace', path: '/n', value: 2 }] },
      // From b ({n:2, list:[x]}) straight to d ({n:3, list:[y]}): c was never sent.
      p: {
        type: 'patch',
        patch: [
          { op: 'replace', path: '/list/0', value: 'y' },
          { op: 'replace', path: '/n', value: 3 },
        ],
      },
    });
  });
});
