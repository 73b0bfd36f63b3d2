// adoptState (what a CA takes from a state another replica saved) and the store persistence's changes$
// (which records count as someone else's) on a real memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaRootRecord, CaState } from '../../../src/sources/ca/ca-types.js';
import { adoptState, sameCaState } from '../../../src/sources/ca/follow-ca-state.js';
import { CA_STATE_KEY, CaStateChangedError, createStoreCaPersistence } from '../../../src/sources/ca/store-ca-persistence.js';
import { encodeCaState } from '../../../src/sources/ca/ca-state-codec.js';
import { createMemoryStore } from '../../../src/sources/store/memory-store.js';
import type { Logger } from '../../../src/core/logger.js';
import { pemRoot } from './fake-issuer.js';

const state = (active: string, roots: CaRootRecord[], leafTtlMs = 1000): CaState => ({ trustDomain: 'rxds.test', activeRootId: active, roots, leafTtlMs });
const leaf = (rootId: string, validBefore: number) => ({ rootId, validBefore });

test('adoptState: nothing to add returns the foreign state itself; its retired roots become untracked leaves', () => {
  const foreign = state('bb', [pemRoot('aa', 900), pemRoot('bb')]);
  const own = state('aa', [pemRoot('aa')]);
  const { state: s, untracked } = adoptState(foreign, own, [leaf('aa', 800)], new Map(), 100, 1000);
  assert.equal(s, foreign);
  assert.deepEqual([...untracked], [['aa', 900]]);
});

test('adoptState: a retired root this CA still has leaves from gets their expiry; a dropped one is kept while they are valid', () => {
  const own = state('aa', [pemRoot('zz', 400), pemRoot('aa')]);
  // The other replica dropped zz and retired aa with its leaves valid until 900; ours from aa live to 950,
  // ours from zz to 500 (still valid at 300), and an expired one from a third root does not count.
  const foreign = state('bb', [pemRoot('aa', 900), pemRoot('bb')], 500);
  const { state: s, untracked } = adoptState(foreign, own, [leaf('aa', 950), leaf('zz', 500), leaf('yy', 200)], new Map([['zz', 400]]), 300, 1000);
  assert.deepEqual(s, { ...foreign, leafTtlMs: 1000, roots: [pemRoot('zz', 500), pemRoot('aa', 950), pemRoot('bb')] });
  // Only the other replica's word and what was untracked already: our own leaves are tracked.
  assert.deepEqual(new Map(untracked), new Map([['zz', 400], ['aa', 900]]));
  // Adopting the result again (the other replica's view of it, or its echo) adds nothing more.
  assert.equal(adoptState(s, foreign, [leaf('aa', 900)], new Map(), 300, 500).state, s);
  assert.ok(sameCaState(s, JSON.parse(JSON.stringify(s)) as CaState));
  assert.ok(!sameCaState(s, foreign));
});

function captureLogger(): Logger & { lines: { level: string; msg?: string }[] } {
  const lines: { level: string; msg?: string }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

test("changes$ emits other writers' states once each, never this persistence's own saves, and skips bad records", async () => {
  const store = createMemoryStore();
  const logger = captureLogger();
  const mine = createStoreCaPersistence(store, CA_STATE_KEY, { logger });
  const theirs = createStoreCaPersistence(store);
  assert.equal(await mine.load(), undefined);
  const emitted: CaState[] = [];
  const sub = mine.changes$!.subscribe((s) => emitted.push(s));
  try {
    await mine.save(state('aa', [pemRoot('aa')]));
    await mine.save(state('aa', [pemRoot('aa')], 2000));
    assert.equal(emitted.length, 0, 'own saves (echoed synchronously by the memory store) are not changes');

    await theirs.load();
    await theirs.save(state('bb', [pemRoot('aa', 5), pemRoot('bb')]));
    assert.deepEqual(emitted.map((s) => s.activeRootId), ['bb']);
    // Having emitted it, mine builds on it: its save is not refused.
    await mine.save(state('bb', [pemRoot('bb')]));
    assert.equal(emitted.length, 1);

    // A record that fails to decode: logged, not emitted, and mine may not overwrite what it did not read.
    await store.write([{ type: 'system-put', key: CA_STATE_KEY, value: { version: 1 } }]);
    assert.equal(emitted.length, 1);
    assert.equal(logger.lines.filter((l) => l.level === 'error' && /invalid CA state/.test(l.msg ?? '')).length, 1);
    await assert.rejects(mine.save(state('bb', [pemRoot('bb')], 3000)), CaStateChangedError);
    // The next good one is emitted, and mine can save on top of it again.
    await store.write([{ type: 'system-put', key: CA_STATE_KEY, value: JSON.parse(encodeCaState(state('cc', [pemRoot('cc')]))) }]);
    assert.deepEqual(emitted.map((s) => s.activeRootId), ['bb', 'cc']);
    await mine.save(state('cc', [pemRoot('cc')], 3000));

    // Deleted: logged; the next save creates it again.
    await store.write([{ type: 'system-delete', key: CA_STATE_KEY }]);
    assert.equal(logger.lines.filter((l) => l.level === 'warn' && /deleted/.test(l.msg ?? '')).length, 1);
    await mine.save(state('cc', [pemRoot('cc')], 3000));
    assert.equal((store.current().system.get(CA_STATE_KEY)?.Value as { leafTtlMs: number }).leafTtlMs, 3000);
    assert.equal(emitted.length, 2);
  } finally {
    sub.unsubscribe();
    await store.close();
  }
});

test('changes$ of a persistence that has not loaded yet emits nothing; a store without state$ has no changes$', async () => {
  const store = createMemoryStore();
  try {
    const mine = createStoreCaPersistence(store);
    const emitted: CaState[] = [];
    const sub = mine.changes$!.subscribe((s) => emitted.push(s));
    await createStoreCaPersistence(store).save(state('aa', [pemRoot('aa')]));
    assert.deepEqual(emitted, []);
    sub.unsubscribe();
    assert.equal(createStoreCaPersistence({ current: store.current, write: store.write }).changes$, undefined);
  } finally {
    await store.close();
  }
});
