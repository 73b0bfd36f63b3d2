import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { coalesceFileEvents } from '../../src/sources/file/coalesce-file-events.js';

const scheduler = () => new TestScheduler((a, e) => assert.deepEqual(a, e));

test('bursts of change events for one file are coalesced; files do not delay each other', () => {
  const ts = scheduler();
  ts.run(({ hot, expectObservable }) => {
    const events$ = hot<string>('a-a-a-b------a', { a: 'a.yaml', b: 'b.yaml' });
    // a's burst ends at 4 -> 9; b at 6 -> 11 (not pushed back by a); a again at 13 -> 18.
    expectObservable(events$.pipe(coalesceFileEvents(5, ts))).toBe('9ms a 1ms b 6ms a', { a: 'a.yaml', b: 'b.yaml' });
  });
});
